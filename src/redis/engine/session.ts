/**
 * Per-connection state, as Redis keeps it per client: the selected database, the MULTI queue
 * and the WATCHed keys.
 */
import type { CommandSpec } from './command-table.ts';

export interface SessionOptions {
  /**
   * The session applies a replication stream (it is a replica's link to its primary) or an AOF
   * being loaded: it sees logically expired keys as present and never expires anything, as
   * Redis does for its master client and while loading. Use it to replay `onPropagate` output.
   */
  applyingStream?: boolean;
}

/** What WATCH remembers about one key (Redis's `watchedKey`). */
export interface WatchedKey {
  readonly session: Session;
  /** The database the key was watched in. */
  readonly db: number;
  readonly key: string;
  /** The key was logically expired (present but past its expiry) when WATCH ran. */
  expired: boolean;
}

export interface QueuedCommand {
  readonly spec: CommandSpec;
  readonly args: readonly string[];
}

export class Session {
  /** Numbered per engine, from 1, in creation order. */
  readonly id: number;
  readonly applyingStream: boolean;
  /** The selected database (SELECT), 0 to 15. */
  db = 0;
  /** Commands queued since MULTI; null outside MULTI. */
  multi: QueuedCommand[] | null = null;
  /** A command failed to queue (unknown, wrong arity): EXEC will answer EXECABORT. */
  multiError = false;
  /** A watched key was modified: EXEC will answer a nil array. */
  dirtyCas = false;
  /** Watched keys in WATCH order. */
  readonly watched: WatchedKey[] = [];

  constructor(id: number, options: SessionOptions = {}) {
    this.id = id;
    this.applyingStream = options.applyingStream ?? false;
  }

  get inMulti(): boolean {
    return this.multi !== null;
  }
}
