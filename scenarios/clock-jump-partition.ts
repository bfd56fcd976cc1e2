import { ALL_FAULTS } from '../src/faults/model.ts';
import { redlock, type Scenario } from '../src/index.ts';

/** DESIGN §7.3: Kleppmann's timeline. */
const scenario: Scenario = {
  name: 'clock-jump-partition',
  title: 'A clock jump on one of five nodes while clients see different majorities',
  explanation:
    'Martin Kleppmann\'s timeline from "How to do distributed locking" (2016). client-1 can reach redis-1, redis-2 and ' +
    'redis-3; client-2 can reach redis-3, redis-4 and redis-5. client-1 locks redis-1..3, a majority. Then redis-3\'s ' +
    'wall clock jumps forward 20 s (an NTP step, an operator) and the key expires there at once: Redis expires keys by ' +
    'the wall clock. client-2 now locks redis-3..5, also a majority. Both hold the lock. Redlock\'s safety rests on ' +
    'clocks that never jump; no check in the client can see a jump on a node.',
  tags: ['clock', 'network', 'kleppmann'],
  world: {
    nodes: 5,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_500 },
    ],
    durationMs: 20_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 5_000, max: 6_000 }, thinkMs: { min: 50, max: 100 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [
    { kind: 'partition', at: 0, groups: [['client-1'], ['redis-4', 'redis-5']], durationMs: 12_000 },
    { kind: 'partition', at: 0, groups: [['client-2'], ['redis-1', 'redis-2']], durationMs: 12_000 },
    { kind: 'jump', at: 1_000, process: 'redis-3', deltaMs: 20_000 },
  ],
  variants: [{ name: 'redlock', breaks: ['mutex', 'lost-update'], lock: redlock(), expected: 'unsafe', note: 'two majorities share redis-3, whose key expired early' }],
};

export default scenario;
