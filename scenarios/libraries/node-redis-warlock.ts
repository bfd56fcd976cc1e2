import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { nodeRedisWarlock } from '../../src/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, LIVENESS_BOUND_MS, nodes, shortWork, world } from './common.ts';

/** node-redis-warlock 1.0.2 (the published package, unmodified): a renewal that failed reports success. */
const scenario: Scenario = {
  name: 'library-node-redis-warlock',
  title: 'node-redis-warlock (npm, unmodified): a touch that timed out reports success',
  explanation:
    'node-redis-warlock runs its unlock and touch scripts through node-redis-script\'s `createScript`, whose ' +
    '`runScript` catches the EVALSHA\'s error and handles only NOSCRIPT (load the script, retry): any other error is ' +
    'dropped and `runScript` resolves `undefined`, so `warlock.touch` calls back `(null, undefined)` and ' +
    '`warlock.unlock` `(null, undefined)`. client-1 takes the lock (one node, 5 s TTL) for a 6-8 s job and renews it ' +
    'with `touch` every 2 s, treating an error or the script\'s 0 as a lost lock, as the README\'s ' +
    '`touch(key, id, ttl, function (err) {})` suggests. At 1.5 s its messages to redis-1 start being dropped, for 5 s: ' +
    'the touches at 2 s and 4 s time out after 1 s, and each reports success. The key expires at 5 s, client-2 takes ' +
    'it, and client-1 works on until its section ends or its first touch after the fault (script answer 0) says ' +
    'the lock is lost: two holders, and an update lost. A caller that also treats anything but the script\'s "OK" ' +
    'as a failure (`check: result`) sees the first timeout as a lost lock and stops at 3 s: safe. A failed unlock ' +
    'reporting success is harmless here: the key just lives until its TTL.',
  tags: ['library', 'renewal', 'error-handling'],
  world,
  workload: { ...shortWork, workMs: { min: 6_000, max: 8_000 } },
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'cut', at: 1_500, from: ['client-1'], to: ['redis-1'], mode: 'drop', durationMs: 5_000 }],
  variants: [
    {
      name: 'touch',
      breaks: ['mutex', 'lost-update'],
      lock: nodeRedisWarlock({ touchEveryMs: 2_000 }),
      nodes: nodes(1),
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'unsafe',
      note: 'the touches that timed out report success; the key expires under the holder',
    },
    {
      name: 'touch(check=result)',
      lock: nodeRedisWarlock({ touchEveryMs: 2_000, check: 'result' }),
      nodes: nodes(1),
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'safe',
      note: 'an undefined result is taken as a failure: the holder stops at the first timed-out touch',
    },
  ],
};

export default scenario;
