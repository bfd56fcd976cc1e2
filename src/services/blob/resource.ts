/**
 * The protected resource kept in a blob: the workload's counter as a blob's content, read and
 * written by the holder through the Blob client, guarded by what the blob itself checks. This is
 * how lease code protects data in Azure: the blob refuses a write that names a lease which is no
 * longer the blob's (the lease guard, on the leased blob), or one whose If-Match ETag is no longer
 * the blob's (the ETag guard, on any blob). Without a guard the write lands, whoever holds the lease.
 *
 * - Content: `{"locksim":"counter","value":3,"readValue":2}`: the value and the value it was based
 *   on, so that the node can report each write to the run's checkers as the resource process does
 *   (a write based on a value that is no longer there is a lost update). An empty or missing blob
 *   is the value 0.
 * - Read: Get Blob Properties (the ETag), then Get Blob (the content), naming the lease with the
 *   lease guard. If the blob changes between the two, the ETag kept is the older one and the next
 *   guarded write is refused, never a lost update. A refused read ends the section as an
 *   unanswered one does (the workload cannot tell them apart).
 * - Write: Put Blob with the holder's lease and/or If-Match the ETag of its read (If-None-Match: *
 *   when there was no blob). Refused: `accepted: false` with the service's status and code.
 * - No answer within the workload's timeout (the SDK sets none; the link aborts the call then), or
 *   none after the SDK's retries: null, as from a resource that did not answer.
 */
import type { Clock } from '../../locks/interface.ts';
import type { ResourceLink } from '../../workload/client.ts';
import type { ResourceReply, ResourceRequest } from '../../workload/resource.ts';
import type { ContainerClient } from './client/container-client.ts';
import { isRestError } from './client/rest-error.ts';

/** How the workload's reads and writes go to a blob (a variant's `blobOptions.resource`). */
export interface BlobResourceOptions {
  /** The blob that holds the counter: the lock's own blob (the workload's `resource`, the one leased) or another. */
  readonly blob: string;
  /** Reads and writes name the holder's lease (x-ms-lease-id): the blob refuses them once the lease is not the holder's. Only the leased blob accepts them at all. */
  readonly lease?: boolean;
  /** Writes carry If-Match with the ETag of the holder's read: the blob refuses the write once anyone wrote it since. */
  readonly etag?: boolean;
}

/** The resource in a printed world: `blob lock:counter.data (If-Match on its ETag)`. */
export function blobResourceText(options: BlobResourceOptions): string {
  const guards = [options.lease ? 'the holder\'s lease ID' : null, options.etag ? 'If-Match on its ETag' : null].filter((g) => g !== null);
  return `blob ${options.blob} (${guards.length === 0 ? 'unguarded' : `writes carry ${guards.join(' and ')}`})`;
}

/** The counter as blob content. */
export function counterContent(value: number, readValue: number): string {
  return JSON.stringify({ locksim: 'counter', value, readValue });
}

/** The counter in a blob's content: null for content that is not a counter (the lock's own empty blob, say). */
export function parseCounter(body: string): { readonly value: number; readonly readValue: number } | null {
  if (!body.startsWith('{"locksim":"counter"')) return null;
  try {
    const parsed = JSON.parse(body) as { value?: unknown; readValue?: unknown };
    return typeof parsed.value === 'number' && typeof parsed.readValue === 'number' ? { value: parsed.value, readValue: parsed.readValue } : null;
  } catch {
    return null;
  }
}

/** The counter's value in a blob's content (0 for an empty blob or another content). */
export function counterValue(body: string | undefined): number {
  return body === undefined ? 0 : (parseCounter(body)?.value ?? 0);
}

/** Problems with a variant's blob resource options, each naming the field and the fix. */
export function blobResourceProblems(options: unknown, where: string): string[] {
  if (typeof options !== 'object' || options === null) return [`${where}: must be an object like { blob: 'lock:counter', etag: true }`];
  const fields = options as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) if (!['blob', 'lease', 'etag'].includes(key)) problems.push(`${where}.${key}: not a blob resource option (blob, lease, etag)`);
  if (typeof fields.blob !== 'string' || fields.blob === '') problems.push(`${where}.blob: the name of the blob that holds the counter (the workload's resource for the leased blob itself), got ${JSON.stringify(fields.blob)}`);
  for (const key of ['lease', 'etag']) if (fields[key] !== undefined && typeof fields[key] !== 'boolean') problems.push(`${where}.${key}: must be true or false, got ${JSON.stringify(fields[key])}`);
  return problems;
}

/** The workload's link to a counter in a blob, for one client process. */
export function blobResourceLink(container: ContainerClient, clock: Clock, options: BlobResourceOptions): ResourceLink {
  const problems = blobResourceProblems(options, 'blobOptions.resource');
  if (problems.length > 0) throw new TypeError(problems.join('; '));
  const blob = container.getBlockBlobClient(options.blob);
  /** The ETag each lease's holder read (undefined: there was no blob). */
  const seen = new Map<string, string | undefined>();

  /** Runs a call with the workload's timeout: the SDK sets none, so the link aborts the call when it passes. */
  const timed = async <T>(timeoutMs: number, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const abort = new AbortController();
    const cancel = clock.setTimer(timeoutMs, () => abort.abort());
    try {
      return await call(abort.signal);
    } finally {
      cancel();
    }
  };

  const read = async (request: Extract<ResourceRequest, { op: 'read' }>, timeoutMs: number): Promise<ResourceReply | null> => {
    const conditions = options.lease === true ? { leaseId: request.lease ?? '' } : {};
    try {
      return await timed(timeoutMs, async (abortSignal) => {
        let etag: string | undefined;
        let body: string | undefined;
        try {
          etag = (await blob.getProperties({ abortSignal, conditions })).etag;
          body = (await blob.downloadToBuffer(0, undefined, { abortSignal, conditions })).toString('utf8');
        } catch (error) {
          if (!isRestError(error) || error.statusCode !== 404) throw error;
        }
        if (request.lease !== undefined) seen.set(request.lease, etag);
        return { op: 'read', value: counterValue(body) };
      });
    } catch (error) {
      if (isRestError(error) || (error instanceof Error && error.name === 'AbortError')) return null;
      throw error;
    }
  };

  const write = async (request: Extract<ResourceRequest, { op: 'write' }>, timeoutMs: number): Promise<ResourceReply | null> => {
    const lease = request.lease ?? '';
    const etag = seen.get(lease);
    const conditions = {
      ...(options.lease === true ? { leaseId: lease } : {}),
      ...(options.etag === true ? (etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag }) : {}),
    };
    const body = counterContent(request.value, request.readValue);
    try {
      const written = await timed(timeoutMs, (abortSignal) => blob.upload(body, Buffer.byteLength(body, 'utf8'), { abortSignal, conditions }));
      seen.set(lease, written.etag);
      return { op: 'write', accepted: true };
    } catch (error) {
      if (isRestError(error) && error.statusCode !== undefined) return { op: 'write', accepted: false, reason: `${error.statusCode} ${error.details?.errorCode ?? error.code ?? ''}` };
      if (isRestError(error) || (error instanceof Error && error.name === 'AbortError')) return null;
      throw error;
    }
  };

  return (request, timeoutMs) => (request.op === 'read' ? read(request, timeoutMs) : write(request, timeoutMs));
}
