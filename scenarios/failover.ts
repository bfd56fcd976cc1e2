import { ALL_FAULTS } from '../src/faults/model.ts';
import { fencing, singleInstance, type Scenario } from '../src/index.ts';

/** DESIGN §7.5: failover of a single master with an asynchronous replica. */
const scenario: Scenario = {
  name: 'failover',
  title: 'Failover to an asynchronous replica that had not received the lock',
  explanation:
    'One Redis primary with an asynchronous replica, as Sentinel runs it. client-1 takes the lock on the primary; ' +
    'replication is slow at that moment, so the replica has not seen the key when the primary dies. Sentinel promotes ' +
    'the replica and client-2 takes the lock from it: two holders. Fencing tokens do not save this design when the ' +
    'token counter lives on the same failing-over Redis: the INCR was not replicated either, so client-2 gets the same ' +
    'token as client-1 and the resource cannot tell them apart.',
  tags: ['crash', 'replication', 'fencing'],
  world: {
    nodes: [{ name: 'redis-1' }, { name: 'redis-1-replica', replicaOf: 'redis-1' }],
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_500 },
    ],
    durationMs: 15_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 3_000, max: 4_000 }, thinkMs: { min: 50, max: 100 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [
    { kind: 'delay', at: 0, from: ['redis-1'], to: ['redis-1-replica'], delay: { kind: 'fixed', ms: 2_000 }, durationMs: 5_000 },
    { kind: 'crash', at: 500, process: 'redis-1' },
    { kind: 'failover', at: 600, replica: 'redis-1-replica' },
  ],
  variants: [
    { name: 'single-instance', breaks: ['mutex', 'lost-update'], lock: singleInstance(), nodes: ['redis-1'], expected: 'unsafe', note: 'the promoted replica never saw the key' },
    { name: 'single-instance+fencing', breaks: ['token-reused', 'holder-refused'], lock: fencing(singleInstance()), nodes: ['redis-1'], resource: 'fenced', expected: 'unsafe', note: 'the token counter regressed with the failover: both holders carry token 1' },
  ],
};

export default scenario;
