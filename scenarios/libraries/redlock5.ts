import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { redlock5 } from '../../src/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, IN_FLIGHT_PAUSE_MS, LIVENESS_BOUND_MS, pauseInFlightWorld, REPLIES_IN_FLIGHT_AT_MS, longWork, nodes, shortWork } from './common.ts';

const acquire = redlock5();
const using = redlock5({ mode5: 'using' });

/** redlock 5.0.0-beta.2 (the published package, unmodified) under the same pause as library-redlock4. */
const scenario: Scenario = {
  name: 'library-redlock5',
  title: 'redlock 5 beta (npm, unmodified): pause while the acquire replies are in flight',
  explanation:
    'The same fault as library-redlock4: client-1 is paused at 310 ms, for 8 s, with its "yes" replies in flight. ' +
    'redlock 5.0.0-beta.2 resolves `acquire` as soon as a quorum voted for it and returns a lock whose ' +
    '`expiration` (start + duration - drift) has long passed, without comparing it with the clock, as redlock 4 ' +
    'did: client-1 believes it holds a lock client-2 holds. With `using`, the automatic extension finds the lock ' +
    'expired 1 ms later and aborts the signal, so the overlap is short and nothing is written, but the routine ' +
    'was started while another client held the lock. With an ioredis `commandTimeout` of 1 s the same pause is ' +
    'harmless, by luck of the event loop rather than by design: a Node process resumed after a pause fires its ' +
    'expired timers before it reads its sockets, so every command times out before its late "yes" is read.',
  tags: ['library', 'redlock', 'pause'],
  world: pauseInFlightWorld,
  workload: shortWork,
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: REPLIES_IN_FLIGHT_AT_MS, process: 'client-1', durationMs: IN_FLIGHT_PAUSE_MS }],
  variants: [
    { name: 'acquire-3-nodes', breaks: ['mutex', 'lost-update'], lock: acquire, nodes: nodes(3), expected: 'unsafe', note: 'acquire does not check the expiration after the replies' },
    { name: 'acquire-2-nodes', breaks: ['mutex', 'lost-update'], lock: acquire, nodes: nodes(2), expected: 'unsafe', note: 'as with 3 nodes' },
    { name: 'using-3-nodes', breaks: ['mutex'], lock: using, nodes: nodes(3), workload: longWork, expected: 'unsafe', note: 'the routine starts on an expired lock; the extension aborts it 1 ms later' },
    { name: 'using-1-node', breaks: ['mutex'], lock: using, nodes: nodes(1), workload: longWork, expected: 'unsafe', note: 'as with 3 nodes' },
    { name: 'acquire-3-nodes-commandTimeout-1s', lock: acquire, nodes: nodes(3), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'safe', note: 'the expired 1 s command timeouts fire before the late replies are read: acquire fails and retries' },
  ],
};

export default scenario;
