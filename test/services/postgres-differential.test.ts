/**
 * The simulated advisory locks against a real PostgreSQL server: random sequences of lock,
 * try-lock, shared and transaction-level locks, unlock, unlock_all, BEGIN/COMMIT/ROLLBACK and
 * session end, sequences (CREATE SEQUENCE, nextval: fencing tokens), over three sessions at once, sent to both. Every statement's outcome (columns,
 * text rows, command tag, notices, or the error's SQLSTATE and message) must be equal, and so
 * must the moment a waiting statement completes: it waits in both, or in neither, and a release
 * wakes the same waiters in both.
 *
 * CI runs a few sequences; LOCKSIM_PG_SEQUENCES=500 runs a long one (docs/postgres.md).
 * With CI=true a missing PostgreSQL fails; elsewhere the test is skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { Database, type QueryOutcome } from '../../src/services/postgres/database.ts';
import { bigintKey, pairKey, type LockKey, type LockMode } from '../../src/services/postgres/advisory-locks.ts';
import { PgClient, type PgOutcome } from '../support/pg-client.ts';
import { postgresTestsEnabled, startPostgres, type PostgresServer } from '../support/pg-server.ts';

const SESSIONS = 3;
const SEQUENCES = Number(process.env.LOCKSIM_PG_SEQUENCES ?? 6);
const STEPS = 40;
/** The first sequence (LOCKSIM_PG_FROM replays one that failed). */
const FIRST = Number(process.env.LOCKSIM_PG_FROM ?? 1);
/** How long a real statement gets to show it is not waiting (loopback answers in well under 1 ms). */
const SETTLE_MS = 60;

const KEYS: ReadonlyArray<{ sql: string; key: LockKey }> = [
  { sql: '1', key: bigintKey(1n) },
  { sql: '2', key: bigintKey(2n) },
  { sql: '1, 1', key: pairKey(1, 1) },
  { sql: '1, 2', key: pairKey(1, 2) },
];

interface Step {
  readonly sql: string;
  /** Run only outside a transaction block (the simulation refuses CREATE SEQUENCE inside one). */
  readonly idleOnly?: boolean;
  /** For a lock call that may wait: its key and mode (to avoid drawing a deadlock). */
  readonly waits?: { readonly key: LockKey; readonly mode: LockMode };
}

function drawStep(random: () => number, sequenceName: string): Step | 'close' {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const r = random();
  if (r < 0.05) return 'close';
  // Fencing tokens: a sequence created (once, or refused the second time), then drawn from.
  if (r < 0.06) return { sql: pick([`CREATE SEQUENCE IF NOT EXISTS ${sequenceName}`, `CREATE SEQUENCE ${sequenceName}`]), idleOnly: true };
  if (r < 0.09) return { sql: pick([`SELECT nextval('${sequenceName}')`, `select nextval('${sequenceName}') as token`]) };
  if (r < 0.12) return { sql: 'BEGIN' };
  if (r < 0.18) return { sql: 'COMMIT' };
  if (r < 0.22) return { sql: 'ROLLBACK' };
  if (r < 0.25) return { sql: 'SELECT pg_advisory_unlock_all()' };
  if (r < 0.27) return { sql: pick(['SELECT 1', 'select pg_try_advisory_lock(2) as got', 'SELECT pg_advisory_lock(1, 3000000000)', 'SELECT pg_advisory_unlock(9223372036854775808)', "SELECT pg_try_advisory_lock('x')"]) };
  const k = pick(KEYS);
  const shared = random() < 0.35;
  const suffix = shared ? '_shared' : '';
  const mode: LockMode = shared ? 'shared' : 'exclusive';
  const kind = pick(['lock', 'try', 'xact', 'try-xact', 'unlock', 'unlock'] as const);
  switch (kind) {
    case 'lock':
      return { sql: `SELECT pg_advisory_lock${suffix}(${k.sql})`, waits: { key: k.key, mode } };
    case 'try':
      return { sql: `SELECT pg_try_advisory_lock${suffix}(${k.sql})` };
    case 'xact':
      return { sql: `SELECT pg_advisory_xact_lock${suffix}(${k.sql})`, waits: { key: k.key, mode } };
    case 'try-xact':
      return { sql: `SELECT pg_try_advisory_xact_lock${suffix}(${k.sql})` };
    case 'unlock':
      return { sql: `SELECT pg_advisory_unlock${suffix}(${k.sql})` };
  }
}

const simplify = (o: QueryOutcome | PgOutcome): unknown => ('ok' in o ? { ok: { ...o.ok, columns: [...o.ok.columns], rows: o.ok.rows.map((r) => [...r]), notices: [...o.ok.notices] } } : { error: { code: o.error.code, message: o.error.message } });

/** A real statement's outcome if it arrives within `ms`, else 'waiting'. */
const within = (p: Promise<PgOutcome>, ms: number): Promise<PgOutcome | 'waiting'> =>
  Promise.race([p, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms))]);

