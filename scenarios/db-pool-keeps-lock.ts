import { pgAdvisoryLock, pgAdvisoryXactLock, sqlServerAppLock, type Scenario } from '../src/index.ts';

/** Issue #18: a pooled connection keeps a session lock after its holder is done with it. */
const scenario: Scenario = {
  name: 'db-pool-keeps-lock',
  title: 'A pooled connection keeps the lock after its holder is done',
  explanation:
    'Both clients take a PostgreSQL session-level advisory lock on a connection from a node-postgres Pool. The ' +
    'flawed code releases by giving the connection back to the pool, as if that ended the session. It does not: ' +
    'the pool keeps the connection open, the session lives on, and so does the lock. client-2 waits in ' +
    'pg_advisory_lock for good; client-1, handed the same pooled connection next time, is granted the lock again ' +
    '(a session already holding it always gets it) and never notices. Nothing is unsafe; nobody else ever gets the ' +
    'lock (liveness). The pool\'s idle timeout (10 s by default) would end the session, but only once the ' +
    'connection sits unused that long; a client that stops after one section lets it, a busy one never does. ' +
    'pg_advisory_unlock before giving the connection back, or a transaction-level lock (ended by COMMIT), is correct. ' +
    'SQL Server\'s session-owned sp_getapplock left to mssql\'s pool does the same; its pool closes an idle ' +
    'connection after 30 s.',
  tags: ['database', 'liveness', 'pool'],
  world: {
    nodes: [{ name: 'postgres-1', service: 'postgres' }],
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 40_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 100, max: 200 }, thinkMs: { min: 50, max: 150 } },
  faults: [],
  variants: [
    {
      name: 'returned-to-pool',
      breaks: ['liveness'],
      lock: pgAdvisoryLock({ wait: true, release: 'return-to-pool', pool: { idleTimeoutMillis: 0 } }),
      expected: 'stuck',
      note: 'the pool never closes an idle connection: the session and its lock live as long as the process',
    },
    {
      name: 'returned-to-pool(idle-timeout)',
      breaks: ['liveness'],
      lock: pgAdvisoryLock({ wait: true, release: 'return-to-pool' }),
      expected: 'stuck',
      note: "pg-pool's 10 s idle timeout never comes: client-1 takes the same connection back every few hundred ms",
    },
    {
      name: 'returned-to-pool(one-section)',
      lock: pgAdvisoryLock({ wait: true, release: 'return-to-pool' }),
      workload: { iterations: 1 },
      expected: 'safe',
      note: 'client-1 stops after one section: 10 s later the pool closes the idle connection, the session ends, client-2 gets the lock',
    },
    {
      name: 'unlock',
      lock: pgAdvisoryLock({ wait: true }),
      expected: 'safe',
      note: 'pg_advisory_unlock before giving the connection back',
    },
    {
      name: 'xact-lock',
      lock: pgAdvisoryXactLock({ wait: true }),
      expected: 'safe',
      note: 'a transaction-level lock ends with COMMIT, whatever the pool does with the connection',
    },
    {
      name: 'sqlserver-returned-to-pool',
      breaks: ['liveness'],
      lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1, release: 'return-to-pool', requestTimeoutMs: 0 }),
      nodes: ['sqlserver-1'],
      world: { nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }] },
      expected: 'stuck',
      note: "the same flaw with sp_getapplock (@LockOwner Session) and mssql's pool: its 30 s idle timeout never comes while client-1 keeps using the connection, and client-2 (requestTimeout 0: none) waits for good. With mssql's default 15 s requestTimeout client-2 would ask again and again: starvation, not a hang, which the liveness check does not call stuck",
    },
    {
      name: 'sqlserver-returned-to-pool(one-section)',
      lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1, release: 'return-to-pool' }),
      nodes: ['sqlserver-1'],
      world: { nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }] },
      workload: { iterations: 1 },
      expected: 'safe',
      note: "client-1 stops after one section: 30 s later (mssql's idleTimeoutMillis, PostgreSQL's pool: 10 s) the pool closes the connection, the session ends, client-2 gets the lock",
    },
    {
      name: 'sqlserver-session-lock',
      lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1 }),
      nodes: ['sqlserver-1'],
      world: { nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }] },
      expected: 'safe',
      note: "a session-owned application lock on mssql's pool: the lock keeps a pool of one connection, so sp_releaseapplock runs on the session that holds it (on a pool of many it could land on another session: error 1223, and the lock stays)",
    },
    {
      name: 'sqlserver-xact-lock',
      lock: sqlServerAppLock({ owner: 'Transaction', timeoutMs: -1 }),
      nodes: ['sqlserver-1'],
      world: { nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }] },
      expected: 'safe',
      note: 'a transaction-owned application lock ends with COMMIT, whatever the pool does with the connection',
    },
  ],
};

export default scenario;
