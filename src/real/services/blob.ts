/**
 * Azure Blob leases in real mode: Azurite's Blob service per node (src/real/azurite-process.ts:
 * under the clock shim, its persistence as the node's `blob.persistence` says), reached by the
 * real @azure/storage-blob `ContainerClient` (the lock's `containers`, one per blob node of the
 * variant, in the container the simulated service uses) through the client's Toxiproxy link, with
 * the development account's connection string and the SDK's own retry policy (the variant's
 * `blobOptions.retryOptions`, as the simulated client takes them). A variant that keeps its
 * counter in a blob (`blobOptions.resource`) reads and writes that real blob, through the same
 * SDK client as the lock's.
 *
 * Every HTTP request a client process sends counts as a request to the service (the run's
 * evidence): the SDK is the only HTTP client there, and node:http's diagnostics channel sees each.
 */
import { subscribe } from 'node:diagnostics_channel';
import { describeFault } from '../../faults/fault.ts';
import type { BlobContainerLike } from '../../locks/interface.ts';
import type { NodeSpec } from '../../scenario/types.ts';
import type { ContainerClient } from '../../services/blob/client/container-client.ts';
import { BLOB_CONTAINER } from '../../services/blob/node.ts';
import { blobResourceLink } from '../../services/blob/resource.ts';
import { resolveBlobSettings } from '../../services/blob/settings.ts';
import { azuriteBlobMain, azuriteConnectionString, loadAzureStorageBlob } from '../azure-storage-blob.ts';
import { AzuriteProcess } from '../azurite-process.ts';
import { buildClockShim } from '../clock-shim.ts';
import type { ResourceLink } from '../../workload/client.ts';
import type { RealClientSetup, RealServiceNode, RealServiceParts } from '../service.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

/** One Azurite node of a real run, as the nemesis and the runner see it. */
export class BlobNodeHandle implements RealServiceNode {
  readonly service = 'blob';
  readonly primary = undefined;

  constructor(
    readonly name: string,
    readonly process: AzuriteProcess,
  ) {}

  get upstream(): string {
    return `127.0.0.1:${this.process.port}`;
  }

  /** Blobs under a lease now (leased or breaking), over a direct connection, in the place of a Redis node's keys; null when Azurite does not answer. */
  async keys(): Promise<number | null> {
    if (this.process.state !== 'running') return null;
    const count = async (): Promise<number> => {
      const container = await this.process.containerClient();
      let leased = 0;
      for await (const blob of container.listBlobsFlat()) if (blob.properties.leaseState === 'leased' || blob.properties.leaseState === 'breaking') leased++;
      return leased;
    };
    return Promise.race([count().catch(() => null), sleep(1_000).then(() => null)]);
  }

  async promote(): Promise<void> {
    throw new Error(`${this.name} is a blob node: real mode runs no Blob Storage replicas`);
  }

  alignRunStart(): Promise<void> {
    return this.process.alignRunStart();
  }

  close(): void {}
}

/** The network faults between a client and a blob node (a cut, a partition, loss): the pairs they touch. */
function touchedPairs(f: { kind: string } & Record<string, unknown>): Array<readonly [string, string]> {
  if (f.kind === 'partition') {
    const groups = f.groups as readonly (readonly string[])[];
    return groups.flatMap((g, gi) => groups.slice(gi + 1).flatMap((h) => g.flatMap((a) => h.map((b) => [a, b] as const))));
  }
  if (f.kind === 'cut' || f.kind === 'loss') return (f.from as readonly string[]).flatMap((a) => (f.to as readonly string[]).map((b) => [a, b] as const));
  return [];
}

let requestsSeen: (() => void) | undefined;

/** The link, with each answered write told to the runner (the simulated blob node reports them as it applies them). */
function reported(link: ResourceLink, setup: RealClientSetup): ResourceLink {
  return async (request, timeoutMs) => {
    const reply = await link(request, timeoutMs);
    if (request.op === 'write' && reply?.op === 'write') {
      setup.recordWrite({
        at: 0, process: setup.client, value: request.value, readValue: request.readValue, ...(request.lease === undefined ? {} : { lease: request.lease }),
        accepted: reply.accepted, ...(reply.reason === undefined ? {} : { reason: reply.reason }),
      });
    }
    return reply;
  };
}

