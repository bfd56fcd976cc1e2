/**
 * Azure Blob Storage as a service: its node (node.ts) in the world, and in each client process an
 * @azure/storage-blob-shaped container client per blob node (client/), over HTTP on simulated TCP
 * (network-transport.ts), with the SDK's retry policy on the process's own clock. Lock code gets
 * the containers as `LockContext.containers`, in the variant's node order; every lock blob lives in
 * the container {@link BLOB_CONTAINER}.
 */
import type { BlobContainerLike } from '../../locks/interface.ts';
import type { NodeSpec } from '../../scenario/types.ts';
import type { ClientSetup, ServiceClients, SimService } from '../service.ts';
import { BlobServiceClient, type ContainerClient } from './client/container-client.ts';
import { NetworkTransport } from './network-transport.ts';
import { addBlobNode, BLOB_CONTAINER } from './node.ts';
import { blobResourceLink } from './resource.ts';
import { blobSettingsProblems } from './settings.ts';

export const blobService: SimService = {
  name: 'blob',
  title: 'Azure Blob Storage',
  requestsAre: 'Blob service requests',
  lockIs: 'lease',

  addNode(world, spec) {
    return addBlobNode(world, spec.name, spec.blob ?? {}, { driftPpm: spec.driftPpm, wallOffsetMs: spec.wallOffsetMs });
  },

  clients(setup: ClientSetup, nodes: readonly string[]): ServiceClients {
    const { ctx, resolve, onSend, variant } = setup;
    const transports: NetworkTransport[] = [];
    const containers = nodes.map((name, i): ContainerClient => {
      const transport = new NetworkTransport(ctx, { node: () => resolve(name), onSend });
      transports.push(transport);
      // Each node is its own storage account; the client's random source only names lease clients made without an ID.
      const client = new BlobServiceClient({
        transport: transport.send, clock: ctx.clock, random: ctx.random.fork(`blob-client/${i}`), url: `http://127.0.0.1:${10_000 + i}/devstoreaccount1`, retryOptions: variant.blobOptions?.retryOptions,
      });
      return client.getContainerClient(BLOB_CONTAINER);
    });
    const resource = variant.blobOptions?.resource;
    const first = containers[0];
    return {
      context: { containers: containers as readonly BlobContainerLike[] },
      waitReason: () => transports.map((t) => t.waitReason()).find((w) => w !== null) ?? null,
      // The counter in a blob of the first blob node, over the same client as the lock's.
      ...(resource === undefined || first === undefined ? {} : { resource: blobResourceLink(first, ctx.clock, resource) }),
    };
  },

  validateNode(spec: NodeSpec, where: string): string[] {
    const problems: string[] = [];
    if (spec.persistence !== undefined) problems.push(`${where}.persistence: a Redis setting; what a blob node keeps across a crash is blob.persistence ('durable', 'autosave' or 'in-memory')`);
    if (spec.replicaOf !== undefined) problems.push(`${where}.replicaOf: Blob Storage replicas are not simulated (drop replicaOf)`);
    if (spec.postgres !== undefined) problems.push(`${where}.postgres: PostgreSQL settings on a blob node; drop them`);
    if (spec.blob !== undefined) problems.push(...blobSettingsProblems(spec.blob, `${where}.blob`));
    return problems;
  },
};
