import { ALL_FAULTS } from '../src/faults/model.ts';
import { fencing, redlock, type Scenario } from '../src/index.ts';

/** DESIGN §7.6: a write delayed in the network past the lease. */
const scenario: Scenario = {
  name: 'delayed-write',
  title: 'A write delayed in the network until after the lease expired',
  explanation:
    'client-1 holds the lock, reads the counter and sends its write, well within its lease (it even checks the lease ' +
    'on its own clock first, in one variant). The network holds that write for 15 s. Meanwhile the lease expires, ' +
    'client-2 takes the lock and writes. Then client-1\'s old write arrives and overwrites client-2\'s update. No ' +
    'check on the client side can prevent this, because the write was valid when it left: only the resource can, by ' +
    'refusing a fencing token lower than one it has seen (Martin Kleppmann\'s side of the 2016 debate).',
  tags: ['network', 'fencing', 'kleppmann'],
  world: {
    nodes: 5,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 30_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 200, max: 400 }, thinkMs: { min: 50, max: 150 }, resourceTimeoutMs: 60_000 },
  // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
  explore: ALL_FAULTS,
  faults: [{ kind: 'delay', at: 100, from: ['client-1'], to: ['resource'], delay: { kind: 'fixed', ms: 15_000 }, durationMs: 1_000 }],
  variants: [
    { name: 'redlock', breaks: ['mutex', 'lost-update'], lock: redlock(), expected: 'unsafe', note: 'the late write overwrites the next holder\'s update' },
    { name: 'redlock+check', breaks: ['mutex', 'lost-update'], lock: redlock(), workload: { checkValidityBeforeWrite: true }, expected: 'unsafe', note: 'the check passed: the write was valid when it left' },
    { name: 'redlock+fencing', lock: fencing(redlock()), resource: 'fenced', expected: 'safe', note: 'the resource refuses token 1 after it has seen token 2' },
  ],
};

export default scenario;
