/**
 * The simulated node-postgres (src/services/postgres/pg-client.ts, pg-pool.ts) against the real
 * one: the same scripts run with pg 8.23.1 on a real PostgreSQL server and with the simulated
 * `Client` and `Pool` in a simulated world, and their transcripts (results, rows, errors with
 * their SQLSTATE, events, in order) must be equal. This is the parity test of the pg shape: a
 * lock written for node-postgres sees the same answers in both.
 *
 * Needs PostgreSQL (Debian's package); with CI=true it must run, elsewhere it is skipped when
 * PostgreSQL is not installed (test/support/pg-server.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { World, ms } from '../../src/sim/index.ts';
import { addPostgresNode } from '../../src/services/postgres/node.ts';
import { pgModule } from '../../src/services/postgres/pg-module.ts';
import { AddressMap } from '../../src/clients/addresses.ts';
import { freePort } from '../../src/real/redis-process.ts';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/pg-server.ts';
import type { DatabaseLike, SqlClientLike, SqlPoolLike } from '../../src/locks/interface.ts';

/**
 * Real mode hands a lock node-postgres itself: its Client and Pool must satisfy the lock
 * context's database contract as they are (checked by the compiler).
 */
export const realDatabase = (host: string, port: number): DatabaseLike => ({
  name: `${host}:${port}`,
  client: (config = {}): SqlClientLike => new pg.Client({ ...config, host, port }),
  pool: (config = {}): SqlPoolLike => new pg.Pool({ ...config, host, port }),
});

/** What a script is given: node-postgres (real or simulated), a sleep, and where the server is. */
interface Driver {
  readonly Client: new (config?: Record<string, unknown>) => PgClientLike;
  readonly Pool: new (config?: Record<string, unknown>) => PgPoolLike;
  readonly sleep: (ms: number) => Promise<void>;
  readonly server: { readonly host: string; readonly port: number; readonly user?: string };
  /** An address where nothing listens. */
  readonly nowhere: { readonly host: string; readonly port: number };
}

