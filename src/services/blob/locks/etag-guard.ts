/**
 * The blob's own fencing: writes guarded by the blob's ETag (If-Match), and the blob lease lock
 * with such writes.
 *
 * A lease alone protects only writes that name it, on the leased blob, while the service still
 * holds it for the writer. An ETag guard protects any write: it lands only if the blob is still the
 * version the writer last read or wrote (a compare-and-swap at the service). A holder paused past
 * its lease, whose successor has written since, is refused when it resumes, whichever blob holds
 * the data and whatever the holder believes about its lease.
 *
 * - `guardedWrite(blob, body, guard)`: Put Blob with If-Match (or If-None-Match: * to create only)
 *   and optionally the lease; says whether the write landed, was refused (by the ETag or by the
 *   lease, with the service's status and code), or failed without an answer (then nobody knows
 *   whether it landed).
 * - `blobLeaseWithEtag()`: the auto-renewing blob lease lock whose acquire also reads the guarded
 *   blob's ETag (under the lease), and whose `write(lease, body)` is a guarded write with that ETag
 *   (then the new one). By default the guarded blob is the leased blob itself, and writes name the
 *   lease too; with `dataBlob` the data lives in another blob, which no lease protects: only the
 *   ETag guards it.
 */
import type { Lease, LockAlgorithm, LockContext } from '../../../locks/interface.ts';
import type { AutoRenewingLock } from '../../../locks/lease.ts';
import { isRestError, type RestError } from '../client/rest-error.ts';
import { blobLockContext, type BlobContainerLike, type BlobLockContext, type BlockBlobLike } from './context.ts';
import { blobLeaseLock, type BlobLeaseLockOptions } from './lease-lock.ts';

/** What a guarded write checks: the ETag it expects (or that there is no blob yet), and the lease it names. */
export type WriteGuard = ({ readonly ifMatch: string } | { readonly ifNoneMatch: '*' }) & { readonly leaseId?: string };

/** How a guarded write ended. */
export type GuardedWrite =
  | { readonly outcome: 'landed'; readonly etag: string }
  /** The service refused it: `by` 'etag' (the blob changed, or appeared, since) or 'lease' (the lease check). */
  | { readonly outcome: 'refused'; readonly by: 'etag' | 'lease'; readonly status: number; readonly code: string; readonly error: RestError }
  /** No answer (after the SDK's retries): it may or may not have landed. */
  | { readonly outcome: 'unknown'; readonly error: RestError };

/** Put Blob with the guard; a refusal or a lost answer is reported, not thrown. Other errors (bad input) are thrown. */
export async function guardedWrite(blob: BlockBlobLike, body: string, guard: WriteGuard, options: { abortSignal?: AbortSignal } = {}): Promise<GuardedWrite> {
  const etagCondition = 'ifMatch' in guard ? { ifMatch: guard.ifMatch } : { ifNoneMatch: guard.ifNoneMatch };
  try {
    const written = await blob.upload(body, Buffer.byteLength(body, 'utf8'), { ...options, conditions: { ...etagCondition, leaseId: guard.leaseId } });
    if (written.etag === undefined) throw new Error('Put Blob answered without an ETag');
    return { outcome: 'landed', etag: written.etag };
  } catch (error) {
    if (!isRestError(error)) throw error;
    if (error.statusCode === undefined) return { outcome: 'unknown', error };
    const code = error.details?.errorCode ?? error.code ?? '';
    // A create-only write on an existing blob is 409 BlobAlreadyExists: the ETag guard, too.
    if (code === 'ConditionNotMet' || code === 'BlobAlreadyExists') return { outcome: 'refused', by: 'etag', status: error.statusCode, code, error };
    if (code.startsWith('Lease')) return { outcome: 'refused', by: 'lease', status: error.statusCode, code, error };
    throw error;
  }
}

/** The lease with the guarded blob's ETag as the holder last saw it (read after acquiring, moved by each landed write). */
export class GuardedBlobLease implements Lease {
  constructor(
    /** The auto-renewing lease. */
    readonly inner: Lease,
    /** The guarded blob's ETag, or undefined if it did not exist (a write then creates it). */
    public etag: string | undefined,
  ) {}
  get resource(): string {
    return this.inner.resource;
  }
  get value(): string {
    return this.inner.value;
  }
  get validUntil(): number {
    return this.inner.validUntil;
  }
  get timeSource(): Lease['timeSource'] {
    return this.inner.timeSource;
  }
  get signal(): AbortSignal | undefined {
    return this.inner.signal;
  }
}

