/**
 * What PostgreSQL advisory locks share (advisory-session.ts, advisory-transaction.ts): the lock
 * key of a resource, the options, the pool connections are taken from, the connection a holder
 * keeps (and the abort signal it fires when that connection dies), and the fencing token drawn
 * from a sequence. Like every file in src/locks/, it sees the world only through interface.ts:
 * node-postgres in simulation and in real mode alike.
 */
import type { Clock, DatabaseLike, Lease, LockContext, Random, SqlPoolClientLike, SqlPoolConfig, SqlPoolLike } from './interface.ts';
import { checkInteger, checkNodeIndex, checkNumber } from './common.ts';

/**
 * The advisory lock key of a resource: FNV-1a over its UTF-16 code units, as a signed 64-bit
 * integer (pg_advisory_lock's bigint), in decimal. The same resource gives the same key in every
 * process and in both worlds.
 */
export function advisoryKey(resource: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < resource.length; i++) {
    hash ^= BigInt(resource.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, hash).toString();
}

/** Options both advisory locks take. Every field is optional; defaults in {@link ADVISORY_DEFAULTS}. */
export interface AdvisoryOptions {
  /** Index of the database (in `context.databases`). Default 0. */
  database?: number;
  /**
   * Wait for the lock (`pg_advisory_lock`, `pg_advisory_xact_lock`: first come, first served,
   * for as long as it takes, or until the pool's `lock_timeout`) instead of trying
   * (`pg_try_…`: refused at once when another session holds it). Default false.
   */
  wait?: boolean;
  /** How many more attempts after a refused or failed one. Default 3. */
  retryCount?: number;
  /** Fixed part of the pause between attempts, ms. Default 200. */
  retryDelayMs?: number;
  /** Random part of the pause between attempts: uniform in [0, retryJitterMs) ms. Default 200. */
  retryJitterMs?: number;
  /** Draw a fencing token from a sequence (`nextval`) once the lock is held: `lease.fencingToken`. Default false. */
  fencing?: boolean;
  /** The sequence tokens come from (created if missing). Default `locksim_fencing`. */
  sequence?: string;
  /**
   * node-postgres pool settings of the lock's own pool (pg-pool's defaults: `max` 10,
   * `idleTimeoutMillis` 10 000) and the sessions' settings (`lock_timeout`, `statement_timeout`,
   * `idle_in_transaction_session_timeout`, `query_timeout`).
   */
  pool?: SqlPoolConfig;
}

export const ADVISORY_DEFAULTS = Object.freeze({
  database: 0,
  wait: false,
  retryCount: 3,
  retryDelayMs: 200,
  retryJitterMs: 200,
  fencing: false,
  sequence: 'locksim_fencing',
  pool: Object.freeze({}) as SqlPoolConfig,
});

export type ResolvedAdvisoryOptions = Readonly<Required<AdvisoryOptions>>;

export function resolveAdvisoryOptions(options: AdvisoryOptions, context: LockContext): ResolvedAdvisoryOptions {
  const merged: Required<AdvisoryOptions> = { ...ADVISORY_DEFAULTS };
  for (const key of Object.keys(options) as Array<keyof AdvisoryOptions>) {
    if (options[key] !== undefined) (merged as Record<string, unknown>)[key] = options[key];
  }
  checkNodeIndex('database', merged.database, context.databases?.length ?? 0);
  checkInteger('retryCount', merged.retryCount, 0);
  checkNumber('retryDelayMs', merged.retryDelayMs, 0);
  checkNumber('retryJitterMs', merged.retryJitterMs, 0);
  if (!/^[a-z_][a-z0-9_]*$/.test(merged.sequence)) throw new RangeError(`sequence must be an unquoted lower-case SQL name (letters, digits, _), got ${JSON.stringify(merged.sequence)}`);
  return Object.freeze(merged);
}

/** `base(wait,fencing,…)`: the options that differ from the defaults, for reports. */
export function advisoryName(base: string, options: ResolvedAdvisoryOptions, extra: readonly string[] = []): string {
  const parts: string[] = [];
  if (options.wait) parts.push('wait');
  if (options.fencing) parts.push('fencing');
  parts.push(...extra);
  for (const [key, value] of Object.entries(options.pool)) parts.push(`${key}=${String(value)}`);
  if (options.retryCount !== ADVISORY_DEFAULTS.retryCount) parts.push(`retryCount=${options.retryCount}`);
  return parts.length === 0 ? base : `${base}(${parts.join(',')})`;
}

/** The database of the options, or a clear error when the world gave the lock none. */
export function databaseOf(context: LockContext, options: ResolvedAdvisoryOptions): DatabaseLike {
  const database = context.databases?.[options.database];
  if (database === undefined) throw new RangeError(`this lock needs a database node: give the variant a PostgreSQL node (world.nodes: [{ name: 'postgres-1', service: 'postgres' }])`);
  return database;
}

/** The lock's pool; an idle client's error is expected (its server ended the session) and only noted. */
export function lockPool(database: DatabaseLike, options: ResolvedAdvisoryOptions): SqlPoolLike {
  const pool = database.pool(options.pool);
  pool.on('error', () => {});
  return pool;
}

