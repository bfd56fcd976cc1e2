import { ALL_FAULTS } from '../src/faults/model.ts';
import { redlock, type Fault, type NodeSpec, type Scenario } from '../src/index.ts';

const nodes = (persistence: NodeSpec['persistence']): NodeSpec[] =>
  ['redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5'].map((name) => ({ name, persistence }));

const partitions: Fault[] = [
  { kind: 'partition', at: 0, groups: [['client-1'], ['redis-4', 'redis-5']], durationMs: 15_000 },
  { kind: 'partition', at: 0, groups: [['client-2'], ['redis-1', 'redis-2']], durationMs: 15_000 },
];

/** DESIGN §7.4: a node crashes and restarts without the lock. */
const scenario: Scenario = {
  name: 'node-restart',
  title: 'A node crashes and restarts without the key',
  explanation:
    'client-1 holds the lock on redis-1..3 (it cannot reach redis-4 and redis-5). redis-3 crashes 800 ms later and ' +
    'restarts at once. Without persistence it comes back empty; with AOF everysec a killed process loses nothing (its ' +
    'writes were already with the kernel), but a power loss loses what was written since the last fsync, the lock ' +
    'included. client-2, which reaches redis-3..5, now gets a majority: two holders. With AOF ' +
    'always (fsync before every reply) the key survives the crash. Or the node can wait longer than the TTL before it ' +
    'rejoins (the "delayed restart" the Redis author recommends): by then every lock it knew of has expired.',
  tags: ['crash', 'persistence', 'antirez'],
  world: {
    nodes: nodes('none'),
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_500 },
    ],
    durationMs: 20_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 5_000, max: 6_000 }, thinkMs: { min: 50, max: 100 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [...partitions, { kind: 'crash', at: 800, process: 'redis-3', restartAfterMs: 0 }],
  variants: [
    { name: 'persistence-none', breaks: ['mutex', 'lost-update'], lock: redlock(), expected: 'unsafe', note: 'redis-3 restarts empty' },
    {
      name: 'aof-everysec',
      breaks: ['mutex', 'lost-update'],
      lock: redlock(),
      world: { nodes: nodes('aof-everysec') },
      faults: [...partitions, { kind: 'crash', at: 800, process: 'redis-3', restartAfterMs: 0, machine: true }],
      expected: 'unsafe',
      note: 'a power loss: the lock was written less than a second before it, not yet fsynced',
    },
    {
      name: 'aof-everysec-process-crash',
      lock: redlock(),
      world: { nodes: nodes('aof-everysec') },
      expected: 'safe',
      note: 'a killed redis-server loses nothing it handed to the kernel: only a machine crash loses the unsynced second',
    },
    { name: 'aof-always', lock: redlock(), world: { nodes: nodes('aof-always') }, expected: 'safe', note: 'every acknowledged write survives' },
    {
      name: 'delayed-restart',
      lock: redlock(),
      faults: [...partitions, { kind: 'crash', at: 800, process: 'redis-3', restartAfterMs: 12_000 }],
      expected: 'safe',
      note: 'redis-3 stays down longer than the TTL; when it returns, the lock it lost has expired everywhere',
    },
  ],
};

export default scenario;
