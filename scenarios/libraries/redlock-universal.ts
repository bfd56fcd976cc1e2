import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { redlockUniversal } from '../../src/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, LIVENESS_BOUND_MS, longWork, nodes, shortWork, world } from './common.ts';
import { pauseAndInModelVariants } from './single-instance-page.ts';

const lock = redlockUniversal();
const usingLock = redlockUniversal({ mode5: 'using' });

/**
 * redlock-universal 0.8.5 over node-redis clients (the published package and node-redis's
 * client shape, unmodified): a holder paused past its lease, the in-model schedule, and using()
 * after a slow acquire.
 */
const scenario: Scenario = {
  name: 'library-redlock-universal',
  title: 'redlock-universal 0.8.5 over node-redis (npm, unmodified): using() times its first extension from the reply; safe inside its model otherwise',
  explanation:
    'redlock-universal\'s RedLock (dist/index.cjs) sends SET NX PX to every node at once (each with a 5 s operation ' +
    'timeout), waits for all, and accepts a quorum only if `Date.now() - startTime` plus the drift allowance ' +
    '(ttl x 0.01 + 2 ms) is under the TTL: Redlock\'s elapsed-time check. Here it runs over node-redis clients (its ' +
    'NodeRedisAdapter: SCRIPT LOAD, then EVALSHA with a NOSCRIPT retry). gc-pause: client-1 is paused at 0.5 s for 6 s ' +
    'inside its section, past its 5 s keys; client-2 takes the lock and client-1 resumes and writes: unsafe, as for any ' +
    'lock without fencing. in-model (the single-instance pages\' schedule, on redis-1): a node pause, a cut, a client ' +
    'crash and node drift within the allowance: safe. ' +
    'using: sections of 5-8 s inside `lock.using()`, whose auto-extension keeps the keys: safe. using-slow-acquire: the ' +
    'replies to client-1\'s first acquire come 4 s late (accepted: 4 s + 52 ms is under the 5 s TTL, so the keys have ' +
    '0.95 s left); `executeWithAutoExtension` times the first extension from the handle\'s `acquiredAt` (the reply), at ' +
    'acquiredAt + ttl - 0.2 x ttl = 8 s; the keys expire at 5 s, client-2 takes the lock at 5.05 s, and client-1\'s ' +
    'routine runs on, its signal untouched, until the extension finds client-2\'s key at 8 s: unsafe.',
  tags: ['library', 'redlock', 'renewal'],
  world,
  workload: shortWork,
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 500, process: 'client-1', durationMs: 6_000 }],
  variants: [
    ...pauseAndInModelVariants(lock, nodes(3)),
    { name: 'using', lock: usingLock, nodes: nodes(3), workload: { ...longWork, stopAtValidity: undefined }, faults: [], commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'safe', note: 'sections longer than the TTL: the auto-extension keeps the keys' },
    {
      name: 'using-slow-acquire',
      breaks: ['mutex'],
      lock: usingLock,
      nodes: nodes(3),
      workload: { ...longWork, stopAtValidity: undefined },
      faults: [{ kind: 'delay', at: 0, from: ['redis-1', 'redis-2', 'redis-3'], to: ['client-1'], delay: { kind: 'fixed', ms: 4_000 }, durationMs: 1_000 }],
      // No client command timeout: the library's own (5 s per operation) decides, as by default.
      expected: 'unsafe',
      note: 'the first extension is timed from the reply (acquiredAt), 4 s after the keys were set',
    },
  ],
};

export default scenario;
