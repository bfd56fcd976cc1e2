import { ALL_FAULTS } from '../src/faults/model.ts';
import { redlock, type NodeSpec, type Scenario } from '../src/index.ts';

const nodes = (ppm: number): NodeSpec[] => [{ name: 'redis-1', driftPpm: ppm }, { name: 'redis-2', driftPpm: ppm }, { name: 'redis-3' }];
// Clients retry often, so that one is there the moment the fast nodes let the key go.
const eager = redlock({ retryCount: 1_000, retryDelayMs: 20, retryJitterMs: 20 });

/** DESIGN §7.7: clock rate error larger than the drift allowance. */
const scenario: Scenario = {
  name: 'clock-drift',
  title: 'Two of three nodes run fast, beyond the drift allowance',
  explanation:
    'Redlock subtracts a drift allowance from every lease: 1 % of the TTL plus 2 ms. Here two of the three nodes\' ' +
    'clocks run 2 % fast, so a 10 s key expires on them after 9.8 s of real time, while client-1 believes its lease is ' +
    'valid for about 9.9 s. In that gap the other clients, retrying eagerly, find a majority free and take the lock ' +
    'while client-1 is still working within the validity it computed. With the nodes 0.5 % fast the error stays ' +
    'within the allowance and the lock holds. The allowance is an assumption about clocks, not a measurement.',
  tags: ['clock', 'redlock'],
  world: { nodes: nodes(20_000), clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 500 }, { name: 'client-3', startMs: 700 }], durationMs: 12_000 },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 9_850, max: 9_870 }, thinkMs: { min: 10, max: 20 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [],
  variants: [
    { name: 'drift-2%', breaks: ['mutex'], lock: eager, expected: 'unsafe', note: '2 % fast on a majority: keys expire ~100 ms before the holder\'s validity ends' },
    { name: 'drift-0.5%', lock: eager, world: { nodes: nodes(5_000) }, expected: 'safe', note: '0.5 % is within the 1 % allowance' },
  ],
};

export default scenario;
