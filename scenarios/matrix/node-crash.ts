import { matrixRow } from './world.ts';

/** The lock node crashes and restarts without what it held in memory. */
export default matrixRow({
  name: 'matrix-node-crash',
  title: 'Matrix: the lock node crashes and restarts',
  explanation:
    'At 2 s the lock node (redis-1; postgres-1; sqlserver-1; blob-1) is killed and restarted 1 s later. A Redis node without ' +
    'persistence comes back empty: the key, and a fencing counter kept beside it, are gone, and nobody tells the holder. ' +
    'PostgreSQL comes back without any session, and so without any advisory lock (its sequences survive), but the ' +
    'holder\'s connection is reset: it learns at once that its lock is gone. SQL Server loses its sessions too, but ' +
    'mssql\'s pool replaces the dead connection without telling the lock: the holder works on. Azure Storage is durable: the lease is ' +
    'still there. Redlock loses one node of three and keeps its majority.',
  tags: ['crash', 'persistence'],
  faults: (target) => [{ kind: 'crash', at: 2_000, process: target.lockNode, restartAfterMs: 1_000 }],
  cells: {
    redis: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'redis-1 restarts empty and client-2 takes the lock while client-1 works' },
    'redis+fencing': { expected: 'unsafe', breaks: ['token-reused'], note: 'the token counter was lost with the key: client-2 draws token 1 again, the one client-1 holds, and the resource cannot tell them apart' },
    redlock: { expected: 'safe', note: 'client-2 gets redis-1 only: one vote of three' },
    'pg-session': { expected: 'safe', note: 'the crash ends every session and its locks, but the holder is told: its connection is reset, its lease aborts and it stops before writing' },
    'pg-session+fencing': { expected: 'safe', note: 'the holder is told of the reset and stops; had it not, sequences survive the crash and its token would be the lower' },
    sqlserver: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the crash ends every session and its application locks; unlike node-postgres\'s client, mssql\'s pool replaces the dead connection without telling the holder, which works on while client-2 takes the lock' },
    'sqlserver+fencing': { expected: 'safe', note: 'sequences survive the crash: client-2\'s token is higher and the resource refuses client-1\'s write' },
    'blob-lease': { expected: 'safe', note: 'Azure Storage keeps the lease across the crash; client-2 waits' },
    'blob-lease+etag': { expected: 'safe', note: 'the lease survives the crash; the ETag is never needed' },
  },
});
