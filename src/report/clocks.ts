import type { HistoryEvent } from '../check/history.ts';
import type { TimeSource } from '../locks/interface.ts';
import type { Micros } from '../sim/time.ts';
import type { TraceEntry } from '../sim/trace.ts';

/**
 * Each process's clocks as the report sees them: piecewise-linear functions of true time,
 * rebuilt from what the run recorded.
 *
 * From the kernel trace (a run with `keepTrace`) the reconstruction is exact: every entry
 * carries the process's wall and monotonic readings, and a clock's rate changes only at a
 * `drift` entry and its wall clock steps only at a `jump` entry. So the readings between two
 * consecutive knots (the first entry, each drift and jump entry with its neighbours, the last
 * entry) lie on a straight line; a jump gets two knots at the same true time, the reading
 * before the step (the entry's reading minus the step its detail names) and the one after.
 *
 * From the history alone (no trace; real mode) the knots are the client's own events: exact at
 * each event, linear in between, which is an APPROXIMATION: a drift change or a wall-clock step
 * between two events shows as a slope from one to the next, and wall readings are whole ms.
 * Nodes have no history events, so without a trace their clocks are unknown.
 */
export interface ClockKnot {
  readonly at: Micros;
  readonly wallMs: number;
  readonly monoMs: number;
}

export interface ClockTrack {
  readonly process: string;
  /** Sorted by `at`; at a wall-clock step two knots share `at` (before, then after). */
  readonly knots: readonly ClockKnot[];
  /** Where the knots came from: `trace` (exact) or `history` (approximate between events). */
  readonly source: 'trace' | 'history';
  /** The clocks' rate (1 + drift) after the last knot, used to extrapolate to the run's end. */
  readonly rateAfter: number;
  /** True times of wall-clock steps, with the step in ms (trace only). */
  readonly jumps: readonly { readonly at: Micros; readonly deltaMs: number }[];
  /** True times the drift changed, with the new drift in ppm (trace only). */
  readonly drifts: readonly { readonly at: Micros; readonly ppm: number }[];
}

function parseNumber(detail: string, suffix: string): number | null {
  const m = new RegExp(`^([+-]?\\d+(?:\\.\\d+)?)${suffix}`).exec(detail.trim());
  return m === null ? null : Number(m[1]);
}

const slope = (a: ClockKnot, b: ClockKnot): number | null => (b.at > a.at ? (b.monoMs - a.monoMs) / ((b.at - a.at) / 1000) : null);

/** A process's clock track from the kernel trace (exact), or null if the trace has no entry of it. */
export function trackFromTrace(process: string, trace: readonly TraceEntry[]): ClockTrack | null {
  const entries = trace.filter((e) => e.process === process && Number.isFinite(e.wallMs) && Number.isFinite(e.monoMs));
  if (entries.length === 0) return null;
  const keep = new Set<number>([0, entries.length - 1]);
  const jumps: { at: Micros; deltaMs: number }[] = [];
  const drifts: { at: Micros; ppm: number }[] = [];
  entries.forEach((e, i) => {
    if (e.kind !== 'jump' && e.kind !== 'drift') return;
    keep.add(i);
    if (i > 0) keep.add(i - 1);
    if (i + 1 < entries.length) keep.add(i + 1);
  });
  const knots: ClockKnot[] = [];
  let lastPpm: number | null = null;
  for (const i of [...keep].sort((a, b) => a - b)) {
    const e = entries[i] as TraceEntry;
    if (e.kind === 'jump') {
      const delta = parseNumber(e.detail, 'ms') ?? 0;
      jumps.push({ at: e.at, deltaMs: delta });
      knots.push({ at: e.at, wallMs: e.wallMs - delta, monoMs: e.monoMs });
    } else if (e.kind === 'drift') {
      const ppm = parseNumber(e.detail, 'ppm');
      if (ppm !== null) {
        drifts.push({ at: e.at, ppm });
        lastPpm = ppm;
      }
    }
    knots.push({ at: e.at, wallMs: e.wallMs, monoMs: e.monoMs });
  }
  const last = knots[knots.length - 1] as ClockKnot;
  const lastDrift = drifts[drifts.length - 1];
  // After the last knot the rate is the one of the last stretch: the last drift entry's if that
  // is the last knot, otherwise the slope of the monotonic clock over the last segment.
  let rateAfter = 1;
  if (lastDrift !== undefined && lastDrift.at === last.at && lastPpm !== null) rateAfter = 1 + lastPpm / 1e6;
  else {
    for (let i = knots.length - 1; i > 0; i--) {
      const s = slope(knots[i - 1] as ClockKnot, knots[i] as ClockKnot);
      if (s !== null) {
        rateAfter = s;
        break;
      }
    }
  }
  return { process, knots, source: 'trace', rateAfter, jumps, drifts };
}

