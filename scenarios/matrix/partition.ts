import { matrixRow } from './world.ts';

/** The holder cut off from its lock service while it works. */
export default matrixRow({
  name: 'matrix-partition',
  title: 'Matrix: the holder cut off from the lock service while it works',
  explanation:
    'client-1 takes the lock and, at 0.5 s, is cut off from every node of its lock service for 20 s while it works 12-13 s; ' +
    'the resource is still reachable. A lease promises the holder its 15 s whether or not it can be reached, so the ' +
    'holder finishes well inside it. A database session does not: the server gives up on the silent client after 5 s ' +
    'and 3 unanswered keepalive probes (about 8 s after the cut), ends its session, and grants the lock to client-2, ' +
    'while client-1, which heard nothing, works on.',
  tags: ['network'],
  faults: (target) => [{ kind: 'partition', at: 500, groups: [['client-1'], [...target.lockNodes]], durationMs: 20_000 }],
  cells: {
    redis: { expected: 'safe', note: 'the key lives its 15 s on redis-1 whether or not client-1 can reach it; client-1 writes at 12-13 s' },
    'redis+fencing': { expected: 'safe', note: 'as without tokens: the lease was never shorter than the work' },
    redlock: { expected: 'safe', note: 'the keys live their 15 s on all three nodes; the release waits for the heal' },
    'pg-session': { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the server ends the silent session about 8 s after the cut and grants the lock to client-2; client-1 writes at 12-13 s' },
    'pg-session+fencing': { expected: 'safe', note: 'client-2\'s nextval token is higher; the resource refuses client-1\'s write' },
    sqlserver: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'Keep Alive (5 s + 3 probes here, as PostgreSQL\'s) ends the silent session about 8 s after the cut and grants the lock to client-2; client-1 writes at 12-13 s' },
    'sqlserver+fencing': { expected: 'safe', note: 'client-2\'s NEXT VALUE FOR token is higher; the resource refuses client-1\'s late write' },
    'blob-lease': { expected: 'safe', note: 'the renewals go unanswered, but the lease runs its 15 s on the service and client-1 writes inside it' },
    'blob-lease+etag': { expected: 'safe', note: 'the counter blob is cut off too: client-1\'s write lands after the heal, inside client-2\'s section, and the ETag then refuses client-2\'s write, whose read came before it' },
  },
});
