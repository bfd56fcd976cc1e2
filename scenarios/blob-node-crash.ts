import { ALL_FAULTS } from '../src/faults/model.ts';
import type { NodeSpec, Scenario } from '../src/index.ts';
import type { BlobPersistence } from '../src/services/blob/settings.ts';
import { blobLeaseLock } from '../src/services/blob/locks/index.ts';

const nodes = (persistence: BlobPersistence): NodeSpec[] => [{ name: 'blob-1', service: 'blob', blob: { persistence } }];

/** Issue #19: what a crash of the Blob service keeps, as Azure and as Azurite. */
const scenario: Scenario = {
  name: 'blob-node-crash',
  title: 'The Blob service crashes just after a lease was taken',
  explanation:
    'client-1 takes a 15 s blob lease and works; the Blob service node is killed 1.5 s later and back 0.5 s after. Azure ' +
    'Storage is durable: the lease is there after the restart and client-2, which comes at 2.5 s, waits. Azurite keeps its blobs and leases in a LokiJS file that it saves every ' +
    '5 s when something changed: killed before the first save, it comes back without the blob and the lease; client-2 ' +
    'creates the blob and takes a lease while client-1 is still working. client-1 learns it at its next renewal ' +
    '(409 LeaseIdMismatchWithLeaseOperation: the lease is client-2\'s). Killed after the save, it comes back with the lease (only the renewal since is lost, and the ' +
    'next one restores it). Azurite with --inMemoryPersistence loses everything. (Azurite 3.35.0 itself reads a lease it reloads ' +
    'from its file as expired, a bug of its own: real mode refuses the restarts that keep leases, and runs in-memory.)',
  tags: ['crash', 'persistence', 'blob'],
  world: {
    nodes: nodes('durable'),
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 2_500 },
    ],
    durationMs: 40_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 15_000, workMs: { min: 8_000, max: 9_000 }, thinkMs: { min: 1_000, max: 2_000 } },
  explore: ALL_FAULTS,
  faults: [{ kind: 'crash', at: 1_500, process: 'blob-1', restartAfterMs: 500 }],
  variants: [
    { name: 'durable', lock: blobLeaseLock(), nodes: ['blob-1'], expected: 'safe', note: 'Azure Storage: the lease survives the crash' },
    {
      name: 'autosave',
      breaks: ['mutex'],
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      world: { nodes: nodes('autosave') },
      expected: 'unsafe',
      note: "Azurite killed before its first autosave: the blob and the lease are gone, client-2 takes a new one",
    },
    {
      name: 'autosave,after-save',
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      world: { nodes: nodes('autosave') },
      faults: [{ kind: 'crash', at: 7_000, process: 'blob-1', restartAfterMs: 1_000 }],
      expected: 'safe',
      note: 'killed after the save at 5 s: the lease is back (its end as of the acquire), and the next renewal moves it on',
    },
    {
      name: 'in-memory',
      breaks: ['mutex'],
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      world: { nodes: nodes('in-memory') },
      expected: 'unsafe',
      note: 'Azurite --inMemoryPersistence restarts empty',
    },
  ],
};

export default scenario;