/** A client's clock track from its own history events (approximate between events), or null. */
export function trackFromHistory(process: string, events: readonly HistoryEvent[]): ClockTrack | null {
  const own = events.filter((e) => e.process === process && Number.isFinite(e.wallMs) && Number.isFinite(e.monoMs));
  if (own.length === 0) return null;
  const knots = own.map((e) => ({ at: e.at, wallMs: e.wallMs, monoMs: e.monoMs })).sort((a, b) => a.at - b.at);
  let rateAfter = 1;
  for (let i = knots.length - 1; i > 0; i--) {
    const s = slope(knots[i - 1] as ClockKnot, knots[i] as ClockKnot);
    if (s !== null && Number.isFinite(s) && s > 0) {
      rateAfter = s;
      break;
    }
  }
  return { process, knots, source: 'history', rateAfter, jumps: [], drifts: [] };
}

/** The best track available for a process: the trace's, else (clients) the history's. */
export function clockTrack(process: string, trace: readonly TraceEntry[] | null, events: readonly HistoryEvent[]): ClockTrack | null {
  return (trace === null ? null : trackFromTrace(process, trace)) ?? trackFromHistory(process, events);
}

const read = (k: ClockKnot, source: TimeSource): number => (source === 'wall' ? k.wallMs : k.monoMs);

/**
 * The reading of `source` at true time `t` (after a step, if a step happens exactly at `t`).
 * Before the first knot and after the last the clock is extrapolated at its rate.
 */
export function localAt(track: ClockTrack, source: TimeSource, t: Micros): number {
  const knots = track.knots;
  const first = knots[0] as ClockKnot;
  if (t < first.at) return read(first, source) - ((first.at - t) / 1000) * (knots.length > 1 ? firstRate(track) : track.rateAfter);
  let i = 0;
  while (i + 1 < knots.length && (knots[i + 1] as ClockKnot).at <= t) i++;
  const a = knots[i] as ClockKnot;
  const b = knots[i + 1];
  if (b === undefined) return read(a, source) + ((t - a.at) / 1000) * track.rateAfter;
  return read(a, source) + ((read(b, source) - read(a, source)) * (t - a.at)) / (b.at - a.at);
}

function firstRate(track: ClockTrack): number {
  for (let i = 1; i < track.knots.length; i++) {
    const s = slope(track.knots[i - 1] as ClockKnot, track.knots[i] as ClockKnot);
    if (s !== null) return s;
  }
  return track.rateAfter;
}

/**
 * The first true time, not before `from`, at which the clock `source` reads at least `target`;
 * null if it does not happen before `limit`. A forward step that carries the clock past the
 * target counts at the step's true time.
 */
export function trueTimeWhenLocalReaches(track: ClockTrack, source: TimeSource, target: number, from: Micros, limit: Micros): Micros | null {
  if (localAt(track, source, from) >= target) return from;
  const knots = track.knots;
  // Points of the piecewise-linear function from `from` on, in order (both sides of a step).
  const points: { at: Micros; v: number }[] = [{ at: from, v: localAt(track, source, from) }];
  for (const k of knots) if (k.at > from) points.push({ at: k.at, v: read(k, source) });
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i] as { at: Micros; v: number };
    const b = points[i + 1] as { at: Micros; v: number };
    if (a.at > limit) return null;
    if (b.v < target) continue;
    if (b.at === a.at) return b.at;
    const t = a.at + ((target - a.v) / (b.v - a.v)) * (b.at - a.at);
    return t <= limit ? Math.max(a.at, t) : null;
  }
  const last = points[points.length - 1] as { at: Micros; v: number };
  if (track.rateAfter <= 0) return null;
  const t = last.at + ((target - last.v) / track.rateAfter) * 1000;
  return t <= limit ? Math.max(last.at, t) : null;
}

/** A point of a clock-offset chart: the wall clock minus true time (and the epoch), ms. */
export interface OffsetPoint {
  readonly at: Micros;
  readonly offsetMs: number;
}

/**
 * The wall clock's offset from true time as a polyline from the first knot to `end`: a drift
 * is a slope, a jump a vertical step. `epochMs` is the wall-clock reading that true time 0
 * corresponds to.
 */
export function offsetSeries(track: ClockTrack, epochMs: number, end: Micros): OffsetPoint[] {
  const points: OffsetPoint[] = track.knots.map((k) => ({ at: k.at, offsetMs: k.wallMs - epochMs - k.at / 1000 }));
  const last = track.knots[track.knots.length - 1] as ClockKnot;
  if (end > last.at) points.push({ at: end, offsetMs: localAt(track, 'wall', end) - epochMs - end / 1000 });
  return points;
}