export const realBlob: RealServiceParts = {
  name: 'blob',
  title: 'Azure Blob Storage (Azurite)',
  refused: null,
  serverWords: 'Azurite Blob service (clock shim)',

  async checkTools() {
    azuriteBlobMain();
    await loadAzureStorageBlob();
    await buildClockShim();
  },

  /**
   * A dropping cut or partition, or loss, between a client and a blob node: Toxiproxy ends TCP on
   * both sides and drops what a real network would retransmit after the heal, and the SDK sets no
   * timeout of its own, so the request would wait forever where the simulated one (over simulated
   * TCP) arrives after the heal. A held one (`mode: 'hold'`: delivered at the heal) and a delay
   * (a latency toxic) are faithful.
   */
  problems({ nodes, lockNodes, clients, faults }) {
    const blobs = new Set(lockNodes.map((n) => n.name));
    const clientSet = new Set(clients);
    const problems: string[] = [];
    // Azurite 3.35.0 reads every lease it reloads from its database as expired: LokiJS gives
    // leaseExpireTime back as a string, and its LeaseFactory's `startTime < leaseExpireTime`
    // (a Date against a string) is false. A restart that keeps leases in the model (durable, or
    // from an autosave) cannot be made on it.
    const reloading = new Map(nodes.map((n) => [n.name, resolveBlobSettings(n.blob).persistence] as const).filter(([, p]) => p !== 'in-memory'));
    faults.forEach((f, i) => {
      if (f.kind !== 'crash' || f.restartAfterMs === undefined) return;
      const persistence = reloading.get(f.process);
      if (persistence !== undefined) {
        problems.push(
          `faults[${i}] (${describeFault(f)}): ${f.process} (persistence ${persistence}) keeps its leases across a restart, and Azurite 3.35.0 cannot: it reads every lease it reloads from its database as expired (the expiry time comes back as a string); crash it without a restart, give it persistence 'in-memory', or run it in simulation`,
        );
      }
    });
    if (blobs.size === 0) return problems;
    faults.forEach((f, i) => {
      const touches = touchedPairs(f as unknown as { kind: string } & Record<string, unknown>).some(([a, b]) => (clientSet.has(a) && blobs.has(b)) || (blobs.has(a) && clientSet.has(b)));
      const held = (f.kind === 'cut' || f.kind === 'partition') && f.mode === 'hold';
      if (touches && !held) {
        problems.push(
          `faults[${i}] (${describeFault(f)}): a ${f.kind === 'loss' ? 'loss' : 'dropping cut'} between a client and a blob node cannot be made faithfully through Toxiproxy: it loses the bytes of a request a real network retransmits after the heal, and the SDK (no client-side timeout) would wait for its answer forever; use mode: 'hold' (delivered at the heal), a delay, or run it in simulation`,
        );
      }
    });
    return problems;
  },

  async startNode(spec: NodeSpec) {
    const settings = resolveBlobSettings(spec.blob);
    const azurite = await AzuriteProcess.start({
      name: spec.name,
      container: BLOB_CONTAINER,
      persistence: settings.persistence,
      clock: { offsetMs: spec.wallOffsetMs ?? 0, rate: 1 + (spec.driftPpm ?? 0) / 1_000_000 },
    });
    return new BlobNodeHandle(spec.name, azurite);
  },

  async clients(setup, endpoints) {
    if (endpoints.length === 0) return { context: {} };
    const sdk = await loadAzureStorageBlob();
    const retryOptions = setup.variant.blobOptions?.retryOptions;
    const containers = endpoints.map((n) =>
      sdk.BlobServiceClient.fromConnectionString(azuriteConnectionString(n.host ?? '127.0.0.1', n.port), retryOptions === undefined ? {} : { retryOptions }).getContainerClient(BLOB_CONTAINER),
    );
    // The SDK's first request loads its parsers (half a second): one that changes nothing, before the run and before counting.
    await Promise.all(containers.map((c) => c.getBlockBlobClient('locksim-warm-up').getProperties().catch(() => {})));
    if (requestsSeen === undefined) {
      requestsSeen = setup.countRequest;
      subscribe('http.client.request.start', () => requestsSeen?.());
    }
    const resource = setup.variant.blobOptions?.resource;
    const first = containers[0];
    return {
      context: { containers: containers as readonly BlobContainerLike[] },
      // The counter in a real blob of the first blob node, over the lock's own SDK client. The
      // link is written against locksim's SDK-shaped client, whose calls are the SDK's (blob-client-differential.test.ts).
      ...(resource === undefined || first === undefined ? {} : { resource: reported(blobResourceLink(first as unknown as ContainerClient, setup.clock, resource), setup) }),
    };
  },
};
