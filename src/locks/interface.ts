/**
 * What a lock algorithm may see of the world: a Redis-like client per Redis node, a database
 * per database node (node-postgres's `Client` and `Pool`), a blob container per blob node
 * (@azure/storage-blob's `ContainerClient`), a clock and a random source. Nothing else. The
 * simulator hands it simulated ones; real mode hands it ioredis clients, node-postgres, the Azure
 * SDK and the process's own clock. This file imports nothing, on purpose.
 */

/**
 * The subset of ioredis an algorithm needs. An ioredis `Redis` instance satisfies it as it is
 * (`redis.call('SET', key, value, 'PX', 1000, 'NX')`), and so does locksim's simulated client.
 * Replies come as ioredis gives them: status and bulk replies as strings, integers as numbers,
 * nil as null, arrays as arrays; error replies reject with an Error whose message is Redis's.
 */
export interface RedisLike {
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
}

/** A cancel function returned by {@link Clock.setTimer}. */
export type CancelTimer = () => void;

/**
 * A process's clock. In simulation it drifts and jumps as the scenario says; in real mode it is
 * the machine's clock, possibly skewed on purpose.
 */
export interface Clock {
  /** Wall-clock time in milliseconds since the epoch, like `Date.now()`: drifts and can jump. */
  now(): number;
  /** Monotonic time in milliseconds, like `performance.now()`: drifts, never jumps. */
  monotonic(): number;
  /** Resolves after `ms` milliseconds of this clock's monotonic time. */
  sleep(ms: number): Promise<void>;
  /** Calls `callback` after `ms` milliseconds of monotonic time; returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): CancelTimer;
}

/** A seeded random source (in simulation each process has its own stream). */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max). */
  int(min: number, max: number): number;
  /** `bytes` random bytes as lower-case hex (a lock token, say). */
  hex(bytes: number): string;
}

/** Which of the clock's two times an algorithm measures elapsed time and validity with. */
export type TimeSource = 'monotonic' | 'wall';

/** What a client holds after a successful acquire. */
export interface Lease {
  /** The resource (Redis key) the lease is on. */
  readonly resource: string;
  /** The unique value stored under the key; only its holder may release or extend it. */
  readonly value: string;
  /**
   * Until when the holder believes the lease is valid, in milliseconds on the client's own
   * clock (the clock and time source the algorithm was configured with: see `timeSource`).
   */
  readonly validUntil: number;
  /** The time source `validUntil` is measured on. */
  readonly timeSource: TimeSource;
  /** A fencing token, when the algorithm obtains one (monotonically increasing per resource). */
  readonly fencingToken?: number;
  /**
   * Fires when the holder learns the lease is lost (a renewal failed, or validity passed before
   * a renewal succeeded). Present for algorithms that renew in the background.
   */
  readonly signal?: AbortSignal;
}

/** A query's result as node-postgres gives it: rows as objects by column name, and the row count. */
export interface SqlResult {
  readonly rows: Array<Record<string, unknown>>;
  readonly rowCount: number | null;
  /** The command tag's verb: `SELECT`, `BEGIN`, `COMMIT`, `ROLLBACK`, … */
  readonly command: string;
}

/**
 * The subset of node-postgres's `Client` an algorithm needs. A `pg.Client` satisfies it as it is,
 * and so does locksim's simulated one (src/services/postgres/pg-client.ts). A query error rejects
 * with an Error carrying PostgreSQL's SQLSTATE in `code`; a dead connection emits `error` (with
 * no listener, that error crashes the process, as in Node).
 */