interface PgResultLike {
  command: string;
  rowCount: number | null;
  rows: unknown[];
  fields: Array<{ name: string; dataTypeID: number }>;
}
interface PgClientLike {
  processID: number | null;
  connect(): Promise<unknown>;
  query(text: string | { text: string; values?: unknown[]; rowMode?: 'array' }, values?: unknown[]): Promise<PgResultLike>;
  end(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  getTransactionStatus(): string | null;
}
interface PgPoolClientLike extends PgClientLike {
  release(error?: Error | boolean): void;
}
interface PgPoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  connect(): Promise<PgPoolClientLike>;
  query(text: string, values?: unknown[]): Promise<PgResultLike>;
  end(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

type Script = (d: Driver, say: (line: string) => void) => Promise<void>;

const result = (r: PgResultLike): string => `${r.command} rowCount=${r.rowCount} rows=${JSON.stringify(r.rows)} types=${r.fields.map((f) => `${f.name}:${f.dataTypeID}`).join(',')}`;
const failure = (e: unknown): string => {
  const error = e as Error & { code?: string; severity?: string };
  return `${error instanceof Error ? 'Error' : typeof e} ${error.name} code=${error.code ?? '-'} severity=${error.severity ?? '-'} "${error.message}"`;
};
const attempt = async (say: (line: string) => void, label: string, run: () => Promise<PgResultLike>): Promise<void> => {
  try {
    say(`${label}: ${result(await run())}`);
  } catch (e) {
    say(`${label} failed: ${failure(e)}`);
  }
};
const watch = (c: PgClientLike, name: string, say: (line: string) => void): void => {
  c.on('error', ((e: Error) => say(`${name} error event: ${failure(e)}`)) as (...args: never[]) => void);
  c.on('end', (() => say(`${name} end event`)) as (...args: never[]) => void);
  c.on('notice', ((n: { severity?: string; message: string }) => say(`${name} notice: ${n.severity} ${n.message}`)) as (...args: never[]) => void);
};

const SCRIPTS: Record<string, Script> = {
  'results, types, notices, errors and transaction status': async (d, say) => {
    const c = new d.Client({ ...d.server });
    watch(c, 'c', say);
    say(`status before connect: ${c.getTransactionStatus()}`);
    await c.connect();
    say(`connected, pid is a number: ${typeof c.processID === 'number'}; status ${c.getTransactionStatus()}`);
    await attempt(say, 'try', () => c.query('SELECT pg_try_advisory_lock($1)', [7]));
    await attempt(say, 'lock', () => c.query('SELECT pg_advisory_lock(7)'));
    await attempt(say, 'unlock not held', () => c.query('select pg_advisory_unlock($1, $2)', [1, 2]));
    await attempt(say, 'unlock', () => c.query({ text: 'SELECT pg_advisory_unlock($1) AS released', values: ['7'] }));
    await attempt(say, 'unlock all', () => c.query('SELECT pg_advisory_unlock_all()'));
    await attempt(say, 'constant', () => c.query('SELECT 1 AS one'));
    await attempt(say, 'array rows', () => c.query({ text: 'SELECT pg_try_advisory_lock(8)', rowMode: 'array' }));
    await attempt(say, 'begin', () => c.query('BEGIN'));
    say(`status in block: ${c.getTransactionStatus()}`);
    await attempt(say, 'xact lock', () => c.query('SELECT pg_advisory_xact_lock($1)', [9n]));
    await attempt(say, 'missing sequence', () => c.query("SELECT nextval('missing')"));
    await d.sleep(50);
    say(`status after error: ${c.getTransactionStatus()}`);
    await attempt(say, 'in aborted block', () => c.query('SELECT 1'));
    await attempt(say, 'commit of aborted block', () => c.query('COMMIT'));
    await attempt(say, 'commit outside block', () => c.query('COMMIT'));
    await attempt(say, 'create sequence', () => c.query('CREATE SEQUENCE IF NOT EXISTS fence'));
    await attempt(say, 'create again', () => c.query('CREATE SEQUENCE IF NOT EXISTS fence'));
    await attempt(say, 'nextval', () => c.query("SELECT nextval('fence') AS token"));
    await attempt(say, 'nextval by parameter', () => c.query('SELECT nextval($1)', ['fence']));
    await attempt(say, 'bad argument', () => c.query('SELECT pg_try_advisory_lock($1)', ['x']));
    await c.connect().then(
      () => say('second connect: ok'),
      (e: unknown) => say(`second connect failed: ${failure(e)}`),
    );
    await c.end();
    say('ended');
    await attempt(say, 'after end', () => c.query('SELECT 1'));
  },

  'a lock wait ends by lock_timeout and statement_timeout; a released lock wakes the waiter': async (d, say) => {
    const a = new d.Client({ ...d.server });
    const b = new d.Client({ ...d.server, lock_timeout: 300 });
    const s = new d.Client({ ...d.server, statement_timeout: 300 });
    for (const [c, name] of [[a, 'a'], [b, 'b'], [s, 's']] as const) watch(c, name, say);
    await Promise.all([a.connect(), b.connect(), s.connect()]);
    await attempt(say, 'a locks', () => a.query('SELECT pg_advisory_lock(5)'));
    await attempt(say, 'b waits, lock_timeout', () => b.query('SELECT pg_advisory_lock(5)'));
    await attempt(say, 's waits in a block, statement_timeout', async () => {
      await s.query('BEGIN');
      return s.query('SELECT pg_advisory_xact_lock(5)');
    });
    // pg takes the status from the ReadyForQuery after the error, which may come in a later read.
    await d.sleep(50);
    say(`s status: ${s.getTransactionStatus()}`);
    await attempt(say, 's rollback', () => s.query('ROLLBACK'));
    const waiting = b.query('SELECT pg_advisory_lock(5)');
    await d.sleep(100);
    await attempt(say, 'a unlocks', () => a.query('SELECT pg_advisory_unlock(5)'));
    await attempt(say, 'b got it', () => waiting);
    await attempt(say, 'a tries', () => a.query('SELECT pg_try_advisory_lock(5)'));
    // One at a time: the order of three concurrent closes is the real server's to choose.
    for (const c of [a, b, s]) await c.end();
    say('ended');
  },

  'idle_in_transaction_session_timeout ends the session: events, then not queryable': async (d, say) => {
    const c = new d.Client({ ...d.server, idle_in_transaction_session_timeout: 200 });
    const other = new d.Client({ ...d.server });
    watch(c, 'c', say);
    watch(other, 'other', say);
    await Promise.all([c.connect(), other.connect()]);
    await attempt(say, 'begin', () => c.query('BEGIN'));
    await attempt(say, 'xact lock', () => c.query('SELECT pg_advisory_xact_lock(11)'));
    await attempt(say, 'other tries while held', () => other.query('SELECT pg_try_advisory_lock(11)'));
    await d.sleep(800);
    await attempt(say, 'other tries after the timeout', () => other.query('SELECT pg_try_advisory_lock(11)'));
    await attempt(say, 'c after the timeout', () => c.query('SELECT 1'));
    await c.end();
    say('c ended');
    await other.end();
  },

  'a connection that cannot be made': async (d, say) => {
    const c = new d.Client({ ...d.nowhere });
    watch(c, 'c', say);
    await c.connect().then(
      () => say('connected?'),
      (e: unknown) => say(`connect failed: ${failure(e).replace(/:\d+"/, ':PORT"')}`),
    );
    await attempt(say, 'query after a failed connect', () => c.query('SELECT 1'));
  },

  'a pool keeps its clients, and their session locks, until the idle timeout': async (d, say) => {
    const pool = new d.Pool({ ...d.server, max: 1, idleTimeoutMillis: 400 });
    const other = new d.Client({ ...d.server });
    watch(other, 'other', say);
    await other.connect();
    const first = await pool.connect();
    say(`checked out: total ${pool.totalCount}, idle ${pool.idleCount}`);
    await attempt(say, 'lock on the pooled client', () => first.query('SELECT pg_advisory_lock(21)'));
    const pid = first.processID;
    const second = pool.connect();
    await d.sleep(50);
    say(`second waits: waiting ${pool.waitingCount}`);
    first.release();
    const again = await second;
    say(`second got the same client and session: ${again === first && again.processID === pid}`);
    again.release();
    try {
      again.release();
    } catch (e) {
      say(`double release: ${failure(e)}`);
    }
    say(`released: total ${pool.totalCount}, idle ${pool.idleCount}`);
    await attempt(say, 'other tries while the pool keeps the session', () => other.query('SELECT pg_try_advisory_lock(21)'));
    await attempt(say, 'pool.query', () => pool.query('SELECT pg_try_advisory_lock($1)', [21]));
    await d.sleep(1000);
    say(`after the idle timeout: total ${pool.totalCount}, idle ${pool.idleCount}`);
    await attempt(say, 'other tries after the idle timeout', () => other.query('SELECT pg_try_advisory_lock(21)'));
    await attempt(say, 'pool.query error', () => pool.query("SELECT nextval('missing')"));
    say(`after an error: total ${pool.totalCount}, idle ${pool.idleCount}`);
    await pool.end();
    say(`pool ended: total ${pool.totalCount}`);
    await other.end();
  },
};

/** Runs `script` against node-postgres and a real server. */
async function runReal(script: Script, server: PostgresServer): Promise<string[]> {
  const lines: string[] = [];
  const nowhere = { host: '127.0.0.1', port: await freePort() };
  await script(
    {
      Client: pg.Client as unknown as Driver['Client'],
      Pool: pg.Pool as unknown as Driver['Pool'],
      sleep: (t) => new Promise((resolve) => setTimeout(resolve, t)),
      server: { host: server.host, port: server.port, user: 'postgres' },
      nowhere,
    },
    (line) => lines.push(line),
  );
  // Events that follow the last step (an 'end' after end()) are part of the transcript.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return lines;
}

/** Runs `script` in a simulated world: one PostgreSQL node, and a node that is down. */
async function runSimulated(script: Script): Promise<string[]> {
  const lines: string[] = [];
  const world = new World({ seed: 1 });
  addPostgresNode(world, 'postgres-1');
  world.addProcess('down', () => {});
  world.crash('down');
  world.addProcess('client-1', async (ctx) => {
    const pgSim = pgModule({ ctx, addresses: AddressMap.forNodes(['postgres-1', 'down'], {}, 5432) });
    await script(
      {
        Client: pgSim.Client as unknown as Driver['Client'],
        Pool: pgSim.Pool as unknown as Driver['Pool'],
        sleep: (t) => ctx.clock.sleep(t),
        server: { host: '127.0.0.1', port: 5432 },
        nowhere: { host: '127.0.0.1', port: 5433 },
      },
      (line) => lines.push(line),
    );
  });
  await world.run({ until: ms(60_000) });
  expect(world.errors).toEqual([]);
  return lines;
}

const enabled = postgresTestsEnabled();
let server: PostgresServer | null = null;

describe.runIf(enabled)('the simulated node-postgres = pg 8.23.1 on PostgreSQL', () => {
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(name, async () => {
      const real = await runReal(script, server as PostgresServer);
      const simulated = await runSimulated(script);
      expect(simulated.join('\n')).toBe(real.join('\n'));
      expect(real.length).toBeGreaterThan(2);
    }, 60_000);
  }
});
