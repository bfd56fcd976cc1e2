import { ALL_FAULTS } from '../src/faults/model.ts';
import { pgAdvisoryLock, pgAdvisoryXactLock, singleInstance, sqlServerAppLock, type NodeSpec, type Scenario } from '../src/index.ts';

const nodes = (postgres: NodeSpec['postgres']): NodeSpec[] => [
  { name: 'postgres-1', service: 'postgres', postgres },
  { name: 'redis-1' },
];

/** Issue #18: a transaction-scoped lock released by a rollback the application did not notice. */
const scenario: Scenario = {
  name: 'db-xact-rollback',
  title: 'A transaction-scoped lock ends with a rollback the holder does not notice',
  explanation:
    'client-1 takes a PostgreSQL transaction-level advisory lock (BEGIN; pg_advisory_xact_lock), reads the counter ' +
    'and is frozen for 12 s by a stop-the-world pause while its transaction is open. The server runs with ' +
    'idle_in_transaction_session_timeout = 5 s, a common production setting: 5 s after client-1\'s last statement it ' +
    'ends the session, the transaction rolls back, and the lock goes to client-2, which was waiting. When client-1 ' +
    'resumes, its timers run before its socket is read (as in a resumed Node process), so it writes its stale value ' +
    'before it ever sees the FATAL error; it learns the lock was gone only when its COMMIT fails. Without the timeout ' +
    'the lock survives the pause (a database lock has no lease to run out), and so does a session-level lock, which ' +
    'the timeout does not touch; the Redis lease of 10 s does not. A fencing token drawn inside the transaction lets ' +
    'the resource refuse the late write. SQL Server has no such timeout: a transaction-owned sp_getapplock survives the ' +
    'pause as PostgreSQL\'s does without it.',
  tags: ['pause', 'database', 'fencing'],
  world: {
    nodes: nodes({ idle_in_transaction_session_timeout: 5_000 }),
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 30_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 200, max: 400 }, thinkMs: { min: 50, max: 150 } },
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 12_000 }],
  variants: [
    {
      name: 'xact-lock',
      breaks: ['mutex', 'lost-update'],
      lock: pgAdvisoryXactLock({ wait: true }),
      nodes: ['postgres-1'],
      expected: 'unsafe',
      note: 'the server ends the idle transaction after 5 s; client-2 gets the lock; client-1 writes when it resumes',
    },
    {
      name: 'xact-lock+fencing',
      lock: pgAdvisoryXactLock({ wait: true, fencing: true }),
      nodes: ['postgres-1'],
      resource: 'fenced',
      expected: 'safe',
      note: "the token (nextval inside the transaction) of client-2 is higher: the resource refuses client-1's write",
    },
    {
      name: 'xact-lock(no-idle-timeout)',
      lock: pgAdvisoryXactLock({ wait: true }),
      nodes: ['postgres-1'],
      world: { nodes: nodes({}) },
      expected: 'safe',
      note: 'without the timeout the transaction, and its lock, outlive the pause; client-2 waits',
    },
    {
      name: 'session-lock',
      lock: pgAdvisoryLock({ wait: true }),
      nodes: ['postgres-1'],
      expected: 'safe',
      note: 'a session-level lock outside a transaction: idle_in_transaction_session_timeout does not apply',
    },
    {
      name: 'sqlserver-xact-lock',
      lock: sqlServerAppLock({ owner: 'Transaction', timeoutMs: -1 }),
      nodes: ['sqlserver-1'],
      world: { nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }] },
      expected: 'safe',
      note: 'where SQL Server differs: it has no idle-in-transaction timeout, so the paused holder\'s transaction, and the application lock it owns, outlive the pause; client-2 waits',
    },
    {
      name: 'redis-single-instance',
      breaks: ['mutex', 'lost-update'],
      lock: singleInstance(),
      nodes: ['redis-1'],
      expected: 'unsafe',
      note: 'the 10 s lease runs out during the 12 s pause',
    },
  ],
};

export default scenario;
