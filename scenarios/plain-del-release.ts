import { ALL_FAULTS } from '../src/faults/model.ts';
import { singleInstance, type Scenario } from '../src/index.ts';

/** DESIGN §7.9: release by plain DEL. */
const scenario: Scenario = {
  name: 'plain-del-release',
  title: 'Release by plain DEL deletes the next holder\'s lock',
  explanation:
    'client-1 finishes its work and releases, but its release is held up in the network for 15 s. Its lease expires; ' +
    'the next holder (client-2 or client-3, whichever wins the key: it depends on the seed) takes the lock. Then ' +
    'client-1\'s release arrives. A plain DEL deletes whatever is under the key, the next holder\'s lock included ' +
    '(the node lane shows it: DELETED client-3\'s key at seed 1), and the third client acquires while that holder is ' +
    'still working. Compare-and-delete (a Lua script that deletes only if the value is the releaser\'s own token) ' +
    'does nothing to a lock that is not yours.',
  tags: ['release', 'network'],
  world: {
    nodes: 1,
    clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 1_000 }, { name: 'client-3', startMs: 1_200 }],
    durationMs: 30_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 1_000, max: 2_000 }, thinkMs: { min: 10, max: 30 } },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'delay', at: 100, from: ['client-1'], to: ['redis-1'], delay: { kind: 'fixed', ms: 15_000 }, durationMs: 2_500 }],
  variants: [
    { name: 'release=del', breaks: ['mutex', 'lost-update'], lock: singleInstance({ release: 'del' }), expected: 'unsafe', note: 'the late DEL removes the next holder\'s lock' },
    { name: 'compare-and-delete', lock: singleInstance(), expected: 'safe', note: 'the late release finds another token and deletes nothing' },
  ],
};

export default scenario;
