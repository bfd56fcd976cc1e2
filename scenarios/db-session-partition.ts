import { ALL_FAULTS } from '../src/faults/model.ts';
import { fencing, pgAdvisoryLock, singleInstance, sqlServerAppLock, type Fault, type NodeSpec, type Scenario } from '../src/index.ts';

/** The server's TCP keepalive gives up on an unreachable client after 5 + 3 × 1 s of silence. */
const keepalive = { tcp_keepalives_idle: 5, tcp_keepalives_interval: 1, tcp_keepalives_count: 3 };
const nodes = (postgres: NodeSpec['postgres']): NodeSpec[] => [
  { name: 'postgres-1', service: 'postgres', postgres },
  { name: 'redis-1' },
];

/**
 * SQL Server in the same cut: its own node (a variant's world), partitioned from client-1 alike.
 * Its Keep Alive is 30 s by default, then 10 probes a second apart: 40 s, past the 20 s cut.
 */
const sqlServer = (keepAliveMs?: number): { world: { nodes: NodeSpec[] }; faults: Fault[] } => ({
  world: { nodes: [{ name: 'sqlserver-1', service: 'sqlserver', ...(keepAliveMs === undefined ? {} : { sqlserver: { keepAliveMs } }) }] },
  faults: [{ kind: 'partition', at: 500, groups: [['client-1'], ['sqlserver-1']], durationMs: 20_000 }],
});

/** Issue #18: the database ends a partitioned holder's session; the holder works on. */
const scenario: Scenario = {
  name: 'db-session-partition',
  title: 'The database ends a partitioned holder\'s session; the holder works on',
  explanation:
    'client-1 takes a PostgreSQL session-level advisory lock (pg_advisory_lock on a pooled connection), reads the ' +
    'counter, and is cut off from the database (and from Redis) for 20 s while it works 12-14 s. Its connection is ' +
    'idle, so nothing tells it. The server is configured to notice dead clients: after 5 s of silence its TCP ' +
    'keepalive sends a probe a second, and after 3 unanswered probes it resets the connection and ends the session, ' +
    'about 8 s after the cut. The lock goes with the session, to client-2, which was waiting in pg_advisory_lock. ' +
    'client-1 still believes it holds the lock: it writes, inside client-2\'s section, and learns of the lost session ' +
    'only when its unlock hits the reset connection after the partition heals. A Redis lock with a 10 s TTL fails the ' +
    'same way. With the operating system\'s keepalive defaults (2 h of silence before the first probe) the session ' +
    'outlives the partition and the lock is safe, and everyone else waits for the partition to heal. Only a fencing ' +
    'token (nextval of a sequence, checked by the resource) makes the late write harmless. SQL Server\'s sp_getapplock ' +
    'with @LockOwner Session behaves the same once its server drops the session; its default Keep Alive (30 s, then ' +
    '10 probes a second apart) is shorter than Linux\'s 2 h but longer than this cut.',
  tags: ['network', 'database', 'fencing'],
  world: {
    nodes: nodes(keepalive),
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 40_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 12_000, max: 14_000 }, thinkMs: { min: 50, max: 150 } },
  explore: ALL_FAULTS,
  faults: [{ kind: 'partition', at: 500, groups: [['client-1'], ['postgres-1', 'redis-1']], durationMs: 20_000 }],
  variants: [
    {
      name: 'session-lock',
      breaks: ['mutex', 'lost-update'],
      lock: pgAdvisoryLock({ wait: true }),
      nodes: ['postgres-1'],
      expected: 'unsafe',
      note: 'the server ends the silent session after 5 + 3 × 1 s and grants the lock to client-2; client-1 writes at 12-14 s',
    },
    {
      name: 'session-lock+fencing',
      lock: pgAdvisoryLock({ wait: true, fencing: true }),
      nodes: ['postgres-1'],
      resource: 'fenced',
      expected: 'safe',
      note: "client-2's nextval token is higher; the resource refuses client-1's late write",
    },
    {
      name: 'session-lock(os-keepalive)',
      lock: pgAdvisoryLock({ wait: true }),
      nodes: ['postgres-1'],
      world: { nodes: nodes({}) },
      expected: 'safe',
      note: 'with the OS defaults the server probes only after 2 h of silence: the session, and the lock, outlive the partition; client-2 waits 20 s',
    },
    {
      name: 'sqlserver-session-lock(keepalive-1s)',
      breaks: ['mutex', 'lost-update'],
      lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1, requestTimeoutMs: 60_000 }),
      nodes: ['sqlserver-1'],
      ...sqlServer(1_000),
      expected: 'unsafe',
      note: "SQL Server's Keep Alive at 1 s: it drops the silent session after 1 + 10 × 1 s and grants the application lock to client-2, whose sp_getapplock (@LockTimeout -1) returns 1; client-1 writes at 12-14 s",
    },
    {
      name: 'sqlserver-session-lock(keepalive-1s)+fencing',
      lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1, requestTimeoutMs: 60_000, fencing: true }),
      nodes: ['sqlserver-1'],
      ...sqlServer(1_000),
      resource: 'fenced',
      expected: 'safe',
      note: "client-2's token (NEXT VALUE FOR a sequence) is higher; the resource refuses client-1's late write",
    },
    {
      name: 'sqlserver-session-lock',
      lock: sqlServerAppLock({ owner: 'Session', timeoutMs: -1 }),
      nodes: ['sqlserver-1'],
      ...sqlServer(),
      expected: 'safe',
      note: "where SQL Server differs: its default Keep Alive (30 s, then 10 probes a second apart) outlasts the 20 s cut, so the session and its lock live on; client-2's waits end at mssql's 15 s requestTimeout and it tries again",
    },
    {
      name: 'redis-single-instance',
      breaks: ['mutex', 'lost-update'],
      lock: singleInstance(),
      nodes: ['redis-1'],
      expected: 'unsafe',
      note: 'the same cut, a Redis lease of 10 s: it expires on redis-1 and client-2 takes it before client-1 writes',
    },
    {
      name: 'redis-single-instance+fencing',
      lock: fencing(singleInstance()),
      nodes: ['redis-1'],
      resource: 'fenced',
      expected: 'safe',
      note: 'an INCR token on redis-1: the resource refuses the late write',
    },
  ],
};

export default scenario;
