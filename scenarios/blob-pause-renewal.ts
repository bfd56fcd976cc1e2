import { ALL_FAULTS } from '../src/faults/model.ts';
import { singleInstance, type ClientSpec, type NodeSpec, type Scenario } from '../src/index.ts';
import { blobLeaseLock } from '../src/services/blob/locks/index.ts';

const nodes: NodeSpec[] = [{ name: 'blob-1', service: 'blob' }, { name: 'redis-1' }];

/** client-2 comes only after client-1's pause: nobody takes the lapsed lease. */
const latecomer: ClientSpec[] = [
  { name: 'client-1', startMs: 0 },
  { name: 'client-2', startMs: 40_000 },
];

/** Issue #19: a blob lease that runs out during its holder's pause, and the renewal that follows. */
const scenario: Scenario = {
  name: 'blob-pause-renewal',
  title: 'A blob lease runs out during its holder\'s pause and is renewed afterwards as if nothing happened',
  explanation:
    'client-1 takes a 15 s lease on an Azure blob, reads the counter and is frozen for 30 s by a stop-the-world pause. ' +
    'The lease runs out on the service\'s clock 15 s after the acquire. The Blob service keeps an expired lease\'s ID ' +
    'until the blob is written or leased again, and renews it "as if nothing happened": when nobody came in between, ' +
    'the holder that trusts the service (watchValidity=false) renews at resume, succeeds, and never learns that for 17 s ' +
    'it held nothing. Safe, by luck. When client-2 took the lease during the pause, worked and released it, the same ' +
    'holder wakes up, finishes its read-modify-write with a stale value (its overdue timers run before any answer comes ' +
    'back) and only then is refused the renewal: a lost update. A holder that watches its own validity learns at resume ' +
    'that the lease passed and does not write, but it was inside its critical section while client-2 was inside its own. ' +
    'A 15 s Redis lease fares no better.',
  tags: ['pause', 'blob'],
  world: {
    nodes,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 70_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 15_000, workMs: { min: 8_000, max: 8_500 }, thinkMs: { min: 9_000, max: 10_000 } },
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 2_000, process: 'client-1', durationMs: 30_000 }],
  variants: [
    {
      name: 'blob-lease(watchValidity=false),alone',
      lock: blobLeaseLock({ watchValidity: false }),
      nodes: ['blob-1'],
      world: { clients: latecomer },
      expected: 'safe',
      note: 'the lease lapsed for 17 s and came back at the renewal: nobody else wanted it, so nothing broke',
    },
    {
      name: 'blob-lease(watchValidity=false),taken',
      breaks: ['mutex', 'lost-update'],
      lock: blobLeaseLock({ watchValidity: false }),
      nodes: ['blob-1'],
      expected: 'unsafe',
      note: "client-2 held the lease during the pause; client-1's stale write lands before its renewal is refused",
    },
    {
      name: 'blob-lease,taken',
      breaks: ['mutex'],
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      expected: 'unsafe',
      note: 'the holder sees at resume that its validity passed and writes nothing, but its section overlapped client-2\'s',
    },
    {
      name: 'redis-single-instance',
      breaks: ['mutex', 'lost-update'],
      lock: singleInstance(),
      nodes: ['redis-1'],
      expected: 'unsafe',
      note: 'a 15 s Redis lease runs out during the 30 s pause just the same',
    },
  ],
};

export default scenario;