export interface SqlClientLike {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<SqlResult>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** A client checked out of a pool: a {@link SqlClientLike} that goes back with `release` (`release(error)` or `release(true)` closes it instead). */
export interface SqlPoolClientLike extends Omit<SqlClientLike, 'connect' | 'end'> {
  release(error?: Error | boolean): void;
}

/** The subset of node-postgres's `Pool` an algorithm needs. */
export interface SqlPoolLike {
  connect(): Promise<SqlPoolClientLike>;
  query(text: string, values?: unknown[]): Promise<SqlResult>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * node-postgres's connection settings an algorithm may choose (pg's names and meaning; the
 * address and credentials are the database's own). `statement_timeout`, `lock_timeout` and
 * `idle_in_transaction_session_timeout` are sent to the server for the session; `query_timeout`
 * and `connectionTimeoutMillis` act in the client.
 */
export interface SqlClientConfig {
  readonly statement_timeout?: number;
  readonly lock_timeout?: number;
  readonly idle_in_transaction_session_timeout?: number;
  readonly query_timeout?: number;
  readonly connectionTimeoutMillis?: number;
  readonly application_name?: string;
}

/** node-postgres's pool settings (pg-pool's names and defaults: `max` 10, `idleTimeoutMillis` 10 000, 0 keeps idle clients forever). */
export interface SqlPoolConfig extends SqlClientConfig {
  readonly max?: number;
  readonly idleTimeoutMillis?: number;
}

/** A database server an algorithm may connect to: node-postgres's `Client` and `Pool`, pointed at it. */
export interface DatabaseLike {
  /** The node's name, for messages. */
  readonly name: string;
  /** A new, not yet connected `Client` to this database. */
  client(config?: SqlClientConfig): SqlClientLike;
  /** A new `Pool` of connections to this database. */
  pool(config?: SqlPoolConfig): SqlPoolLike;
}

/**
 * The access conditions of a blob request (@azure/storage-blob's `BlobRequestConditions`, the
 * part a lock uses): the lease the blob must have (`x-ms-lease-id`), the ETag it must have
 * (`If-Match`; `*` any) or must not have (`If-None-Match`; `*` only if there is no blob).
 */
export interface BlobConditionsLike {
  readonly leaseId?: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
}

/** The subset of @azure/storage-blob's `BlobLeaseClient` a lock needs; a refusal rejects with the SDK's `RestError`. */
export interface BlobLeaseClientLike {
  readonly leaseId: string;
  acquireLease(duration: number): Promise<unknown>;
  renewLease(): Promise<unknown>;
  releaseLease(): Promise<unknown>;
  /** Breaks whoever's lease is on the blob; the lease stays locked for `breakPeriod` seconds at most. */
  breakLease(breakPeriod: number): Promise<unknown>;
}

/** The subset of @azure/storage-blob's `BlockBlobClient` a lock needs. */
export interface BlockBlobLike {
  upload(body: string, contentLength: number, options?: { abortSignal?: AbortSignal; conditions?: BlobConditionsLike }): Promise<{ etag?: string }>;
  getProperties(options?: { abortSignal?: AbortSignal; conditions?: { leaseId?: string } }): Promise<{ etag?: string }>;
  downloadToBuffer(offset?: number, count?: number, options?: { abortSignal?: AbortSignal; conditions?: { leaseId?: string } }): Promise<Buffer>;
  getBlobLeaseClient(proposeLeaseId?: string): BlobLeaseClientLike;
}

/**
 * A blob container an algorithm may use: @azure/storage-blob's `ContainerClient` satisfies it as
 * it is, and so does locksim's simulated one (src/services/blob/client/).
 */
export interface BlobContainerLike {
  getBlockBlobClient(blobName: string): BlockBlobLike;
}

/**
 * The world an algorithm instance is built for: one client per Redis node, the database nodes,
 * the blob containers, a clock, a random source.
 */
export interface LockContext {
  /** One Redis client per Redis node the lock uses (empty when it uses none). */
  readonly nodes: readonly RedisLike[];
  readonly clock: Clock;
  readonly random: Random;
  /** The database nodes the lock uses (absent or empty when it uses none). */
  readonly databases?: readonly DatabaseLike[];
  /** One container per blob node the lock uses (absent or empty when it uses none). */
  readonly containers?: readonly BlobContainerLike[];
  /** The SQL Server nodes the lock uses, each with the mssql module to reach it (absent or empty when it uses none). */
  readonly sqlServers?: readonly import('./mssql-like.ts').SqlServerLike[];
}

/**
 * A distributed lock algorithm. Users plug their own in by implementing this interface; the
 * same object then runs in simulation and against real Redis.
 */
export interface LockAlgorithm {
  /** A short name for reports, e.g. `redlock` or `redlock(release=del)`. */
  readonly name: string;
  /** Tries to acquire `resource` for `ttlMs`; resolves to a lease, or null if it gave up. */
  acquire(resource: string, ttlMs: number): Promise<Lease | null>;
  /** Releases the lease (best effort: a lost lease is not an error). */
  release(lease: Lease): Promise<void>;
  /** Extends the lease by `ttlMs`; resolves to the new lease, or null if it could not. */
  extend?(lease: Lease, ttlMs: number): Promise<Lease | null>;
}

/** Builds an algorithm instance for one client. */
export type LockFactory = (context: LockContext) => LockAlgorithm;
