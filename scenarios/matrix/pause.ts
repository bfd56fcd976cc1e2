import { matrixRow } from './world.ts';

/** The holder paused past its lease: a stop-the-world GC. */
export default matrixRow({
  name: 'matrix-pause',
  title: 'Matrix: the holder paused past its lease',
  explanation:
    'client-1 takes the lock, reads the counter and is frozen at 2 s for 20 s (a stop-the-world pause), longer than ' +
    'the 15 s lease. What happens while it sleeps is up to the lock service: a lease runs out on the service\'s clock and ' +
    'client-2 takes the lock; a database session lives on, because the paused client\'s host still answers the server\'s ' +
    'keepalive probes. At resume client-1 finishes its read-modify-write as if no time had passed.',
  tags: ['pause'],
  faults: () => [{ kind: 'pause', at: 2_000, process: 'client-1', durationMs: 20_000 }],
  cells: {
    redis: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the key expires during the pause; client-1 writes a stale value inside client-2\'s section' },
    'redis+fencing': { expected: 'safe', note: 'client-2\'s token is higher; the resource refuses client-1\'s late write' },
    redlock: { expected: 'unsafe', breaks: ['mutex', 'lost-update'], note: 'the key expires on every node alike: nothing Redlock measures before the pause can see it' },
    'pg-session': { expected: 'safe', note: 'the paused client\'s host answers keepalive probes: the session, and the lock, outlive the pause; client-2 waits' },
    'pg-session+fencing': { expected: 'safe', note: 'the session outlives the pause; the token is never needed' },
    sqlserver: { expected: 'safe', note: 'the paused client\'s host answers the keep-alive probes: the session, and the application lock, outlive the pause; client-2 waits' },
    'sqlserver+fencing': { expected: 'safe', note: 'the session outlives the pause; tokens rise with every holder' },
    'blob-lease': { expected: 'unsafe', breaks: ['mutex'], note: 'no renewal during the pause: the lease runs out and client-2 takes it; client-1 sees at resume that its validity passed, but its section overlapped client-2\'s' },
    'blob-lease+etag': { expected: 'safe', note: 'the sections overlap (this column is judged on the data), but client-1 sees at resume that its lease is gone and writes nothing' },
  },
});