/** What the sequences exercised, printed so that a reader sees the test is not vacuous. */
const seen = { statements: 0, waited: 0, wokenByRelease: 0, warnings: 0, errors: 0, closes: 0, tokens: 0 };

const enabled = postgresTestsEnabled();
let server: PostgresServer | null = null;

describe.runIf(enabled)('simulated advisory locks = PostgreSQL', () => {
  beforeAll(async () => {
    server = await startPostgres({ deadlock_timeout: '10s' });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(`${SEQUENCES} random sequences of ${STEPS} statements over ${SESSIONS} sessions: the same outcomes, the same waits`, async () => {
    const port = (server as PostgresServer).port;
    const differences: string[] = [];
    for (let sequence = FIRST; sequence < FIRST + SEQUENCES && differences.length === 0; sequence++) {
      const random = seedrandom(`pg-${sequence}`);
      const db = new Database();
      const sim: number[] = [];
      const real: PgClient[] = [];
      /** A statement still waiting: the simulated outcome once granted, and the real promise. */
      const waiting = new Map<number, { sql: string; sim: QueryOutcome | null; real: Promise<PgOutcome> }>();
      const log: string[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        sim.push(db.open());
        real.push(await PgClient.connect(port));
      }
      const compare = (where: string, a: QueryOutcome, b: PgOutcome): void => {
        if (JSON.stringify(simplify(a)) !== JSON.stringify(simplify(b))) differences.push(`sequence ${sequence}, ${where}: simulated ${JSON.stringify(simplify(a))}, real ${JSON.stringify(simplify(b))}\n  after:\n    ${log.join('\n    ')}`);
      };
      /** Every waiting statement: granted in the simulation iff done in reality, with the same outcome. */
      const checkWaiters = async (): Promise<void> => {
        for (const [i, w] of [...waiting]) {
          const got = await within(w.real, w.sim === null ? SETTLE_MS : 5_000);
          if (w.sim === null && got === 'waiting') continue;
          if (w.sim === null || got === 'waiting') {
            differences.push(`sequence ${sequence}, session ${i} '${w.sql}': simulated ${w.sim === null ? 'still waits' : 'granted'}, real ${got === 'waiting' ? 'still waits' : 'granted'}\n  after:\n    ${log.join('\n    ')}`);
            return;
          }
          compare(`session ${i} '${w.sql}' (after waiting)`, w.sim, got);
          seen.wokenByRelease++;
          waiting.delete(i);
        }
      };
      for (let n = 0; n < STEPS && differences.length === 0; n++) {
        const free = [...Array(SESSIONS).keys()].filter((i) => !waiting.has(i));
        if (free.length === 0) break;
        const i = free[Math.floor(random() * free.length)] as number;
        const step = drawStep(random, `fence_${sequence}`);
        if (step === 'close') {
          log.push(`session ${i}: close`);
          seen.closes++;
          db.close(sim[i] as number);
          (real[i] as PgClient).close();
          sim[i] = db.open();
          real[i] = await PgClient.connect(port);
          await checkWaiters();
          continue;
        }
        // A wait that would close a cycle is a deadlock, found by PostgreSQL only after
        // deadlock_timeout: the sequences leave those out.
        if (step.waits !== undefined && db.locks.wouldDeadlock(sim[i] as number, step.waits.key, step.waits.mode)) continue;
        if (step.idleOnly === true && db.status(sim[i] as number) !== 'I') continue;
        log.push(`session ${i}: ${step.sql}`);
        const entry: { sql: string; sim: QueryOutcome | null; real: Promise<PgOutcome> } = { sql: step.sql, sim: null, real: (real[i] as PgClient).query(step.sql) };
        db.execute(sim[i] as number, step.sql, [], (o) => {
          entry.sim = o;
        });
        seen.statements++;
        const now = entry.sim as QueryOutcome | null;
        if (now === null) {
          seen.waited++;
          waiting.set(i, entry);
        } else {
          if ('ok' in now && now.ok.columns.some((c) => c === 'nextval' || c === 'token')) seen.tokens++;
          if ('error' in now) seen.errors++;
          else if (now.ok.notices.length > 0) seen.warnings++;
          const got = await within(entry.real, 5_000);
          if (got === 'waiting') differences.push(`sequence ${sequence}, session ${i} '${step.sql}': simulated done, real waits\n  after:\n    ${log.join('\n    ')}`);
          else compare(`session ${i} '${step.sql}'`, now, got);
        }
        await checkWaiters();
      }
      for (const c of real) c.close(true);
    }
    console.log(`postgres differential: ${JSON.stringify(seen)}`);
    expect(differences).toEqual([]);
    // Not vacuous: statements waited, releases woke them, warnings and errors were compared.
    expect(seen.waited).toBeGreaterThan(0);
    expect(seen.wokenByRelease).toBeGreaterThan(0);
    expect(seen.warnings).toBeGreaterThan(0);
    expect(seen.errors).toBeGreaterThan(0);
    expect(seen.tokens).toBeGreaterThan(0);
  }, 600_000);
});
