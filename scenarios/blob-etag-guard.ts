import { ALL_FAULTS } from '../src/faults/model.ts';
import type { Scenario } from '../src/index.ts';
import { blobLeaseLock } from '../src/services/blob/locks/index.ts';

/** The counter's own blob, which no lease protects. */
const data = 'lock:counter.data';

/** Issue #19: the blob's own fencing. */
const scenario: Scenario = {
  name: 'blob-etag-guard',
  title: 'ETag-guarded writes keep a blob safe where the lease alone does not',
  explanation:
    'The lock is a 15 s lease on one Azure blob; the counter it protects lives in another blob, as data usually does. ' +
    'client-1 takes the lease, reads the counter and is frozen for 20 s. Its lease runs out, client-2 takes it, reads, ' +
    'writes and releases. When client-1 resumes it finishes its read-modify-write: a plain Put Blob lands and client-2\'s ' +
    'update is lost, because a lease fences only the blob it is on. With If-Match on the ETag client-1 read, the blob ' +
    'itself refuses the stale write (412 ConditionNotMet, or 409 BlobAlreadyExists if the blob did not exist at the read): ' +
    'the ETag is the blob\'s compare-and-swap and needs no lease at all. Kept on the leased blob itself, with every write ' +
    'naming the lease, the counter is safe too; the overlap of the two critical sections remains in every case.',
  tags: ['pause', 'blob', 'fencing'],
  world: {
    nodes: [{ name: 'blob-1', service: 'blob' }],
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 45_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 15_000, workMs: { min: 2_000, max: 3_000 }, thinkMs: { min: 1_000, max: 2_000 } },
  explore: ALL_FAULTS,
  faults: [{ kind: 'pause', at: 1_000, process: 'client-1', durationMs: 20_000 }],
  variants: [
    {
      name: 'blob-lease',
      breaks: ['mutex', 'lost-update'],
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      blobOptions: { resource: { blob: data } },
      expected: 'unsafe',
      note: "the lease is on another blob: client-1's stale Put Blob lands over client-2's update",
    },
    {
      name: 'blob-lease+etag',
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      blobOptions: { resource: { blob: data, etag: true } },
      properties: ['lost-updates', 'liveness'],
      expected: 'safe',
      note: 'the counter blob changed since client-1 read it: its ETag no longer matches, the service refuses the write',
    },
    {
      name: 'blob-lease+lease-guard',
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      blobOptions: { resource: { blob: 'lock:counter', lease: true } },
      properties: ['lost-updates', 'liveness'],
      expected: 'safe',
      note: "the lease fences the blob it is on: client-1's write names a lease that is gone",
    },
  ],
};

export default scenario;
