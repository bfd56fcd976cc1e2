import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { redlockUniversal } from '../../src/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, LIVENESS_BOUND_MS, longWork, nodes, shortWork, world } from './common.ts';

const lock = redlockUniversal();
const usingLock = redlockUniversal({ mode5: 'using' });

/**
 * redlock-universal 0.8.5 over node-redis clients (the published package and node-redis's
 * client shape, unmodified): a holder paused past its lease, the in-model schedule, and what its
 * elapsed-time check on the wall clock lets through.
 */
const scenario: Scenario = {
  name: 'library-redlock-universal',
  title: 'redlock-universal 0.8.5 over node-redis (npm, unmodified): unsafe under a stop-the-world pause, safe inside its model',
  explanation:
    'redlock-universal\'s RedLock (dist/index.cjs) sends SET NX PX to every node at once (each with a 5 s operation ' +
    'timeout), waits for all, and accepts a quorum only if `Date.now() - startTime` plus the drift allowance ' +
    '(ttl x 0.01 + 2 ms) is under the TTL: Redlock\'s elapsed-time check. Here it runs over node-redis clients (its ' +
    'NodeRedisAdapter: SCRIPT LOAD, then EVALSHA with a NOSCRIPT retry). gc-pause: client-1 is paused at 0.5 s for 6 s ' +
    'inside its section, past its 5 s keys; client-2 takes the lock and client-1 resumes and writes: unsafe, as for any ' +
    'lock without fencing. in-model: a node pause, a cut, a client crash and node drift within the allowance: safe. ' +
    'slow-replies: client-1\'s first acquire gets its replies 4.9 s late; the check refuses the quorum (and releases ' +
    'the partial keys): safe. The check reads the wall clock, not a monotonic one; docs/libraries.md says what that ' +
    'leaves to the caller.',
  tags: ['library', 'redlock', 'clock'],
  world,
  workload: shortWork,
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 500, process: 'client-1', durationMs: 6_000 }],
  variants: [
    { name: 'gc-pause', breaks: ['mutex', 'lost-update'], lock, nodes: nodes(3), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'a 6 s pause of the holder outlives the 5 s keys' },
    {
      name: 'in-model',
      lock,
      nodes: nodes(3),
      faults: [
        { kind: 'drift', at: 0, process: 'redis-2', ppm: 8_000 },
        { kind: 'pause', at: 1_200, process: 'redis-1', durationMs: 2_000 },
        { kind: 'cut', at: 8_000, from: ['client-1'], to: ['redis-3'], mode: 'drop', durationMs: 3_000 },
        { kind: 'crash', at: 15_000, process: 'client-1', restartAfterMs: 1_000 },
      ],
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'safe',
      note: 'a node pause, a cut, a client crash and node drift within the allowance',
    },
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
