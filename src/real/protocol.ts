/**
 * The messages between the real-mode runner (src/real/runner.ts) and its client processes
 * (src/real/client-process.ts), over Node's IPC channel (JSON). Plain data only: functions, such
 * as a variant's lock factory, cannot cross a process boundary, so a client process imports the
 * scenario module itself and finds the lock by the variant's name.
 */
import type { HistoryEvent, ResourceWrite } from '../check/history.ts';
import type { WorkloadOptions } from '../workload/client.ts';

/** Where a client reaches one node: its Toxiproxy link's port (on 127.0.0.1 unless `host`). */
export interface NodeEndpoint {
  readonly name: string;
  /** The node's service (default `redis`): its real-mode part (src/real/services/) builds the client. */
  readonly service?: string;
  readonly port: number;
  /** An external Toxiproxy's host (see src/real/external.ts); default 127.0.0.1. */
  readonly host?: string;
}

/** Everything a client process is built from. */
export interface ClientInit {
  readonly type: 'init';
  readonly client: string;
  /** 0 for the first process of this client, +1 after each crash-restart. */
  readonly incarnation: number;
  /** A catalog name or an absolute path to a scenario module (its default export). */
  readonly scenarioRef: string;
  readonly variant: string;
  readonly seed: number;
  /** The client's workload, start time included (as the simulated runner computes it). */
  readonly workload: WorkloadOptions;
  /** The variant's nodes, in the order the lock gets them. */
  readonly nodes: readonly NodeEndpoint[];
  /** The protected resource's TCP port on 127.0.0.1. */
  readonly resourcePort: number;
  /** The client's clock skew: wall offset and rate (1 + drift ppm / 1e6). */
  readonly clock: { readonly offsetMs: number; readonly rate: number };
  /** ioredis `commandTimeout`, ms. */
  readonly commandTimeoutMs?: number;
  /** When the run is already going (a restart), its true-time origin: start as soon as ready. */
  readonly originNs?: string;
}

/** Runner → client. */
export type RunnerMessage =
  | ClientInit
  /** Start the workload; true time counts from `originNs` (CLOCK_MONOTONIC, decimal ns). */
  | { readonly type: 'start'; readonly originNs: string }
  /** Change the client's clock: a new rate (drift) or a wall-clock step. */
  | { readonly type: 'clock'; readonly rate?: number; readonly jumpMs?: number }
  /** The run is over: report the final counts. */
  | { readonly type: 'stop' };

/** A history event as a client records it; the runner numbers it. */
export type ClientEvent = Omit<HistoryEvent, 'index'>;

/**
 * A write to the protected resource where a service keeps it (a counter in a blob), as the client
 * saw its answer: `at` is the true time the answer came. The value before it is the runner's to
 * work out (the service applies writes one at a time, in the order they are answered).
 */
export type ClientWrite = Omit<ResourceWrite, 'before'>;

/** Client → runner. */
export type ClientMessage =
  | { readonly type: 'ready'; readonly lockName: string }
  | { readonly type: 'event'; readonly event: ClientEvent }
  | { readonly type: 'write'; readonly write: ClientWrite }
  | { readonly type: 'stats'; readonly commands: number }
  | { readonly type: 'error'; readonly at: number; readonly message: string }
  | { readonly type: 'stopped'; readonly commands: number };

export function isClientMessage(value: unknown): value is ClientMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'event' || type === 'write' || type === 'stats' || type === 'error' || type === 'stopped';
}

export function isRunnerMessage(value: unknown): value is RunnerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'init' || type === 'start' || type === 'clock' || type === 'stop';
}
