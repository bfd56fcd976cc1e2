import { ALL_FAULTS } from '../src/faults/model.ts';
import { lease, singleInstance, type Scenario } from '../src/index.ts';

const renewing = lease(singleInstance());

/** DESIGN §7.10: auto-renewal whose failure is noticed too late. */
const scenario: Scenario = {
  name: 'renewal-too-late',
  title: 'Auto-renewal fails and the holder notices too late',
  explanation:
    'client-1 holds a lease that renews itself every third of its TTL while it does a long job. At 2 s the network ' +
    'cuts it off from Redis: renewals fail, and the key expires at 10 s. If the job only looks at the lease when it ' +
    'is done, it writes at 15 s, inside client-2\'s critical section. When the job listens to the lease\'s abort ' +
    'signal it stops at the first failed renewal, seconds before the key expires, and nothing overlaps.',
  tags: ['renewal', 'network'],
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 1_000 }], durationMs: 30_000 },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 15_000, max: 15_000 }, thinkMs: { min: 50, max: 100 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'partition', at: 2_000, groups: [['client-1'], ['redis-1']], durationMs: 20_000 }],
  variants: [
    { name: 'signal-ignored', breaks: ['mutex', 'lost-update'], lock: renewing, workload: { watchLeaseSignal: false }, expected: 'unsafe', note: 'the job never hears that the lease was lost' },
    { name: 'abort-signal', lock: renewing, expected: 'safe', note: 'the job stops at the first failed renewal' },
  ],
};

export default scenario;
