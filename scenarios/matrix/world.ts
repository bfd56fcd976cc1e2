/**
 * The one world every row of the verdict matrix runs in, and how a row becomes a scenario: the
 * same nodes, clients, workload and length for every row; each column a variant whose faults are
 * the row's, aimed at that column's own lock node and data (so every mechanism faces the same
 * fault at the same moment).
 */
import type { Fault } from '../../src/faults/fault.ts';
import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { NodeSpec, Scenario, Variant, WorldSpec } from '../../src/scenario/types.ts';
import { MATRIX_TAG } from '../../src/report/matrix.ts';
import type { WorkloadOptions } from '../../src/workload/client.ts';
import { MATRIX_COLUMNS, type AbsentCell, type ColumnName, type MatrixCell, type MatrixColumn } from './columns.ts';

/** One lease length for every mechanism: the shortest a blob lease can be. */
export const TTL_MS = 15_000;

/**
 * The server notices a silent client as a database configured for it does: after 5 s of silence
 * its TCP keepalive probes once a second, and after 3 unanswered probes it ends the session
 * (about 8 s after the last word). A paused client's host still answers; a cut-off one does not.
 */
const KEEPALIVE = { tcp_keepalives_idle: 5, tcp_keepalives_interval: 1, tcp_keepalives_count: 3 };

export const MATRIX_NODES: readonly NodeSpec[] = [
  { name: 'redis-1' },
  { name: 'redis-2' },
  { name: 'redis-3' },
  { name: 'postgres-1', service: 'postgres', postgres: KEEPALIVE },
  // The same 5 s + 3 × 1 s as PostgreSQL's, so the two databases differ only in what they are.
  { name: 'sqlserver-1', service: 'sqlserver', sqlserver: { keepAliveMs: 5_000, keepAliveIntervalMs: 1_000, keepAliveProbes: 3 } },
  { name: 'blob-1', service: 'blob' },
];

export const MATRIX_WORLD: WorldSpec = {
  nodes: MATRIX_NODES,
  clients: [
    { name: 'client-1', startMs: 0 },
    { name: 'client-2', startMs: 1_000 },
  ],
  durationMs: 45_000,
};

/**
 * client-1 takes the lock at 0 and works 12-13 s (inside the 15 s lease, with room to spare);
 * client-2 keeps trying from 1 s. A slow write is waited for (60 s), as a client that must know
 * whether its write landed does.
 */
export const MATRIX_WORKLOAD: WorkloadOptions = {
  resource: 'lock:counter',
  ttlMs: TTL_MS,
  workMs: { min: 12_000, max: 13_000 },
  thinkMs: { min: 1_000, max: 2_000 },
  resourceTimeoutMs: 60_000,
};

/** What a row's faults are aimed at, for one column. */
export interface FaultTarget {
  /** The node a node fault hits: the column's first (Redlock's: one of its three). */
  readonly lockNode: string;
  /** Every node the column's lock talks to (a partition cuts the holder off from all of them). */
  readonly lockNodes: readonly string[];
  /** Where the protected counter lives (a delayed write is delayed on its way there). */
  readonly dataAt: string;
}

export interface MatrixRow {
  readonly name: string;
  readonly title: string;
  readonly explanation: string;
  readonly tags?: readonly string[];
  /** The row's faults, aimed at one column's target; the same times and lengths for every column. */
  readonly faults: (target: FaultTarget) => readonly Fault[];
  /** Every column's expected verdict and why (or why the row leaves it out). */
  readonly cells: Readonly<Record<ColumnName, MatrixCell | AbsentCell>>;
}

export function targetOf(column: MatrixColumn): FaultTarget {
  return { lockNode: column.nodes[0], lockNodes: column.nodes, dataAt: column.dataAt };
}

function variantOf(row: MatrixRow, column: MatrixColumn, cell: MatrixCell): Variant {
  return {
    name: column.name,
    lock: column.lock,
    nodes: column.nodes,
    expected: cell.expected,
    faults: row.faults(targetOf(column)),
    note: cell.note,
    ...(cell.breaks === undefined ? {} : { breaks: cell.breaks }),
    ...(column.resource === undefined ? {} : { resource: column.resource }),
    ...(column.properties === undefined ? {} : { properties: column.properties }),
    ...(column.blobOptions === undefined ? {} : { blobOptions: column.blobOptions }),
  };
}

/** A row as a catalog scenario: one variant per column, in the table's order; a column left out is named, with why, at the end of the explanation. */
export function matrixRow(row: MatrixRow): Scenario {
  const variants: Variant[] = [];
  const absent: string[] = [];
  for (const column of MATRIX_COLUMNS) {
    const cell = row.cells[column.name];
    if ('absent' in cell) absent.push(`${column.name} (${cell.absent})`);
    else variants.push(variantOf(row, column, cell));
  }
  // The scenario's own schedule is the fault aimed at every column at once (each variant runs its own).
  const seen = new Set<string>();
  const faults = variants.flatMap((v) => v.faults ?? []).filter((f) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // The catalog's service tags for the columns present (the playground's lessons are Redis-only rows).
  const services = new Set(variants.flatMap((v) => (v.nodes ?? []).map((n) => MATRIX_NODES.find((spec) => spec.name === n)?.service ?? 'redis')));
  const serviceTags = [...(services.has('postgres') || services.has('sqlserver') ? ['database'] : []), ...(services.has('blob') ? ['blob'] : [])];
  return {
    name: row.name,
    title: row.title,
    explanation: absent.length === 0 ? row.explanation : `${row.explanation} Not in this row: ${absent.join('; ')}.`,
    tags: [MATRIX_TAG, ...(row.tags ?? []), ...serviceTags],
    world: MATRIX_WORLD,
    workload: MATRIX_WORKLOAD,
    explore: ALL_FAULTS,
    faults,
    variants,
  };
}
