import type { FaultRecord } from '../check/history.ts';
import type { DelayModel, LinkMode } from '../sim/network.ts';
import type { RecordOptions } from './record.ts';

/**
 * What a fault kind's real effect is given (src/real/nemesis.ts makes one per fault): the real
 * processes of the run and the routes between them, in the nemesis's words, and the fault's
 * record and clock. Kinds are written against this and not against src/real, so the table of
 * kinds stays below real mode; real mode provides it.
 */
export interface RealFaultContext {
  /** Unique to this fault in the run (it names the fault's toxics). */
  readonly tag: string;
  readonly nodes: ReadonlyMap<string, RealNode>;
  readonly clients: ReadonlyMap<string, RealClient>;
  readonly resource: RealResource;
  readonly network: RealNetwork;
  /** Each process's clock rate before its first drift fault: what the end of a drift, or a heal, restores. */
  readonly baseRates: Map<string, number>;
  /** Records the fault as taken effect now; `measure` says what it did once its effect has ended. */
  begin(measure: () => string | null, options?: RecordOptions): FaultRecord;
  /** Runs `action` at true time `ms` (queued behind the actions before it: they never interleave). */
  at(ms: number, action: () => Promise<void> | void): void;
  /** At the fault's time plus `durationMs` (none: never), runs `heal` and closes the record. */
  endAfter(record: FaultRecord, durationMs: number | undefined, heal: () => Promise<void> | void): void;
  /** Closes a record now (its effect ended). */
  ended(record: FaultRecord): void;
  /** The fault acted at an instant (a jump, a failover): the liveness phase counts from now. */
  instant(): void;
  /** Closes every record still open (a heal). */
  endOpen(): void;
  /** A client process was killed: its history records the crash (its critical section ends). */
  clientCrashed(client: string): void;
  /** Whether the run is over (no more faults or heals). */
  over(): boolean;
  /** Waits for `work`, but only a moment (tens of ms): the faults that follow do not wait for a slow restart. */
  briefly(work: Promise<unknown>): Promise<void>;
}

/** A clock real mode can move: the clock shim's of a redis-server. */
export interface RealClock {
  rate(): number;
  setRate(rate: number): void;
  jump(deltaMs: number): void;
}

/** A server process real mode started (a redis-server under the clock shim). */
export interface RealServerProcess {
  readonly state: 'running' | 'paused' | 'stopped';
  /** What survives a crash (`none`, `aof-everysec`, `aof-always`). */
  readonly persistence: string;
  /** Its wall clock, when it runs under the clock shim. */
  readonly clock: RealClock | undefined;
  /** SIGSTOP. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGKILL: gone at once; resolves once it is reaped. */
  kill(): Promise<unknown>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
}

/** One node of the run. */
export interface RealNode {
  readonly name: string;
  /** Its process, when real mode started it; undefined for a node somebody else runs (no process or clock faults). */
  readonly process: RealServerProcess | undefined;
  /** The node it replicates, when it is a replica. */
  readonly primary: string | undefined;
  /** How many keys it holds, over a direct connection; null when it does not answer. */
  keys(): Promise<number | null>;
  /** Makes a replica a primary. */
  promote(): Promise<void>;
}

export type RealClientState = 'starting' | 'running' | 'paused' | 'crashed';

/** One client of the run (a child process, replaced by a new one after a crash and restart). */
export interface RealClient {
  readonly name: string;
  readonly state: RealClientState;
  /** The rate its clock runs at now. */
  readonly rate: number;
  /** SIGSTOP; false if it was not running. */
  pause(): boolean;
  /** SIGCONT; false if it was not paused. */
  resume(): boolean;
  /** SIGKILL (the process stops at once); false if it was not alive. */
  crash(): boolean;
  /** Starts a new process for it; resolves once that process runs (ms it took), or null if the run ended first. */
  restart(): Promise<number | null>;
  setRate(rate: number): void;
  jump(deltaMs: number): void;
}

/** What one direction of a link to the resource did (as the simulated network counts). */
export interface RealLinkStats {
  readonly sent: number;
  readonly dropped: number;
  readonly held: number;
  readonly delayed: number;
}

/** One direction between a client and the resource: the runner's own link, message by message. */
export interface RealMessageLink {
  readonly stats: RealLinkStats;
  delay: DelayModel | null;
  lossProbability: number;
  setMode(mode: LinkMode): void;
  /** Back to a plain link (held messages are delivered). */
  heal(): void;
}

/** The protected resource (a TCP server in the runner). */
export interface RealResource {
  readonly state: 'running' | 'paused' | 'crashed';
  /** Requests wait until resume; false if it was not running. */
  pause(): boolean;
  /** Returns how many requests had waited. */
  resume(): number;
  /** Requests vanish; false if it was down already. */
  crash(): boolean;
  /** Starts again from 0. */
  restart(): boolean;
  /** Every link a fault changed. */
  faultyLinks(): RealMessageLink[];
}

/** Where messages from one process to another travel in real mode. */
export type RealRoute =
  /** Through a Toxiproxy proxy: one direction (`upstream`: requests, `downstream`: replies) of a client's (or a replica's) link to a node. */
  | { readonly kind: 'proxy'; readonly key: string; readonly proxy: string; readonly stream: 'upstream' | 'downstream'; readonly client: string; readonly node: string }
  /** Over the runner's own link to the resource. */
  | { readonly kind: 'resource'; readonly key: string; readonly link: RealMessageLink }
  /** Nowhere: no traffic flows there in real mode (client to client, nodes that do not replicate). */
  | { readonly kind: 'none'; readonly key: string };

/** The links of the run, in the nemesis's words (through the one Toxiproxy client). */
export interface RealNetwork {
  route(from: string, to: string): RealRoute;
  /** Cuts one direction of a proxy (`drop`: a black hole; `hold`: held until healed); resolves with what that became, for the record. */
  cut(proxy: string, stream: 'upstream' | 'downstream', mode: 'drop' | 'hold', name: string): Promise<string>;
  /** Delays one direction of a proxy; resolves with what that became, for the record. */
  delay(proxy: string, stream: 'upstream' | 'downstream', delay: DelayModel, name: string): Promise<string>;
  /** Heals what `name` did on `proxy`. */
  heal(proxy: string, name: string): Promise<void>;
  /** Heals every proxy of the run (the world's own delay stays); returns how many fault effects it ended. */
  healAll(): Promise<number>;
  /** Every client link to node `primary` now leads to node `to` (clients reconnect); returns how many. */
  redirect(primary: string, to: string): Promise<number>;
}
