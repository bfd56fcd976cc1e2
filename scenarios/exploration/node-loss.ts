import { lease, singleInstance, type Scenario } from '../../src/index.ts';

/**
 * Renewal flaws need a lock that vanishes under a live holder: a node that restarts empty
 * (persistence none). That is outside every single-node lock's model, so all variants are
 * unsafe here; what differs is how long. The correct lease notices at its next renewal
 * (compare-and-pexpire finds another token) and aborts, so the overlap lasts at most a renewal
 * period; a renewal by plain PEXPIRE extends the next holder's key and a renewal that re-creates
 * a missing key hides the loss, so the holder never stops.
 */
const scenario: Scenario = {
  name: 'node-loss',
  title: 'A renewed lease whose key is lost with a node restart (for exploration)',
  explanation:
    'One node without persistence, three clients holding a 2 s lease that renews every third of its TTL while they ' +
    'work for up to 5 s. Exploration draws node crashes and restarts (and pauses). A restart empties the node: the ' +
    'correct lease finds out at its next renewal and stops; the flawed renewals never find out.',
  tags: ['exploration', 'renewal'],
  world: { nodes: [{ name: 'redis-1', persistence: 'none' }], clients: 3, durationMs: 12_000 },
  workload: { resource: 'lock:counter', ttlMs: 2_000, workMs: { min: 1_000, max: 5_000 }, thinkMs: { min: 0, max: 20 } },
  // The hand-written schedule (what `locksim run` replays): the node restarts empty under a holder.
  faults: [
    { kind: 'crash', at: 3_000, process: 'redis-1', restartAfterMs: 10 },
    { kind: 'crash', at: 7_000, process: 'redis-1', restartAfterMs: 10 },
  ],
  explore: { kinds: ['crash', 'pause'], clientFaults: false, maxDwellMs: 500, minDwellMs: 50 },
  variants: [
    { name: 'lease(single-instance)', lock: lease(singleInstance({ retryCount: 100, retryDelayMs: 20, retryJitterMs: 20 })), expected: 'unsafe' },
    { name: 'lease(single-instance(extend=pexpire))', lock: lease(singleInstance({ extend: 'pexpire', retryCount: 100, retryDelayMs: 20, retryJitterMs: 20 })), expected: 'unsafe' },
    { name: 'lease(single-instance,renewal=recreate-missing)', lock: lease(singleInstance({ retryCount: 100, retryDelayMs: 20, retryJitterMs: 20 }), { renewal: 'recreate-missing' }), expected: 'unsafe' },
  ],
};

export default scenario;
