import { redlock, singleInstance, type Scenario } from '../src/index.ts';

/** DESIGN §7.11: fault-free contention. */
const scenario: Scenario = {
  name: 'control',
  title: 'Fault-free contention (the control)',
  explanation:
    'Five clients contend for one lock for a minute with no faults at all. Every lock here should be safe and live; ' +
    'the run reports how many sections completed and how long acquiring took. If a control scenario fails, the ' +
    'problem is in the lock or in locksim, not in the faults.',
  tags: ['control'],
  world: { nodes: 5, clients: 5, durationMs: 60_000 },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 20, max: 80 }, thinkMs: { min: 20, max: 100 } },
  faults: [],
  variants: [
    { name: 'redlock', lock: redlock(), expected: 'safe' },
    { name: 'single-instance', lock: singleInstance(), nodes: ['redis-1'], expected: 'safe' },
  ],
};

export default scenario;
