import { lease, redlock, singleInstance, type NodeSpec, type RedlockOptions, type Scenario } from '../../src/index.ts';

// Clients retry eagerly, so that a lock released early (or expired early) is taken at once.
const eager: RedlockOptions = { retryCount: 1_000, retryDelayMs: 20, retryJitterMs: 20 };

// Two of the three node clocks run 0.8 % fast: inside Redlock's 1 % allowance, but not inside none.
const nodes: NodeSpec[] = [
  { name: 'redis-1', persistence: 'aof-always', driftPpm: 8_000 },
  { name: 'redis-2', persistence: 'aof-always', driftPpm: 8_000 },
  { name: 'redis-3', persistence: 'aof-always' },
];

/**
 * Redlock inside its model, for exploration: nodes fsync every write (aof-always), node clocks
 * drift within the 1 % allowance, clients never pause (a pause past the lease breaks every TTL
 * lock: see gc-pause), and every client finishes its work and its write well within the
 * validity it computed. Faults drawn: partitions, message delays, node pauses, node crashes and
 * restarts, node drift within the allowance, and client wall-clock jumps (an algorithm that
 * measures time on the monotonic clock does not see them). The correct Redlock must survive
 * all of it; each deliberate flaw must not.
 *
 * A variant's `expected` is what exploration inside this model concludes (`locksim explore
 * in-model.ts --variant V`; test/explore/flaws.test.ts checks each): `unsafe` for a flaw this
 * model's faults expose (release by plain DEL even with no fault at all, no drift allowance, validity on the wall
 * clock), `safe` for the correct lock and for flaws that need a fault outside this model (their
 * notes say which; other exploration scenarios find them).
 */
const scenario: Scenario = {
  name: 'in-model',
  title: 'Redlock inside its model (for exploration)',
  explanation:
    'Three nodes with AOF always (two of them 0.8 % fast), four clients that finish their work within the validity ' +
    'they computed, no client pauses, node clocks within the drift allowance. Exploration draws partitions, delays, node pauses, crashes and ' +
    'restarts, node drift within 1 % and client clock jumps. The correct Redlock is safe here; each deliberate flaw ' +
    'turns one of these faults into a violation.',
  tags: ['exploration'],
  world: { nodes, clients: 4, durationMs: 12_000 },
  workload: { resource: 'lock:counter', ttlMs: 2_000, workMs: { min: 1_000, max: 3_000 }, thinkMs: { min: 0, max: 20 }, stopAtValidity: { marginMs: 5 } },
  faults: [],
  explore: { kinds: ['partition', 'delay', 'pause', 'crash', 'drift', 'jump'], maxDriftPpm: 2_000, clientFaults: ['jump'], nodeFaults: ['pause', 'crash', 'drift'], resourceFaults: false },
  variants: [
    { name: 'redlock', lock: redlock(eager), expected: 'safe' },
    { name: 'redlock(release=del)', lock: redlock({ ...eager, release: 'del' }), expected: 'unsafe', note: 'a release that lands after the expiry deletes the next holder\'s key; eager clients show it even with no fault' },
    { name: 'redlock(checkValidity=false)', lock: redlock({ ...eager, checkValidity: false }), expected: 'safe', note: 'its flaw needs a client paused while the acquire\'s replies are in flight (pause-in-flight finds it)' },
    { name: 'redlock(driftFactor=0)', lock: redlock({ ...eager, driftFactor: 0 }), expected: 'unsafe', note: 'two node clocks 0.8 % fast expire the key before the validity the client computed without an allowance' },
    { name: 'redlock(releaseOnFailure=false)', lock: redlock({ ...eager, releaseOnFailure: false }), expected: 'safe', note: 'inside the model it costs availability, not safety' },
    { name: 'redlock(timeSource=wall)', lock: redlock({ ...eager, timeSource: 'wall' }), expected: 'unsafe', note: 'a client wall clock stepped back stretches the validity it measures' },
    { name: 'lease(redlock)', lock: lease(redlock(eager)), expected: 'safe' },
    { name: 'lease(redlock(extend=pexpire))', lock: lease(redlock({ ...eager, extend: 'pexpire' })), expected: 'safe', note: 'its flaw needs a key lost under a live holder: a node restarting empty (node-loss finds it)' },
    { name: 'lease(redlock,renewal=recreate-missing)', lock: lease(redlock(eager), { renewal: 'recreate-missing' }), expected: 'safe', note: 'its flaw needs a key lost under a live holder or a holder paused past its lease (node-loss finds it)' },
    { name: 'single-instance', lock: singleInstance(), nodes: ['redis-1'], expected: 'safe' },
  ],
};

export default scenario;
