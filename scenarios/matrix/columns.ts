/**
 * The verdict matrix's columns: one mechanism each, with the same variant name in every row
 * (scenarios/matrix/*.ts). Adding a mechanism is one line here; the compiler then names every row
 * that still needs the new cell's expected verdict and note (a row's `cells` is keyed by
 * {@link ColumnName}).
 */
import type { Mechanism } from '../../src/check/mechanism.ts';
import type { LockFactory } from '../../src/locks/interface.ts';
import { fencing, pgAdvisoryLock, redlock, singleInstance, sqlServerAppLock } from '../../src/locks/index.ts';
import type { Property, Verdict } from '../../src/scenario/types.ts';
import { blobLeaseLock } from '../../src/services/blob/locks/index.ts';
import type { BlobVariantOptions } from '../../src/services/blob/variant-options.ts';
import { RESOURCE_PROCESS, type ResourceMode } from '../../src/workload/resource.ts';

/** The Redis nodes Redlock locks a majority of. */
export const REDLOCK_NODES = ['redis-1', 'redis-2', 'redis-3'] as const;

/** The counter's own blob for the ETag column: data lives beside the lease, not on it. */
export const DATA_BLOB = 'lock:counter.data';

export interface MatrixColumn {
  /** The variant's name in every row. */
  readonly name: string;
  readonly lock: LockFactory;
  /** The nodes the lock talks to; the first is "the lock node", the one a node fault hits. */
  readonly nodes: readonly [string, ...string[]];
  /** Where the protected counter lives: the resource process, or a blob node. A delayed write is delayed on its way there. */
  readonly dataAt: string;
  readonly resource?: ResourceMode;
  readonly properties?: readonly Property[];
  readonly blobOptions?: BlobVariantOptions;
  /** One line for docs and --help: what the column is. */
  readonly summary: string;
}

export const MATRIX_COLUMNS = [
  { name: 'redis', lock: singleInstance(), nodes: ['redis-1'], dataAt: RESOURCE_PROCESS, summary: 'one Redis node, SET NX PX and a compare-and-delete release' },
  { name: 'redis+fencing', lock: fencing(singleInstance()), nodes: ['redis-1'], dataAt: RESOURCE_PROCESS, resource: 'fenced', summary: 'the same, with an INCR token on redis-1 that the resource checks' },
  { name: 'redlock', lock: redlock(), nodes: REDLOCK_NODES, dataAt: RESOURCE_PROCESS, summary: 'Redlock on three independent Redis nodes (a majority of two)' },
  { name: 'pg-session', lock: pgAdvisoryLock({ wait: true }), nodes: ['postgres-1'], dataAt: RESOURCE_PROCESS, summary: 'PostgreSQL pg_advisory_lock on a pooled session, waiting for the lock' },
  { name: 'pg-session+fencing', lock: pgAdvisoryLock({ wait: true, fencing: true }), nodes: ['postgres-1'], dataAt: RESOURCE_PROCESS, resource: 'fenced', summary: 'the same, with a nextval token that the resource checks' },
  {
    name: 'sqlserver',
    lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1, requestTimeoutMs: 60_000 }),
    nodes: ['sqlserver-1'],
    dataAt: RESOURCE_PROCESS,
    summary: "SQL Server sp_getapplock owned by the session (mssql's pool of one connection), waiting for the lock",
  },
  {
    name: 'sqlserver+fencing',
    lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1, requestTimeoutMs: 60_000, fencing: true }),
    nodes: ['sqlserver-1'],
    dataAt: RESOURCE_PROCESS,
    resource: 'fenced',
    summary: 'the same, with a NEXT VALUE FOR token that the resource checks',
  },
  { name: 'blob-lease', lock: blobLeaseLock(), nodes: ['blob-1'], dataAt: RESOURCE_PROCESS, summary: 'an Azure blob lease, renewed every third of its duration' },
  {
    name: 'blob-lease+etag',
    lock: blobLeaseLock(),
    nodes: ['blob-1'],
    dataAt: 'blob-1',
    blobOptions: { resource: { blob: DATA_BLOB, etag: true } },
    // The ETag guards the data, not the section: judged on the counter and on progress.
    properties: ['lost-updates', 'liveness'],
    summary: 'the same lease; the counter in its own blob, written with If-Match on the ETag it read',
  },
] as const satisfies readonly MatrixColumn[];

export type ColumnName = (typeof MATRIX_COLUMNS)[number]['name'];

/** One cell: what running the column in the row concludes, and why. */
export interface MatrixCell {
  readonly expected: Verdict;
  /** For an unsafe or stuck cell: what its runs must show (src/check/mechanism.ts). */
  readonly breaks?: readonly Mechanism[];
  /** Why this mechanism survives or breaks under this fault, in one sentence. */
  readonly note: string;
}

/**
 * A column the row's fault cannot act on (a wall-clock step on a server that reads no clock): the
 * row leaves the column out, and says why, since a fault that does nothing proves nothing.
 */
export interface AbsentCell {
  readonly absent: string;
}
