import { ALL_FAULTS } from '../src/faults/model.ts';
import { pgAdvisoryLock, singleInstance, sqlServerAppLock, type NodeSpec, type Scenario } from '../src/index.ts';

/** SQL Server variants run on their own node (a variant's world), so the PostgreSQL ones stay as they were. */
const sqlServerWorld = { nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }] as NodeSpec[] };

/** Issue #18: lock-with-wait under contention, and a long holder. */
const scenario: Scenario = {
  name: 'db-lock-wait',
  title: 'Waiting for a database lock behind a long holder',
  explanation:
    'Four clients contend for one PostgreSQL advisory lock; client-1 takes it first and then stalls for 15 s (a long ' +
    'GC pause, a slow call) while holding it. pg_advisory_lock waits first come, first served, for as long as it ' +
    'takes: the three others queue behind the stalled holder and get the lock in turn when it finishes, and the queue ' +
    'keeps them fair (each client gets about as many sections as the others). Safe, and live once the holder is back, ' +
    'but a waiter waits as long as the slowest holder holds. With lock_timeout the ' +
    'waits end with an error after 2 s and the clients retry, still safe; so is polling with ' +
    'pg_try_advisory_lock, but polling is not fair: whoever asks at the right moment wins. A Redis lease of 10 s does not wait for the stalled holder: the lock is handed on while ' +
    'client-1 still works, and its write lands in another section. SQL Server\'s sp_getapplock queues the same way; ' +
    'what differs is who ends a wait: its own @LockTimeout (a return code of -1, the transaction left open), or ' +
    'mssql\'s 15 s requestTimeout, which cancels the call.',
  tags: ['pause', 'database', 'contention'],
  world: {
    nodes: [{ name: 'postgres-1', service: 'postgres' }, { name: 'redis-1' }],
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 500 },
      { name: 'client-3', startMs: 600 },
      { name: 'client-4', startMs: 700 },
    ],
    durationMs: 40_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 100, max: 200 }, thinkMs: { min: 0, max: 50 } },
  faults: [{ kind: 'pause', at: 50, process: 'client-1', durationMs: 15_000 }],
  // A holder paused past a lease is outside a Redis lock's model: exploration draws it only when asked.
  explore: ALL_FAULTS,
  variants: [
    {
      name: 'wait',
      lock: pgAdvisoryLock({ wait: true }),
      nodes: ['postgres-1'],
      expected: 'safe',
      note: 'the waiters queue behind the stalled holder and get the lock in turn',
    },
    {
      name: 'wait+lock-timeout',
      lock: pgAdvisoryLock({ wait: true, pool: { lock_timeout: 2_000 } }),
      nodes: ['postgres-1'],
      expected: 'safe',
      note: 'each wait ends after 2 s with 55P03 (canceling statement due to lock timeout); the client tries again',
    },
    {
      name: 'try-lock',
      lock: pgAdvisoryLock(),
      nodes: ['postgres-1'],
      expected: 'safe',
      note: 'pg_try_advisory_lock is refused while client-1 holds; the clients poll',
    },
    {
      name: 'sqlserver-wait',
      lock: sqlServerAppLock({ timeoutMs: -1 }),
      nodes: ['sqlserver-1'],
      world: sqlServerWorld,
      expected: 'safe',
      note: "sp_getapplock with @LockTimeout -1 queues the waiters behind the stalled holder; where it differs from PostgreSQL: mssql's 15 s requestTimeout cancels a wait that long (an attention) and the client tries again",
    },
    {
      name: 'sqlserver-wait+lock-timeout',
      lock: sqlServerAppLock({ timeoutMs: 2_000 }),
      nodes: ['sqlserver-1'],
      world: sqlServerWorld,
      expected: 'safe',
      note: 'each wait returns -1 after @LockTimeout 2 s (the transaction stays open; the lock rolls it back) and the client tries again',
    },
    {
      name: 'sqlserver-try-lock',
      lock: sqlServerAppLock(),
      nodes: ['sqlserver-1'],
      world: sqlServerWorld,
      expected: 'safe',
      note: 'sp_getapplock with @LockTimeout 0 returns -1 at once while client-1 holds; the clients poll',
    },
    {
      name: 'redis-single-instance',
      breaks: ['mutex', 'lost-update'],
      lock: singleInstance(),
      nodes: ['redis-1'],
      expected: 'unsafe',
      note: 'the 10 s lease runs out under the stalled holder',
    },
  ],
};

export default scenario;
