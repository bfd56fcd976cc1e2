/**
 * A variant's options for its Blob clients, as `redisOptions` are for its Redis clients: the SDK's
 * retry options, and whether the protected counter lives in a blob (resource.ts) rather than in the
 * resource process.
 */
import type { StorageRetryOptions } from './client/retry-policy.ts';
import { blobResourceProblems, type BlobResourceOptions } from './resource.ts';

export interface BlobVariantOptions {
  /** The SDK's retry options for every Blob client of the variant (default the SDK's: 4 tries, 0, 4 and 12 s apart). */
  readonly retryOptions?: StorageRetryOptions;
  /** The counter lives in this blob, read and written through the Blob client with these guards; default: the resource process. */
  readonly resource?: BlobResourceOptions;
}

/** Problems with a variant's blob options, each naming the field and the fix. */
export function blobVariantProblems(options: unknown, where: string): string[] {
  if (typeof options !== 'object' || options === null) return [`${where}: must be an object like { resource: { blob: 'lock:counter', etag: true } }`];
  const fields = options as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) if (key !== 'retryOptions' && key !== 'resource') problems.push(`${where}.${key}: not a blob option (retryOptions, resource)`);
  if (fields.resource !== undefined) problems.push(...blobResourceProblems(fields.resource, `${where}.resource`));
  return problems;
}
