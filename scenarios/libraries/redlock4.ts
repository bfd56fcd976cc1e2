import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { redlock4 } from '../../src/libraries/index.ts';
import { IN_FLIGHT_PAUSE_MS, LIVENESS_BOUND_MS, pauseInFlightWorld, REPLIES_IN_FLIGHT_AT_MS, nodes, shortWork } from './common.ts';

const lock = redlock4();

/** redlock 4.2.0 (the published package, unmodified) under the pause that its elapsed-time check exists for. */
const scenario: Scenario = {
  name: 'library-redlock4',
  title: 'redlock 4 (npm, unmodified): pause while the acquire replies are in flight',
  explanation:
    'The published redlock 4.2.0 runs in each client, on that client\'s own simulated clock. client-1 sends its lock ' +
    'script to every node (an EVALSHA, then the EVAL after NOSCRIPT) and is paused at 310 ms, for 8 s, with every "yes" ' +
    'still in flight; its 5 s keys ' +
    'expire and client-2 takes the lock. When client-1 resumes, redlock 4 compares `start + ttl - drift` with ' +
    '`Date.now()` after the last reply, finds the lock expired, unlocks and retries: safe, with any number of nodes. ' +
    'The even variant (2 nodes, quorum 2) is as safe here; it only loses availability when one node is down.',
  tags: ['library', 'redlock', 'pause'],
  world: pauseInFlightWorld,
  workload: shortWork,
  livenessBoundMs: LIVENESS_BOUND_MS,
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: REPLIES_IN_FLIGHT_AT_MS, process: 'client-1', durationMs: IN_FLIGHT_PAUSE_MS }],
  variants: [
    { name: '3-nodes', lock, nodes: nodes(3), expected: 'safe', note: 'the validity check after the last reply refuses the expired lock' },
    { name: '5-nodes', lock, nodes: nodes(5), expected: 'safe', note: 'as with 3 nodes' },
    { name: '2-nodes', lock, nodes: nodes(2), expected: 'safe', note: 'an even number of nodes: quorum 2 of 2' },
    { name: '1-node', lock, nodes: nodes(1), expected: 'safe', note: 'the check works with one node too' },
  ],
};

export default scenario;
