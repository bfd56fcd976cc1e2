import { ALL_FAULTS } from '../src/faults/model.ts';
import { fencing, redlock, singleInstance, type Scenario } from '../src/index.ts';

const ttlMs = 10_000;

/** DESIGN §7.1: a holder paused longer than its lease. */
const scenario: Scenario = {
  name: 'gc-pause',
  title: 'Holder paused longer than its lease (stop-the-world GC)',
  explanation:
    'client-1 acquires the lock, reads the counter, and is then frozen for 15 s by a stop-the-world pause. ' +
    'Its 10 s lease expires on the Redis nodes while it is frozen, so client-2 acquires the lock and works. ' +
    'When client-1 resumes it does not know time passed: it finishes its read-modify-write with a stale value, ' +
    'inside client-2\'s critical section. No TTL lock can prevent this, Redlock included: the check of the ' +
    'lease happens before the pause. Only the resource can: with fencing tokens it refuses the stale write.',
  tags: ['pause', 'fencing', 'kleppmann'],
  world: {
    nodes: 5,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 30_000,
  },
  workload: { resource: 'lock:counter', ttlMs, workMs: { min: 200, max: 400 }, thinkMs: { min: 50, max: 150 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 15_000 }],
  variants: [
    { name: 'single-instance', breaks: ['mutex', 'lost-update'], lock: singleInstance(), nodes: ['redis-1'], expected: 'unsafe', note: 'the lease expires during the pause; the write lands in the next holder\'s section' },
    { name: 'redlock', breaks: ['mutex', 'lost-update'], lock: redlock(), expected: 'unsafe', note: 'Redlock checks elapsed time before the pause, not after: nothing it measures can see it' },
    { name: 'single-instance+fencing', lock: fencing(singleInstance()), nodes: ['redis-1'], resource: 'fenced', expected: 'safe', note: 'fencing works with a single node too' },
    { name: 'redlock+fencing', lock: fencing(redlock()), resource: 'fenced', expected: 'safe', note: 'the resource refuses the write whose token is lower than one it has seen' },
  ],
};

export default scenario;