/**
 * The attempts both advisory locks make: a connection from the pool (none: the server is down or
 * unreachable, try again), the fencing sequence made sure of, `take` (true: the lock is held;
 * false: busy, and `take` left the connection clean), the token, and the held lock (its value
 * names the session: {@link sessionLockValue}). A connection
 * that fails while the lock is being taken is closed, not kept: its session may hold the lock (a
 * nextval that failed after it was granted), or its transaction is gone. Null after the last attempt.
 */
export async function acquireAdvisory(
  resource: string,
  lock: { readonly pool: SqlPoolLike; readonly databaseName: string; readonly clock: Clock; readonly random: Random; readonly options: ResolvedAdvisoryOptions },
  take: (client: SqlPoolClientLike, key: string) => Promise<boolean>,
): Promise<HeldLock | null> {
  const key = advisoryKey(resource);
  const { retryCount, fencing, sequence } = lock.options;
  for (let attempt = 0; attempt <= retryCount; attempt++) {
    if (attempt > 0) await backoff(lock.clock, lock.random, lock.options);
    let client;
    try {
      client = await lock.pool.connect();
    } catch {
      continue;
    }
    // A connection that dies while the lock is being taken must not crash the process.
    const onError = (): void => {};
    client.on('error', onError);
    try {
      if (fencing) await ensureSequence(lock.pool, client, sequence);
      if (!(await take(client, key))) {
        client.removeListener('error', onError);
        client.release();
        continue;
      }
      const token = fencing ? await drawToken(client, sequence) : undefined;
      client.removeListener('error', onError);
      // The draw stays although a session's pid names the lease: the random stream, and every
      // run built on it (the catalog's trace hashes), stay as they were.
      const drawn = lock.random.hex(8);
      const pid = (client as { readonly processID?: unknown }).processID;
      return new HeldLock(resource, typeof pid === 'number' ? sessionLockValue(lock.databaseName, pid) : drawn, key, client, token);
    } catch (error) {
      client.removeListener('error', onError);
      client.release(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return null;
}

/**
 * The value a lease on a database lock carries: the holding session, as the server knows it
 * (`pid-1003@postgres-1`: PostgreSQL's backend pid, node-postgres's `client.processID`;
 * `spid-52@sqlserver-1`: SQL Server's @@SPID). The server's node reports the lock's holder by
 * the same value, so the report tells which client held it on the server, and until when.
 */
export function sessionLockValue(database: string, session: number, kind: 'pid' | 'spid' = 'pid'): string {
  return `${kind}-${session}@${database}`;
}

/** The pause before another attempt. */
export function backoff(clock: Clock, random: Random, options: ResolvedAdvisoryOptions): Promise<void> {
  return clock.sleep(options.retryDelayMs + (options.retryJitterMs > 0 ? random.next() * options.retryJitterMs : 0));
}

/**
 * A lease on a database lock: the holder believes it holds the lock for as long as its session
 * lives, which it cannot see; so there is no expiry to believe in (`validUntil` is the largest
 * safe integer). Its `signal` fires when the holder's connection reports an error: the only
 * way the holder learns its session ended, and only once it sends or receives something.
 */
export class HeldLock implements Lease {
  readonly validUntil = Number.MAX_SAFE_INTEGER;
  readonly timeSource = 'monotonic' as const;
  private readonly controller = new AbortController();
  private readonly onError = (error: Error): void => {
    if (!this.controller.signal.aborted) this.controller.abort(new Error(`the database connection failed: ${error.message}`));
  };

  constructor(
    readonly resource: string,
    readonly value: string,
    readonly key: string,
    readonly client: SqlPoolClientLike,
    readonly fencingToken: number | undefined,
  ) {
    client.on('error', this.onError);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Gives the connection back to the pool (closing it after `error`); the lease's signal no longer listens. */
  giveBack(error?: Error): void {
    this.client.removeListener('error', this.onError);
    this.client.release(error);
  }
}

/** The sequences this pool created already (CREATE SEQUENCE IF NOT EXISTS once per pool). */
const created = new WeakMap<SqlPoolLike, Set<string>>();

/** Creates the sequence unless this pool did: outside a transaction block (CREATE SEQUENCE is transactional). */
export async function ensureSequence(pool: SqlPoolLike, client: SqlPoolClientLike, sequence: string): Promise<void> {
  const done = created.get(pool) ?? new Set<string>();
  created.set(pool, done);
  if (done.has(sequence)) return;
  try {
    await client.query(`CREATE SEQUENCE IF NOT EXISTS ${sequence}`);
  } catch (error) {
    // Two sessions creating it at once: one of them is told it exists (23505 or 42P07); it does.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw error;
  }
  done.add(sequence);
}

/** `nextval` of the sequence on the holder's connection: a token higher than any handed out before. */
export async function drawToken(client: SqlPoolClientLike, sequence: string): Promise<number> {
  const result = await client.query('SELECT nextval($1) AS token', [sequence]);
  const token = Number(result.rows[0]?.token);
  if (!Number.isSafeInteger(token)) throw new Error(`nextval('${sequence}') gave ${String(result.rows[0]?.token)}, not a token`);
  return token;
}
