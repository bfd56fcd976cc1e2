import { redlock, singleInstance, type Scenario } from '../src/index.ts';

/**
 * Each node call waits up to 20 s for its answer. A per-call timeout shorter than the pause
 * expires during it, and a resumed Node process fires expired timers before it reads the replies
 * that arrived meanwhile: the late "yes" would then count as a timeout (the last variant shows it).
 */
const patient = { timeoutMs: 20_000 } as const;

/**
 * The flawed variants' clients trust their acquire, as most code using a plain lock does. A
 * client that stops at the validity its lock computed would notice a lease that came back
 * already expired and abandon it within one round trip, which overlaps client-2 only when
 * client-2 happens to be inside a section then (not at every seed); trusting, the mechanism
 * shows at every seed.
 */
const trusting = { stopAtValidity: undefined };

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
    'holds a lock that expired long ago. The clients here wait up to 20 s for a node\'s answer (ioredis waits forever ' +
    'by default). With a 200 ms per-call timeout the same plain lock is safe, by luck of the event loop: a Node process ' +
    'resumed after a pause fires its expired timers before it reads its sockets, so the timeout wins over the late "yes".',
  tags: ['pause', 'redlock-check', 'antirez'],
  world: {
    nodes: 5,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    // A fixed 60 ms delay makes "the replies are in flight" a wide, exact window: sent at 0, back
    // at 120 ms. In real mode the pause (SIGSTOP at 40 ms) lands after client-1 has written its
    // requests and before any reply is back, as in the simulation, even on a loaded machine
    // (where a process can wait tens of milliseconds for a core).
    delay: { kind: 'fixed', ms: 60 },
    durationMs: 30_000,
  },
  // Clients stop their work at the validity Redlock computed: the lock is judged, not the workload.
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 300, max: 600 }, thinkMs: { min: 20, max: 60 }, stopAtValidity: { marginMs: 5 } },
  faults: [{ kind: 'pause', at: 40, process: 'client-1', durationMs: 15_000 }],
  // Exploration: pauses of clients while the first acquire's replies are in flight (0-120 ms here).
  explore: { kinds: ['pause'], clientFaults: ['pause'], nodeFaults: false, windowMs: { from: 1, to: 119 }, minDwellMs: 1_000, maxDwellMs: 20_000, maxFaults: 2 },
  variants: [
    { name: 'redlock', lock: redlock(patient), expected: 'safe', note: 'after the pause, elapsed > ttl: validity is negative and Redlock refuses the lock' },
    { name: 'redlock(checkValidity=false)', breaks: ['mutex'], lock: redlock({ ...patient, checkValidity: false }), workload: trusting, expected: 'unsafe', note: 'without the elapsed-time check the late "yes" replies are taken at face value' },
    {
      name: 'single-instance', breaks: ['mutex', 'lost-update'],
      lock: singleInstance(patient),
      nodes: ['redis-1'],
      expected: 'unsafe',
      workload: trusting,
      note: 'SET NX PX alone has no notion of elapsed time: the late "yes" is a lock the client trusts and works under',
    },
    {
      name: 'single-instance(timeoutMs=200)',
      lock: singleInstance({ timeoutMs: 200 }),
      nodes: ['redis-1'],
      expected: 'safe',
      workload: trusting,
      note: 'safe by the event loop\'s order, not by design: on resume the expired 200 ms timeout fires before the "yes" is read, so the attempt counts as failed',
    },
  ],
};

export default scenario;
