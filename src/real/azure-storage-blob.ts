/**
 * @azure/storage-blob and Azurite for real mode, found only when a run has a blob node: locksim
 * does not depend on them (a Redis-only project need not install them), the user's project does.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BlobContainerLike } from '../locks/interface.ts';

/** Azurite's well-known development account and key (its documentation publishes them). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The connection string of the development account with its Blob endpoint at `host:port`. */
export function azuriteConnectionString(host: string, port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=http://${host}:${port}/${AZURITE_ACCOUNT};`;
}

/** A real SDK ContainerClient, as far as real mode uses it: the lock's calls, plus creating it and listing its blobs. */
export interface SdkContainerClient extends BlobContainerLike {
  createIfNotExists(): Promise<unknown>;
  listBlobsFlat(): AsyncIterable<{ readonly name: string; readonly properties: { readonly leaseState?: string } }>;
}

/** What real mode uses of @azure/storage-blob. */
export interface AzureStorageBlob {
  readonly BlobServiceClient: {
    fromConnectionString(connectionString: string, options?: Record<string, unknown>): { getContainerClient(name: string): SdkContainerClient };
  };
}

let loaded: Promise<AzureStorageBlob> | undefined;

/** @azure/storage-blob, or an error that says how to install it. */
export function loadAzureStorageBlob(): Promise<AzureStorageBlob> {
  loaded ??= import('@azure/storage-blob').then(
    (module) => module as unknown as AzureStorageBlob,
    () => {
      throw new Error('real mode with a blob node needs @azure/storage-blob in your project: npm install --save-dev @azure/storage-blob');
    },
  );
  return loaded;
}

/** The version of Azurite real mode runs and was checked against (its engines accept Node 20). */
export const AZURITE_VERSION = '3.35.0';

/** Azurite's Blob service entry point (dist/src/blob/main.js), from locksim's own packages or the project's, or an error that says how to install it. */
export function azuriteBlobMain(): string {
  for (const from of [import.meta.url, join(process.cwd(), 'package.json')]) {
    try {
      const pkg = createRequire(from).resolve('azurite/package.json');
      return join(dirname(pkg), 'dist', 'src', 'blob', 'main.js');
    } catch {
      // try the next place
    }
  }
  throw new Error(`real mode with a blob node needs Azurite in your project: npm install --save-dev azurite@${AZURITE_VERSION}`);
}
