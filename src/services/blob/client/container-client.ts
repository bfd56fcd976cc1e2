/**
 * `ContainerClient` and `BlobServiceClient` as @azure/storage-blob 12.32 has them, for reaching a
 * blob: `new BlobServiceClient(options).getContainerClient(name).getBlockBlobClient(blob)`. Where
 * the SDK takes a URL and a credential, locksim's service client takes the transport to the
 * service, the client process's clock and random source, and the SDK's retry options
 * (pipeline.ts); everything below it is shaped as the SDK's.
 *
 * Containers are not modelled (the simulated service has every container), so there is no
 * `create`, `createIfNotExists`, `delete` or listing; and `ContainerClient.getBlobLeaseClient`,
 * which in the SDK leases the *container*, is left out rather than made to lease something else:
 * lease code that uses it does not compile against this client.
 */
import { BlobClient, BlockBlobClient } from './blob-client.ts';
import { BlobPipeline, type BlobClientOptions } from './pipeline.ts';

export class ContainerClient {
  readonly pipeline: BlobPipeline;
  readonly containerName: string;
  readonly url: string;

  constructor(pipeline: BlobPipeline, containerName: string) {
    if (typeof containerName !== 'string' || containerName === '' || containerName.includes('/')) {
      throw new TypeError(`a container name must be a non-empty string without '/', got ${JSON.stringify(containerName)}`);
    }
    this.pipeline = pipeline;
    this.containerName = containerName;
    this.url = `${pipeline.url}/${encodeURIComponent(containerName)}`;
  }

  getBlobClient(blobName: string): BlobClient {
    return new BlobClient(this.pipeline, this.containerName, blobName);
  }

  getBlockBlobClient(blobName: string): BlockBlobClient {
    return new BlockBlobClient(this.pipeline, this.containerName, blobName);
  }
}

export class BlobServiceClient {
  readonly pipeline: BlobPipeline;

  constructor(options: BlobClientOptions) {
    this.pipeline = new BlobPipeline(options);
  }

  get url(): string {
    return this.pipeline.url;
  }

  getContainerClient(containerName: string): ContainerClient {
    return new ContainerClient(this.pipeline, containerName);
  }
}
