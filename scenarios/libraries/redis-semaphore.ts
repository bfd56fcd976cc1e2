import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { redisSemaphore } from '../../src/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, LIVENESS_BOUND_MS, longWork, nodes, shortWork, world } from './common.ts';

/** redis-semaphore 5 (the published package, unmodified): a pause shorter than the TTL, just before a refresh. */
const scenario: Scenario = {
  name: 'library-redis-semaphore',
  title: 'redis-semaphore (npm, unmodified): a pause shorter than the TTL, just before the refresh',
  explanation:
    'redis-semaphore keeps a lock by refreshing it every 0.8 × lockTimeout (4 s of a 5 s lock) and computes no ' +
    'validity: the holder believes it holds the lock until a refresh says otherwise. client-1 takes the lock at 0 ms ' +
    'for a long job and is paused at 3.5 s for 2 s: shorter than the TTL, but it straddles the refresh. The key ' +
    'expires at 5 s, client-2 (retrying every 10 ms) takes it, and client-1 only learns at 5.5 s, when its late ' +
    'refresh fails and onLockLost fires. Every class breaks the same way; a refresh interval of 1 s leaves 4 s of ' +
    'margin and survives the pause.',
  tags: ['library', 'renewal', 'pause'],
  world,
  workload: { ...shortWork, ...longWork },
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 3_500, process: 'client-1', durationMs: 2_000 }],
  variants: [
    { name: 'Mutex', breaks: ['mutex'], lock: redisSemaphore({ kind: 'Mutex' }), nodes: nodes(1), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'a 2 s pause over the refresh at 4 s lets the 5 s key expire' },
    { name: 'RedlockMutex', breaks: ['mutex'], lock: redisSemaphore({ kind: 'RedlockMutex' }), nodes: nodes(3), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'the same on a quorum of 3 nodes' },
    { name: 'Semaphore', breaks: ['mutex'], lock: redisSemaphore({ kind: 'Semaphore' }), nodes: nodes(1), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'limit 1; entries expire by the acquirer\'s wall clock' },
    { name: 'RedlockSemaphore', breaks: ['mutex'], lock: redisSemaphore({ kind: 'RedlockSemaphore' }), nodes: nodes(3), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'limit 1 on a quorum of 3 nodes' },
    {
      name: 'Mutex(refreshInterval=1000)',
      lock: redisSemaphore({ kind: 'Mutex', options: { refreshInterval: 1_000 } }),
      nodes: nodes(1),
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'safe',
      note: 'refreshed every second, the key has 4 s left when the pause begins',
    },
    {
      name: 'Mutex(short-work)',
      lock: redisSemaphore({ kind: 'Mutex' }),
      nodes: nodes(1),
      workload: shortWork,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'safe',
      note: 'sections of 1-2.5 s: client-1 has released before the pause',
    },
  ],
};

export default scenario;
