import { redlock, singleInstance, type Scenario } from '../src/index.ts';

/** DESIGN §7.2: a pause while the acquire's replies are in flight. */
const scenario: Scenario = {
  name: 'pause-in-flight',
  title: 'Pause while the acquire replies are in flight',
  explanation:
    'client-1 sends SET NX PX to every node; all say yes, but before the replies reach it client-1 is paused for 15 s. ' +
    'The keys expire while it sleeps and client-2 takes the lock. When client-1 resumes, the "yes" replies arrive. ' +
    'Redlock measures the time elapsed since it started and finds the validity (ttl - elapsed - drift) negative: it ' +
    'gives up and cleans up. This is the failure the elapsed-time check exists for (the Redis author\'s side of the ' +
    '2016 debate). A lock that trusts the replies without that check, like a plain SET NX PX lock, believes it ' +
    'holds a lock that expired long ago.',
  tags: ['pause', 'redlock-check', 'antirez'],
  world: {
    nodes: 5,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    // A fixed 5 ms delay makes "the replies are in flight" a wide, exact window: sent at 0, back at 10 ms.
    delay: { kind: 'fixed', ms: 5 },
    durationMs: 30_000,
  },
  // Clients stop their work at the validity Redlock computed: the lock is judged, not the workload.
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 300, max: 600 }, thinkMs: { min: 20, max: 60 }, stopAtValidity: { marginMs: 5 } },
  faults: [{ kind: 'pause', at: 3, process: 'client-1', durationMs: 15_000 }],
  // Exploration: pauses of clients while the first acquire's replies are in flight (0-10 ms here).
  explore: { kinds: ['pause'], clientFaults: ['pause'], nodeFaults: false, windowMs: { from: 1, to: 9 }, minDwellMs: 1_000, maxDwellMs: 20_000, maxFaults: 2 },
  variants: [
    { name: 'redlock', lock: redlock(), expected: 'safe', note: 'after the pause, elapsed > ttl: validity is negative and Redlock refuses the lock' },
    { name: 'redlock(checkValidity=false)', breaks: ['mutex'], lock: redlock({ checkValidity: false }), expected: 'unsafe', note: 'without the elapsed-time check the late "yes" replies are taken at face value' },
    {
      name: 'single-instance', breaks: ['mutex', 'lost-update'],
      lock: singleInstance(),
      nodes: ['redis-1'],
      expected: 'unsafe',
      // A client that stops at validity would notice the lease came back already expired and
      // abandon it within one round trip, which overlaps client-2 only when client-2 happens to
      // be inside a section then (18 seeds in 20). The client here trusts its acquire, as most
      // code using a plain SET NX PX does, so the mechanism shows at every seed.
      workload: { stopAtValidity: undefined },
      note: 'SET NX PX alone has no notion of elapsed time: the late "yes" is a lock the client trusts and works under',
    },
  ],
};

export default scenario;
