import { matrixRow } from './world.ts';

/** The holder's own clock runs slow: it measures its work, and its renewals, late. */
export default matrixRow({
  name: 'matrix-slow-clock',
  title: 'Matrix: the holder\'s clock runs slow',
  explanation:
    'client-1\'s clock runs 30 % slow from the start (a VM whose timers fire late under CPU steal). Its 12-13 s of work ' +
    'by its own clock take 17-19 s of true time, past the 15 s a lease lasts on the service\'s clock. A lock that is ' +
    'taken once and trusted for its TTL breaks; a lease renewed every third of its duration (every 5 s of the slow ' +
    'clock, 7.1 s of true time) never lapses; a database lock has no duration at all.',
  tags: ['clock'],
  faults: () => [{ kind: 'drift', at: 0, process: 'client-1', ppm: -300_000 }],
  cells: {
    redis: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the key expires on redis-1 at 15 s; client-1 writes at 17-19 s of true time' },
    'redis+fencing': { expected: 'safe', note: 'client-2\'s token is higher; the resource refuses the late write' },
    redlock: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'every node expires the key by its own clock; the drift allowance of 1 % does not cover 30 %' },
    'pg-session': { expected: 'safe', note: 'no clock decides an advisory lock' },
    'pg-session+fencing': { expected: 'safe', note: 'no clock decides an advisory lock; the token is never needed' },
    sqlserver: { expected: 'safe', note: 'no clock decides an application lock' },
    'sqlserver+fencing': { expected: 'safe', note: 'no clock decides an application lock; tokens rise with every holder' },
    'blob-lease': { expected: 'safe', note: 'a renewal every 5 s of the slow clock still comes every 7.1 s: the lease never lapses' },
    'blob-lease+etag': { expected: 'safe', note: 'the lease never lapses, and the ETag matches' },
  },
});
