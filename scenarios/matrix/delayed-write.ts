import { matrixRow } from './world.ts';

/** The holder's write held up in the network on its way to the data. */
export default matrixRow({
  name: 'matrix-delayed-write',
  title: 'Matrix: the holder\'s write delayed on its way to the resource',
  explanation:
    'client-1 sends its write at 12-13 s, inside its lease, and the network holds it for 20 s on its way to the data ' +
    '(the resource process; the counter blob for the ETag column). client-1 waits for the answer. A lease that nobody ' +
    'renews runs out meanwhile and client-2 writes first; then the old write lands. A lock that lives as long as its ' +
    'holder (a session, a renewed lease) is still held while the write is in flight.',
  tags: ['network'],
  faults: (target) => [{ kind: 'delay', at: 11_000, from: ['client-1'], to: [target.dataAt], delay: { kind: 'fixed', ms: 20_000 }, durationMs: 3_000 }],
  cells: {
    redis: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the key expires while the write is in flight; it lands over client-2\'s update' },
    'redis+fencing': { expected: 'safe', note: 'the resource has seen client-2\'s higher token and refuses the late write' },
    redlock: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the write was valid when it left: no check on the client can catch it' },
    'pg-session': { expected: 'safe', note: 'client-1 holds the session lock until its write is answered; client-2 waits' },
    'pg-session+fencing': { expected: 'safe', note: 'the lock is held until the write is answered; the token is never needed' },
    sqlserver: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'while the write is delayed the holder\'s connection sits idle in mssql\'s pool, which closes it after 30 s (idleTimeoutMillis): the session ends, its lock goes to client-2, and the holder is not told' },
    'sqlserver+fencing': { expected: 'safe', note: 'client-2\'s token is higher; the resource refuses the delayed write' },
    'blob-lease': { expected: 'safe', note: 'client-1 renews while it waits for the answer: the lease never lapses' },
    'blob-lease+etag': { expected: 'safe', note: 'the renewals share the held-up link to blob-1, so the lease lapses and client-2 takes it; the old write lands, and the ETag refuses client-2\'s write, whose read came before it' },
  },
});
