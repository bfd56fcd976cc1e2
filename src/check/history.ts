import type { Micros } from '../sim/time.ts';
import type { TimeSource } from '../locks/interface.ts';

/**
 * The history of a run, as Jepsen keeps one: every operation's invocation and completion with
 * the true time and the client's own clock readings, plus what the resource applied and the
 * faults the nemesis applied. Plain data: it serialises to JSON, and the checkers read only it,
 * so a stored history can be judged again later.
 */

/** What a client did. */
export type OperationKind = 'acquire' | 'release' | 'extend' | 'read' | 'write' | 'abandon' | 'crash' | 'lost';

/** `invoke` starts an operation; `ok`/`fail` complete it; `info` is a one-off fact (a crash, an abandon). */
export type Phase = 'invoke' | 'ok' | 'fail' | 'info';

/** The lease a client believed it held, as recorded. */
export interface LeaseView {
  readonly value: string;
  readonly validUntil: number;
  readonly timeSource: TimeSource;
  readonly fencingToken?: number;
}

export interface HistoryEvent {
  readonly index: number;
  readonly process: string;
  readonly kind: OperationKind;
  readonly phase: Phase;
  /** True time, µs. */
  readonly at: Micros;
  /** The client's wall clock then, ms since the epoch. */
  readonly wallMs: number;
  /** The client's monotonic clock then, ms. */
  readonly monoMs: number;
  readonly resource?: string;
  readonly lease?: LeaseView;
  /** The value read, or the value a write wrote. */
  readonly value?: number;
  /** For writes: the value the client had read before (what it incremented). */
  readonly readValue?: number;
  readonly token?: number;
  readonly accepted?: boolean;
  /** Why it failed, was abandoned, or was refused. */
  readonly reason?: string;
}

/** A write as the protected resource applied (or refused) it, in true time. */
export interface ResourceWrite {
  readonly at: Micros;
  readonly process: string;
  readonly value: number;
  readonly readValue: number;
  readonly token?: number;
  /** The value of the lease the write was made under, as the client sent it (older histories lack it). */
  readonly lease?: string;
  readonly accepted: boolean;
  /** The resource's value just before this write. */
  readonly before: number;
  readonly reason?: string;
}

/** A fault as applied, and what it did. */
export interface FaultRecord {
  readonly at: Micros;
  /** A readable one-liner, e.g. `pause client-1 for 15000ms`. */
  readonly description: string;
  readonly kind: string;
  /** When its effect ended (heal, resume, restart), if it did. */
  endedAt?: Micros;
  /** Whether it did anything observable, and what. */
  fired: boolean;
  effect: string;
}

/** A lock key's life on one node, in true time: when it held which client's value. */
export interface KeyLifetime {
  readonly node: string;
  readonly key: string;
  /** The client whose value the key held, if known. */
  readonly holder?: string;
  /** True time the key took this value, µs. */
  readonly from: Micros;
  /** True time it went away (expired, deleted, lost in a crash, overwritten), µs; null if it outlived the run. */
  readonly to: Micros | null;
  readonly endedBy?: 'expired' | 'deleted' | 'crash' | 'overwritten';
}

/**
 * The command a database node records when a session ends outside any request: the server ended
 * it (a timeout, keepalive, a kill) or the client's pool closed the connection (`from` says which).
 * Nobody asked for the lock then: it is never a renewal.
 */
export const SESSION_END = 'SESSION-END';

/**
 * A command that touched the lock key on a node, with the key's value before and after it, in
 * true time (simulation only): which SET NX won or lost, which PEXPIRE extended or missed, which
 * DEL or script deleted whose key. What each did is read from these (check/key-commands.ts).
 */
export interface KeyCommand {
  readonly at: Micros;
  readonly node: string;
  readonly key: string;
  /** Who sent it: a client, or the primary whose replication stream carried it. */
  readonly from: string;
  /**
   * The command's name and options, without key or value: `SET NX PX 10000`, `PEXPIRE 10000`,
   * `DEL`, `EVALSHA`; {@link SESSION_END} when a database ended the session of `from` itself.
   */
  readonly command: string;
  /** The reply, short: `OK`, `nil`, `1`, `0`, the error's text. */
  readonly reply: string;
  /** The key's value just before (null: absent, expired included) and when that value was due to expire, true time µs. */
  readonly before: string | null;
  readonly beforeExpiresAt: Micros | null;
  /** The key's value just after, and when it is due to expire, true time µs. */
  readonly after: string | null;
  readonly afterExpiresAt: Micros | null;
}

/**
 * What a node's lock is, in words: a Redis key, a database's session lock, a blob's lease. The
 * history calls every one of them a key (KeyLifetime, KeyCommand); reports say what it is.
 */
export type LockWord = 'key' | 'lock' | 'lease';

export interface History {
  readonly events: HistoryEvent[];
  /** The lock key's lifetime on every node (simulation only). */
  readonly keys: KeyLifetime[];
  /** Every command that touched the lock key, on every node, in true-time order (simulation only; absent in older histories). */
  commands?: KeyCommand[];
  /** The nodes the lock talks to (its quorum is a majority of them). */
  lockNodes?: readonly string[];
  /** What each lock node's lock is called, for those whose lock is not a key (absent: every lock is a key). */
  lockWords?: Readonly<Record<string, LockWord>>;
  readonly writes: ResourceWrite[];
  readonly faults: FaultRecord[];
  /** True time the run ended, µs. */
  endedAt: Micros;
  /** True time the last fault healed (start of the liveness phase), µs; null without faults. */
  healedAt: Micros | null;
  /** Set when the run kept only a window of its history: how many items it left out. */
  dropped?: HistoryDropped;
}

/** How much a windowed history left out (the checkers saw everything; see RunOptions.historyWindow). */
export function droppedText(dropped: HistoryDropped): string {
  const commands = dropped.commands === undefined ? '' : `; ${dropped.commands} commands on the lock key not kept either`;
  return `history windowed: ${dropped.events} events, ${dropped.writes} writes and ${dropped.keys} key lifetimes not kept (the checkers saw them all)${commands}`;
}


export interface HistoryDropped {
  readonly events: number;
  readonly writes: number;
  readonly keys: number;
  /** Commands on the lock key (when the run recorded them). */
  readonly commands?: number;
}

/** What `node`'s lock is called in `history`: `key` unless the history says otherwise. */
export function lockWordOf(history: Pick<History, 'lockWords'>, node: string): LockWord {
  return history.lockWords?.[node] ?? 'key';
}

/** What a run's lock is called: its lock nodes' word when they all have one, else `lock` (`key` for a history that says nothing). */
export function runLockWord(history: Pick<History, 'lockWords' | 'lockNodes'>): LockWord {
  if (history.lockWords === undefined) return 'key';
  const words = new Set((history.lockNodes ?? Object.keys(history.lockWords)).map((node) => lockWordOf(history, node)));
  return words.size === 1 ? ([...words][0] as LockWord) : 'lock';
}

export function emptyHistory(): History {
  return { events: [], keys: [], writes: [], faults: [], endedAt: 0, healedAt: null };
}
