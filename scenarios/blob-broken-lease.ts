import { ALL_FAULTS } from '../src/faults/model.ts';
import type { Scenario } from '../src/index.ts';
import { blobLeaseLock } from '../src/services/blob/locks/index.ts';

/** Both clients take over a lease that kept the blob busy for 20 s: "it must be stuck". */
const impatient = blobLeaseLock({ breakAfterMs: 20_000, retryCount: 1_000, retryDelayMs: 400, retryJitterMs: 200 });

/** Issue #19: a lease broken under its holder, and the blob refusing the old holder's write. */
const scenario: Scenario = {
  name: 'blob-broken-lease',
  title: 'A blob lease broken under its holder; the blob refuses the old holder\'s write',
  explanation:
    'client-1 holds a 15 s Azure blob lease for a 23 s job, renewing it every 5 s. client-2 waits for it, and after ' +
    '20 s decides the lease "must be stuck": it breaks it (Break Lease, period 0) and takes it. Nobody tells client-1, ' +
    'whose last renewal succeeded a second before the break and whose next one is due after its write. When the counter ' +
    'is somewhere the lease does not reach (the resource process), client-1\'s write lands in client-2\'s section and ' +
    'client-2\'s update based on the old value loses it. When the counter is the leased blob itself and every read and ' +
    'write names the holder\'s lease, the blob refuses client-1\'s write (412 LeaseIdMismatchWithBlobOperation): the ' +
    'lease fences the data it is on, and only that data. The sections still overlapped. A client that waits for the ' +
    'holder to finish instead of breaking is safe.',
  tags: ['blob', 'fencing'],
  world: {
    nodes: [{ name: 'blob-1', service: 'blob' }],
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 60_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 15_000, workMs: { min: 23_000, max: 23_500 }, thinkMs: { min: 2_500, max: 3_000 } },
  explore: ALL_FAULTS,
  faults: [],
  variants: [
    {
      name: 'blob-lease(breakAfterMs=20000)',
      breaks: ['mutex', 'lost-update'],
      lock: impatient,
      nodes: ['blob-1'],
      expected: 'unsafe',
      note: "the break leaves client-1 writing in client-2's section; the counter is not on the blob, so nothing refuses it",
    },
    {
      name: 'blob-lease(breakAfterMs=20000)+lease-guard',
      lock: impatient,
      nodes: ['blob-1'],
      blobOptions: { resource: { blob: 'lock:counter', lease: true } },
      properties: ['lost-updates', 'liveness'],
      expected: 'safe',
      note: "client-1's write names the lease it lost: the blob refuses it (412 LeaseIdMismatchWithBlobOperation)",
    },
    {
      name: 'blob-lease(breakAfterMs=20000)+lease-guard,mutex',
      breaks: ['mutex'],
      lock: impatient,
      nodes: ['blob-1'],
      blobOptions: { resource: { blob: 'lock:counter', lease: true } },
      expected: 'unsafe',
      note: 'the blob kept the data safe, but for a few seconds both clients were in their critical sections',
    },
    {
      name: 'blob-lease',
      lock: blobLeaseLock({ retryCount: 1_000, retryDelayMs: 400, retryJitterMs: 200 }),
      nodes: ['blob-1'],
      expected: 'safe',
      note: 'a client that never breaks waits for the release: the holder renews for as long as its job runs',
    },
  ],
};

export default scenario;
