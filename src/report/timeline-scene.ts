import { commandBursts, readKeyCommands, type CommandBurst, type KeyCommandReading } from '../check/key-commands.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Micros } from '../sim/time.ts';
import { DEFAULT_EPOCH_MS } from '../sim/world.ts';
import { clockTrack, type ClockTrack } from './clocks.ts';
import type { LaneFrame } from './key-marks.ts';
import { clientColour, LEFT, PLOT } from './svg-kit.ts';

/**
 * What every part of one SVG timeline reads, worked out once from the run and the options: the
 * processes, the true-time window and its x scale, the clients' colours, each process's clock,
 * and the lock key's commands. The parts lay themselves out from top to bottom around it.
 */
export interface TimelineScene {
  readonly result: RunResult;
  readonly clients: readonly string[];
  readonly nodes: readonly string[];
  /** The run's end in true time, µs (at least 1, so a scale never divides by zero). */
  readonly runEnd: Micros;
  /** The true-time window drawn, µs. */
  readonly t0: Micros;
  readonly t1: Micros;
  /** A close-up (a window was asked for), not the whole run. */
  readonly windowed: boolean;
  readonly x: (t: Micros) => number;
  readonly inView: (from: Micros, to: Micros) => boolean;
  /** The same scale and colours as the lane parts in their own files take them. */
  readonly frame: LaneFrame;
  readonly colourOf: ReadonlyMap<string, string>;
  /** The wall-clock reading true time 0 corresponds to. */
  readonly epochMs: number;
  readonly tracks: ReadonlyMap<string, ClockTrack | null>;
  /** The hatch pattern's id: unique per SVG, since a page can hold two (the run and its close-up). */
  readonly hatchId: string;
  /** The lock key, command by command (simulated runs record them; see check/key-commands.ts). */
  readonly readings: readonly KeyCommandReading[];
  readonly bursts: readonly CommandBurst[];
  /** How many of the lock's nodes make a majority. */
  readonly quorum: number;
}

/** Shared by the section headers above the clients, the nodes and the clocks. */
export const HEADER = 22;
/** A client's lane: the violations' boxes span whole client lanes, so they read it too. */
export const CLIENT_LANE = 66;

export interface SceneOptions {
  readonly result: RunResult;
  readonly epochMs?: number;
  readonly real?: boolean;
  readonly window?: { readonly from: Micros; readonly to: Micros };
  readonly id?: string;
}

export function timelineScene(input: SceneOptions): TimelineScene {
  const { result } = input;
  const history = result.history;
  const clients = result.processes.clients;
  const nodes = result.processes.nodes;
  const runEnd = Math.max(history.endedAt, 1);
  const t0 = input.window?.from ?? 0;
  const t1 = Math.max(input.window?.to ?? runEnd, t0 + 1);
  const x = (t: Micros): number => LEFT + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * PLOT;
  const inView = (from: Micros, to: Micros): boolean => to >= t0 && from <= t1;
  const colourOf = new Map(clients.map((c, i) => [c, clientColour(i)]));
  const readings = readKeyCommands(history);
  return {
    result,
    clients,
    nodes,
    runEnd,
    t0,
    t1,
    windowed: input.window !== undefined,
    x,
    inView,
    frame: { x, inView, colourOf: (p) => colourOf.get(p) },
    colourOf,
    epochMs: input.epochMs ?? guessEpochMs(result, input.real === true),
    tracks: new Map<string, ClockTrack | null>([...clients, ...nodes].map((p) => [p, clockTrack(p, result.trace, history.events)])),
    hatchId: `${input.id ?? 'timeline'}-hatch`,
    readings,
    bursts: commandBursts(readings),
    quorum: Math.floor((history.lockNodes?.length ?? nodes.length) / 2) + 1,
  };
}

/** The wall-clock reading true time 0 corresponds to. */
export function guessEpochMs(result: RunResult, real: boolean): number {
  if (!real) return DEFAULT_EPOCH_MS;
  // Real mode: true time is the machine's monotonic clock, so there is no fixed epoch. Use the
  // median of the processes' first (wall − true) readings: the chart then shows each clock's
  // offset relative to the typical clock of the run, which is what the faults changed.
  const firsts: number[] = [];
  const seen = new Set<string>();
  for (const e of result.history.events) {
    if (seen.has(e.process) || !Number.isFinite(e.wallMs)) continue;
    seen.add(e.process);
    firsts.push(e.wallMs - e.at / 1000);
  }
  if (firsts.length === 0) return 0;
  firsts.sort((a, b) => a - b);
  return firsts[Math.floor(firsts.length / 2)] as number;
}

/** Vertical layout: each part starts at `top`, says where it ended, and the next starts there. */
export interface Placed<T = string[]> {
  readonly svg: T;
  readonly bottom: number;
}
