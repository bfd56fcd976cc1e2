/**
 * What a blob lock algorithm may see of the world: a container client (locksim's
 * @azure/storage-blob-shaped client, over whatever transport the world gives it), the client
 * process's clock and its random source. Nothing else: the same algorithm then runs over the
 * simulated network, over a direct transport in tests, and (with the real SDK's shape) against
 * Azurite.
 *
 * The container's shape is the lock contract's (src/locks/interface.ts: `BlobContainerLike`, the
 * calls the algorithms make and nothing more). locksim's ContainerClient has them, and so does
 * @azure/storage-blob's (the same names, arguments and answers: blob-client-differential.test.ts),
 * so real mode can hand the algorithms the real SDK's container (blob-locks-azurite.test.ts does).
 *
 * A factory takes either this context or the lock context a scenario's variant is built with
 * (`LockContext.containers`, one per blob node the variant uses): {@link containerOf} picks one.
 */
import type { BlobContainerLike, Clock, LockAlgorithm, LockContext, Random } from '../../../locks/interface.ts';

export type { BlobConditionsLike, BlobContainerLike, BlobLeaseClientLike, BlockBlobLike } from '../../../locks/interface.ts';

export interface BlobLockContext {
  /** The container the lock blobs (and any guarded data blobs) live in. */
  readonly container: BlobContainerLike;
  readonly clock: Clock;
  readonly random: Random;
}

/** Builds a blob lock algorithm instance for one client, from a blob lock context or a scenario's lock context. */
export type BlobLockFactory<T extends LockAlgorithm = LockAlgorithm> = (context: BlobLockContext | LockContext) => T;

/**
 * The blob lock context of either context: a lock context gives the container of blob node
 * `index` (default the first), or a clear error when the variant has no blob node.
 */
export function blobLockContext(context: BlobLockContext | LockContext, index = 0): BlobLockContext {
  if ('container' in context) return context;
  const containers = context.containers ?? [];
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`container must be the index of a blob node, got ${index}`);
  const container = containers[index];
  if (container === undefined) {
    throw new RangeError(
      containers.length === 0
        ? "this lock needs a blob node: give the world one (nodes: [{ name: 'blob-1', service: 'blob' }]) and the variant nodes: ['blob-1']"
        : `container must be the index of one of the ${containers.length} blob nodes, got ${index}`,
    );
  }
  return { container, clock: context.clock, random: context.random };
}
