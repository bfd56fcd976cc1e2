import { ALL_FAULTS } from '../src/faults/model.ts';
import { fencing, singleInstance, type NodeSpec, type Scenario } from '../src/index.ts';

/** redis-1 holds the lock; redis-2 holds the fencing token counter, with the given persistence. */
const nodes = (counter: NodeSpec['persistence']): NodeSpec[] => [
  { name: 'redis-1', persistence: 'aof-always' },
  { name: 'redis-2', persistence: counter },
];

/** Issue #14 / #23: the fencing token counter goes back when its node restarts empty. */
const scenario: Scenario = {
  name: 'fencing-regression',
  title: 'The fencing token counter restarts from zero',
  explanation:
    'Three clients take turns on a single-instance lock on redis-1, each write fenced with a token that the fencing ' +
    'wrapper INCRs on redis-2. The lock itself is fine: one holder at a time. At 3 s redis-2 crashes and restarts at ' +
    'once. Without persistence it comes back empty, so the counter starts again at 1 and hands out tokens that earlier ' +
    'leases already had. The resource has seen a higher token, so it refuses the writes of the rightful holder (and a ' +
    'reused token could pass for an old holder\'s): the safeguard has turned against the lock. The token checks flag ' +
    'the reused tokens, the grants that went back and the current holder\'s refused writes. With AOF always on the ' +
    'counter\'s node, every INCR is on disk before it is answered and the counter never goes back.',
  tags: ['crash', 'persistence', 'fencing'],
  world: {
    nodes: nodes('none'),
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 300 },
      { name: 'client-3', startMs: 600 },
    ],
    durationMs: 8_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 200, max: 400 }, thinkMs: { min: 50, max: 150 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'crash', at: 3_000, process: 'redis-2', restartAfterMs: 0 }],
  variants: [
    {
      name: 'persistence-none', breaks: ['token-reused', 'holder-refused'],
      lock: fencing(singleInstance(), { node: 1 }),
      nodes: ['redis-1', 'redis-2'],
      resource: 'fenced',
      expected: 'unsafe',
      note: 'the counter restarts at 1: tokens are handed out twice and the current holder\'s writes are refused',
    },
    {
      name: 'aof-always',
      lock: fencing(singleInstance(), { node: 1 }),
      nodes: ['redis-1', 'redis-2'],
      resource: 'fenced',
      world: { nodes: nodes('aof-always') },
      expected: 'safe',
      note: 'every INCR is fsynced before its reply: the counter survives the crash',
    },
  ],
};

export default scenario;
