import { ALL_FAULTS } from '../src/faults/model.ts';
import { lease, singleInstance, type Scenario } from '../src/index.ts';

/** DESIGN §7.8: a client's wall clock stepped back while it holds a lease. */
const scenario: Scenario = {
  name: 'client-clock-step',
  title: 'The holder\'s wall clock is stepped back while it holds the lease',
  explanation:
    'client-1 takes a 10 s lease and starts 12 s of work, watching its lease: it stops the moment its own clock says ' +
    'the lease has expired. Five seconds in, NTP steps its wall clock back by 10 s. If the client measures validity ' +
    'on the wall clock, it now believes it has 10 s more than it has: it keeps working after the key expired, while ' +
    'client-2 holds the lock. Measured on the monotonic clock, which never jumps, the watch fires on time and ' +
    'client-1 stops before client-2 can acquire.',
  tags: ['clock', 'client'],
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 1_000 }], durationMs: 25_000 },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 12_000, max: 12_000 }, thinkMs: { min: 50, max: 100 }, iterations: 1 },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'jump', at: 5_000, process: 'client-1', deltaMs: -10_000 }],
  variants: [
    { name: 'wall-clock', breaks: ['mutex'], lock: lease(singleInstance({ timeSource: 'wall' }), { maxRenewals: 0 }), expected: 'unsafe', note: 'the step back hides 10 s of elapsed time' },
    { name: 'monotonic', lock: lease(singleInstance(), { maxRenewals: 0 }), expected: 'safe', note: 'the monotonic clock does not jump: the lease watch fires in time' },
  ],
};

export default scenario;