export interface BlobLeaseWithEtagOptions extends BlobLeaseLockOptions {
  /** The blob the writes go to, by resource; default the leased blob itself (writes then name the lease too). */
  dataBlob?: (resource: string) => string;
}

/** The blob lease lock with ETag-guarded writes, for one client. Prefer {@link blobLeaseWithEtag}. */
export class EtagGuardedBlobLock implements LockAlgorithm {
  readonly name: string;
  private readonly lock: AutoRenewingLock;
  private readonly container: BlobContainerLike;
  private readonly dataBlob: ((resource: string) => string) | undefined;

  constructor(context: BlobLockContext | LockContext, options: BlobLeaseWithEtagOptions = {}) {
    const { dataBlob, ...leaseOptions } = options;
    const blob = blobLockContext(context);
    this.lock = blobLeaseLock(leaseOptions)(blob);
    this.container = blob.container;
    this.dataBlob = dataBlob;
    this.name = `${this.lock.name}+etag${dataBlob === undefined ? '' : '(data blob)'}`;
  }

  /** Acquires the lease, then reads the guarded blob's ETag under it; null (and the lease released) if either fails. */
  async acquire(resource: string, ttlMs: number): Promise<GuardedBlobLease | null> {
    const lease = await this.lock.acquire(resource, ttlMs);
    if (lease === null) return null;
    const sameBlob = this.dataBlob === undefined;
    try {
      const properties = await this.guarded(resource).getProperties(sameBlob ? { conditions: { leaseId: lease.value } } : {});
      return new GuardedBlobLease(lease, properties.etag);
    } catch (error) {
      if (!isRestError(error)) throw error;
      if (!sameBlob && error.statusCode === 404) return new GuardedBlobLease(lease, undefined);
      await this.lock.release(lease);
      return null;
    }
  }

  async release(lease: Lease): Promise<void> {
    await this.lock.release(lease instanceof GuardedBlobLease ? lease.inner : lease);
  }

  async extend(lease: Lease, ttlMs: number): Promise<Lease | null> {
    if (!(lease instanceof GuardedBlobLease)) throw new TypeError('extend takes a lease made by this lock');
    const extended = await this.lock.extend(lease.inner, ttlMs);
    return extended === null ? null : lease;
  }

  /** Writes `body` if the guarded blob is still the version the holder last saw; a landed write moves the lease's ETag on. */
  async write(lease: GuardedBlobLease, body: string, options: { abortSignal?: AbortSignal } = {}): Promise<GuardedWrite> {
    const etagGuard = lease.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: lease.etag };
    const guard: WriteGuard = this.dataBlob === undefined ? { ...etagGuard, leaseId: lease.value } : etagGuard;
    const result = await guardedWrite(this.guarded(lease.resource), body, guard, options);
    if (result.outcome === 'landed') lease.etag = result.etag;
    return result;
  }

  /**
   * Reads the guarded blob (under the lease when it is the leased blob) and takes the ETag to write
   * against. Its properties are read first: if the blob changes between the two requests, the
   * ETag kept is the older one and the next write is refused, never a lost update.
   */
  async read(lease: GuardedBlobLease, options: { abortSignal?: AbortSignal } = {}): Promise<string> {
    const blob = this.guarded(lease.resource);
    const conditions = this.dataBlob === undefined ? { leaseId: lease.value } : {};
    const properties = await blob.getProperties({ ...options, conditions });
    const content = await blob.downloadToBuffer(0, undefined, { ...options, conditions });
    lease.etag = properties.etag;
    return content.toString('utf8');
  }

  private guarded(resource: string): BlockBlobLike {
    return this.container.getBlockBlobClient(this.dataBlob === undefined ? resource : this.dataBlob(resource));
  }
}

/** The factory: `blobLeaseWithEtag({ dataBlob: (r) => `${r}.data` })({ container, clock, random })`. */
export function blobLeaseWithEtag(options: BlobLeaseWithEtagOptions = {}): (context: BlobLockContext | LockContext) => EtagGuardedBlobLock {
  return (context) => new EtagGuardedBlobLock(context, options);
}
