import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { sesamecareRedlock } from '../../src/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, fixedDelayWorld, LIVENESS_BOUND_MS, nodes, shortWork } from './common.ts';

/**
 * @sesamecare-oss/redlock 1.4.0 (the maintained fork of redlock 5, unmodified): `using()` aborts
 * its routine only after the failed extension's retries, and `acquire` on an even number of
 * nodes can wait forever.
 */
const scenario: Scenario = {
  name: 'library-sesamecare-redlock',
  title: '@sesamecare-oss/redlock (npm, unmodified): using() aborts after the retries; a 1-1 split on 2 nodes never returns',
  explanation:
    'using-cut-off: client-1 holds the lock with `using()` on 3 nodes for an 8-9 s routine. At 4 s redis-2 and redis-3 ' +
    'stop receiving from it (a one-way cut, 4 s). At 4.45 s `using` calls `extend()` (500 ms before the expiration, ' +
    '`queue()` in src/index.ts): redis-1 votes for, redis-2 and redis-3 time out after the 1 s command timeout, and ' +
    '`_attemptOperation` resolves "against"; `_execute` then retries 10 more times (retryDelay 200 ± 100 ms, each ' +
    'attempt again 1 s), and only when `extend()` finally throws does `using` compare the expiration with `Date.now()` ' +
    'and abort the signal (`if (context.lock.expiration > Date.now()) return (extension = extend())`, else ' +
    '`controller.abort()`): the retries last until about 14 s. The lock expired at 4.95 s; client-2 takes redis-2 and ' +
    'redis-3 (a quorum) at about 5.1 s, the routine runs to its end at 8-9 s with its signal never aborted, and ' +
    'client-1\'s write then and client-2\'s later one, based on a read made before it, lose an update. ' +
    'acquire-2-nodes-split: both clients start at once; client-1\'s script reaches redis-1 first, client-2\'s reaches ' +
    'redis-2 first. Each gets one "yes" and one "no" (ResourceLockedError): with 2 nodes the quorum is 2 for and 2 ' +
    'against, `_attemptOperation` resolves on neither, and its promise never settles, so `acquire` never returns (no ' +
    'retry, no error, for ever), as in redlock 5.0.0-beta.2. The simulated client answers every command (no fault ' +
    'drops anything here), so this is the library\'s vote counting, not a lost reply.',
  tags: ['library', 'redlock', 'renewal', 'liveness'],
  world: fixedDelayWorld,
  workload: shortWork,
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'cut', at: 4_000, from: ['client-1'], to: ['redis-2', 'redis-3'], mode: 'drop', durationMs: 4_000 }],
  variants: [
    {
      name: 'using-cut-off',
      breaks: ['mutex', 'lost-update'],
      lock: sesamecareRedlock({ mode5: 'using' }),
      nodes: nodes(3),
      workload: { workMs: { min: 8_000, max: 9_000 } },
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'unsafe',
      note: 'the extension fails from 4.45 s; the signal would abort only after its 11 attempts, at about 14 s',
    },
    {
      name: 'acquire-2-nodes-split',
      breaks: ['liveness'],
      lock: sesamecareRedlock(),
      nodes: nodes(2),
      world: { clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 0 }] },
      faults: [
        { kind: 'delay', at: 0, from: ['client-1'], to: ['redis-2'], delay: { kind: 'fixed', ms: 8 } },
        { kind: 'delay', at: 0, from: ['client-2'], to: ['redis-1'], delay: { kind: 'fixed', ms: 8 } },
      ],
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'stuck',
      note: 'one vote for and one against each: neither quorum of 2 is reached and acquire never returns',
    },
  ],
};

export default scenario;
