import { matrixRow } from './world.ts';

/** The lock node's wall clock steps forward. */
export default matrixRow({
  name: 'matrix-clock-jump',
  title: 'Matrix: the lock node\'s clock jumps forward',
  explanation:
    'At 2 s the wall clock of the lock node (redis-1; blob-1) steps 20 s forward: an NTP step, an operator. ' +
    'Redis expires keys by its wall clock, and the Blob service ends leases by its own: the lock ends at once on the node ' +
    'while client-1, whose clock did not move, works on. A PostgreSQL advisory lock or a SQL Server application lock has no expiry and its server reads no ' +
    'wall clock for it, so the step does nothing there (the row leaves those columns out). ' +
    'Redlock loses its key on one node of three and keeps its majority.',
  tags: ['clock'],
  faults: (target) => [{ kind: 'jump', at: 2_000, process: target.lockNode, deltaMs: 20_000 }],
  cells: {
    redis: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the key expires at the jump; client-2 takes the lock 13 s early' },
    'redis+fencing': { expected: 'safe', note: 'client-2\'s token is higher; the resource refuses client-1\'s write' },
    redlock: { expected: 'safe', note: 'client-2 gets redis-1 only: one vote of three' },
    'pg-session': { absent: 'an advisory lock ends with its session, and the server times its sessions on its monotonic clock: a wall-clock step does nothing to it' },
    'pg-session+fencing': { absent: 'no clock of the server decides the lock' },
    sqlserver: { absent: 'an application lock ends with its session, and the server does not time its sessions by its wall clock: a wall-clock step does nothing to it' },
    'sqlserver+fencing': { absent: 'as sqlserver: a wall-clock step does nothing to a session or its application lock' },
    'blob-lease': { expected: 'unsafe', breaks: ['mutex'], note: 'the lease ends on the service\'s clock at the jump; client-2 takes it and client-1 learns only at its next renewal' },
    'blob-lease+etag': { expected: 'safe', note: 'the sections overlap until client-1\'s renewal is refused; it stops without writing, and no update is lost' },
  },
});
