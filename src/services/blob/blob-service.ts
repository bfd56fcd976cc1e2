/**
 * The simulated Blob service: blobs, their ETags and their leases, and the operations lease code
 * sends (Put Blob, Get Blob, Get Blob Properties, Delete Blob, Lease Blob's five actions). Pure:
 * each call takes the service's own clock reading (milliseconds) and answers as the REST service
 * would (status, error code, the headers that matter), so a client shaped like @azure/storage-blob
 * can be put on top and a differential test can compare it with Azurite as it is. The node that
 * puts it on the simulated network is a layer above (issue #19, with the service plug-in of #15).
 *
 * Time is the service's: a lease expires when the *service's* clock passes its end, whatever the
 * holder's clock says. A lease's state is evaluated at each request for its blob and kept, as
 * Azurite keeps it: once a request saw a lease expired, a service clock stepped back later does
 * not make it leased again.
 *
 * Facts kept beyond those in lease.ts and conditions.ts:
 * - "Any write operation on the blob, including updates on the blob's metadata or properties,
 *   changes the last-modified time of the blob", and its ETag; "The Lease Blob operation does not
 *   modify this property" (neither ETag nor Last-Modified).
 * - A successful write to a blob whose lease expired or was broken leaves it "Available" (the
 *   outcome table), so the old holder can no longer renew: "Renew (A) [...] Fails (409) if blob
 *   has been modified".
 * - "If an existing blob with an active lease is overwritten by a Put Blob operation, the lease
 *   persists on the updated blob until it expires or is released."
 * - Success statuses: Put Blob 201, Delete Blob 202, acquire 201, renew/change/release 200,
 *   break 202 (Lease Blob, "Status Code").
 * Container operations, snapshots, blocks, metadata and If-(Un)Modified-Since are not modelled.
 */
import { checkEtag, checkReadLease, checkWriteLease, type ReadConditions, type WriteConditions } from './conditions.ts';
import { AZURE, type BlobDialect } from './dialect.ts';
import { failure, isFailure, type BlobFailure } from './errors.ts';
import { isGuid, leaseIdCounter, sameGuid } from './lease-id.ts';
import { acquire, AVAILABLE, breakLease, change, isLocked, isValidBreakPeriod, isValidDuration, leaseAt, release, renew, type Lease, type LeaseContext, type LeaseState } from './lease.ts';

export interface BlobProperties {
  readonly etag: string;
  /** The service's clock at the last write (ms). */
  readonly lastModified: number;
  readonly contentLength: number;
  readonly leaseState: LeaseState;
  readonly leaseStatus: 'locked' | 'unlocked';
  /** Only while the blob is leased, as Get Blob Properties reports it. */
  readonly leaseDuration?: 'infinite' | 'fixed';
}

/** An answer: a success with its fields, or the service's refusal. */
export type BlobResult<T extends object> = ({ readonly ok: true; readonly status: number } & T) | BlobFailure;

/** If-Match / If-None-Match of a lease action. */
export type EtagConditions = Pick<WriteConditions, 'ifMatch' | 'ifNoneMatch'>;

export interface AcquireRequest extends EtagConditions {
  /** Seconds, 15 to 60, or -1 for infinite. */
  readonly duration: number;
  readonly proposedLeaseId?: string;
}

export interface LeaseRequest extends EtagConditions {
  readonly leaseId: string;
}

export interface ChangeRequest extends LeaseRequest {
  readonly proposedLeaseId: string;
}

export interface BreakRequest extends EtagConditions {
  /** Seconds, 0 to 60; absent: the rest of a fixed lease, or at once for an infinite one. */
  readonly breakPeriod?: number;
}

export interface BlobServiceOptions {
  /** Whose behaviour where Azure and Azurite differ (dialect.ts); Azure by default. */
  readonly dialect?: BlobDialect;
  /** IDs for an acquire without a proposed ID; a deterministic counter by default. */
  readonly newLeaseId?: () => string;
}

interface StoredBlob {
  readonly body: string;
  readonly etag: string;
  readonly lastModified: number;
  lease: Lease;
}

export class BlobService {
  readonly dialect: BlobDialect;
  private readonly blobs = new Map<string, StoredBlob>();
  private readonly newLeaseId: () => string;
  private writes = 0;

  constructor(options: BlobServiceOptions = {}) {
    this.dialect = options.dialect ?? AZURE;
    this.newLeaseId = options.newLeaseId ?? leaseIdCounter();
  }

  /** How many blobs there are. */
  get size(): number {
    return this.blobs.size;
  }

  /** Put Blob: creates or replaces the blob's content (a block blob in one request). */
  putBlob(now: number, name: string, body: string, conditions: WriteConditions = {}): BlobResult<{ etag: string }> {
    const blob = this.current(now, name);
    const refused = checkEtag(blob?.etag, conditions);
    if (refused !== null) return refused;
    const createOnly = conditions.ifNoneMatch === '*';
    if (blob === undefined) {
      if (this.dialect.putWithLeaseIdOnMissingBlobFails && conditions.leaseId !== undefined && conditions.leaseId !== '') return failure('LeaseNotPresentWithBlobOperation');
    } else if (this.dialect.createOnlyPutChecksLeaseFirst) {
      const leaseRefused = checkWriteLease(blob.lease, conditions.leaseId, this.sameIdInBlobOperation);
      if (leaseRefused !== null) return leaseRefused;
      if (createOnly) return failure('BlobAlreadyExists');
    } else {
      if (createOnly) return failure('BlobAlreadyExists');
      const leaseRefused = checkWriteLease(blob.lease, conditions.leaseId, this.sameIdInBlobOperation);
      if (leaseRefused !== null) return leaseRefused;
    }
    // An active lease stays on the new content; an expired or broken one is gone (the blob was modified).
    const lease = blob !== undefined && isLocked(blob.lease) ? blob.lease : AVAILABLE;
    const etag = this.nextEtag();
    this.blobs.set(name, { body, etag, lastModified: now, lease });
    return { ok: true, status: 201, etag };
  }

  /** Get Blob: the content and properties. */
  getBlob(now: number, name: string, conditions: ReadConditions = {}): BlobResult<{ body: string; properties: BlobProperties }> {
    const read = this.read(now, name, conditions);
    if (isFailure(read)) return read;
    return { ok: true, status: 200, body: read.body, properties: propertiesOf(read) };
  }

  /** Get Blob Properties: ETag, length and the lease's state, status and duration. */
  getProperties(now: number, name: string, conditions: ReadConditions = {}): BlobResult<{ properties: BlobProperties }> {
    const read = this.read(now, name, conditions);
    if (isFailure(read)) return read;
    return { ok: true, status: 200, properties: propertiesOf(read) };
  }

  /** Delete Blob: a leased blob needs its lease ID; its lease goes with it. */
  deleteBlob(now: number, name: string, conditions: WriteConditions = {}): BlobResult<object> {
    const blob = this.current(now, name);
    const refused = checkEtag(blob?.etag, conditions);
    if (refused !== null) return refused;
    if (blob === undefined) return failure('BlobNotFound');
    const leaseRefused = checkWriteLease(blob.lease, conditions.leaseId, this.sameIdInBlobOperation);
    if (leaseRefused !== null) return leaseRefused;
    this.blobs.delete(name);
    return { ok: true, status: 202 };
  }

  /** Lease Blob, acquire (201). */
  acquireLease(now: number, name: string, request: AcquireRequest): BlobResult<{ leaseId: string; etag: string }> {
    const { proposedLeaseId } = request;
    const invalid = this.checkHeaders(!isValidDuration(request.duration), proposedLeaseId);
    if (invalid !== null) return invalid;
    return this.leaseAction(now, name, request, 201, (lease, ctx) => acquire(lease, request.duration, proposedLeaseId, ctx));
  }

  /** Lease Blob, renew (200). */
  renewLease(now: number, name: string, request: LeaseRequest): BlobResult<{ leaseId: string; etag: string }> {
    const invalid = this.checkHeaders(false, request.leaseId);
    if (invalid !== null) return invalid;
    return this.leaseAction(now, name, request, 200, (lease, ctx) => renew(lease, request.leaseId, this.dialect.renewOfExpiredChecksId, ctx));
  }

  /** Lease Blob, change (200): the lease's ID becomes the proposed one. */
  changeLease(now: number, name: string, request: ChangeRequest): BlobResult<{ leaseId: string; etag: string }> {
    const invalid = this.checkHeaders(false, request.leaseId, request.proposedLeaseId);
    if (invalid !== null) return invalid;
    return this.leaseAction(now, name, request, 200, (lease, ctx) => change(lease, request.leaseId, request.proposedLeaseId, ctx));
  }

  /** Lease Blob, release (200). */
  releaseLease(now: number, name: string, request: LeaseRequest): BlobResult<{ etag: string }> {
    const invalid = this.checkHeaders(false, request.leaseId);
    if (invalid !== null) return invalid;
    const done = this.leaseAction(now, name, request, 200, (lease, ctx) => release(lease, request.leaseId, ctx));
    return isFailure(done) ? done : { ok: true, status: 200, etag: done.etag };
  }

  /** Lease Blob, break (202): `leaseTime` is the seconds until a new lease can be acquired. */
  breakLease(now: number, name: string, request: BreakRequest = {}): BlobResult<{ leaseTime: number; etag: string }> {
    const { breakPeriod } = request;
    const invalid = this.checkHeaders(breakPeriod !== undefined && !isValidBreakPeriod(breakPeriod));
    if (invalid !== null) return invalid;
    let leaseTime = 0;
    const done = this.leaseAction(now, name, request, 202, (lease, ctx) => {
      const broken = breakLease(lease, breakPeriod, ctx);
      if (isFailure(broken)) return broken;
      leaseTime = broken.leaseTime;
      return broken.lease;
    });
    return isFailure(done) ? done : { ok: true, status: 202, leaseTime, etag: done.etag };
  }

  /**
   * A copy of this service as it stands (blobs, leases, the ETag counter), optionally in another
   * dialect: what would Azure have answered here? The copy shares the lease ID generator.
   */
  fork(dialect: BlobDialect = this.dialect): BlobService {
    const copy = new BlobService({ dialect, newLeaseId: this.newLeaseId });
    for (const [name, blob] of this.blobs) copy.blobs.set(name, { ...blob });
    copy.writes = this.writes;
    return copy;
  }

  /** A blob's content as it stands, without a request (for the node's reports); undefined without a blob. */
  contentOf(name: string): string | undefined {
    return this.blobs.get(name)?.body;
  }

  /**
   * The service after a restart from `saved` (an earlier {@link fork} of this one, or an empty
   * service): its blobs and leases, and ETags that go on after every one this service handed out,
   * so that a restart from an older save never hands an ETag out twice (Azurite draws its ETags
   * from the time and Math.random; an If-Match must not match a different version after a crash).
   */
  restartedFrom(saved: BlobService): BlobService {
    const copy = saved.fork();
    copy.writes = Math.max(copy.writes, this.writes);
    return copy;
  }

  /** The blob's lease as it stands at `now`, without a request (for traces and tests); undefined without a blob. */
  leaseOf(now: number, name: string): Lease | undefined {
    const blob = this.blobs.get(name);
    return blob === undefined ? undefined : leaseAt(blob.lease, now);
  }

  /**
   * The instants (service clock, after `now`) at which a lease changes state by time alone: a fixed
   * lease's end, a break period's end. A test that drives the store and a real service side by side
   * keeps its requests away from them, where the two clocks' small offset could decide.
   */
  leaseDeadlines(now: number): number[] {
    const out: number[] = [];
    for (const blob of this.blobs.values()) {
      const lease = leaseAt(blob.lease, now);
      if (lease.state === 'leased' && lease.expiresAt !== null) out.push(lease.expiresAt);
      if (lease.state === 'breaking') out.push(lease.breaksAt);
    }
    return out.sort((a, b) => a - b);
  }

  /** The blob with its lease brought to `now` (and kept so), or undefined. */
  private current(now: number, name: string): StoredBlob | undefined {
    if (!Number.isFinite(now)) throw new Error(`the service clock reading must be a finite number of milliseconds, got ${now}`);
    if (name === '') throw new Error('a blob name must not be empty');
    const blob = this.blobs.get(name);
    if (blob !== undefined) blob.lease = leaseAt(blob.lease, now);
    return blob;
  }

  private read(now: number, name: string, conditions: ReadConditions): StoredBlob | BlobFailure {
    const blob = this.current(now, name);
    if (blob === undefined) return failure('BlobNotFound');
    return checkReadLease(blob.lease, conditions.leaseId, this.sameIdInBlobOperation) ?? blob;
  }

  /** Azure checks the request's headers before anything else (dialect.ts); Azurite leaves them to the lease's state. */
  private checkHeaders(badNumber: boolean, ...leaseIds: Array<string | undefined>): BlobFailure | null {
    if (!this.dialect.checksHeadersFirst) return null;
    if (badNumber || leaseIds.some((id) => id !== undefined && !isGuid(id))) return failure('InvalidHeaderValue');
    return null;
  }

  private leaseAction(now: number, name: string, conditions: EtagConditions, status: number, act: (lease: Lease, ctx: LeaseContext) => Lease | BlobFailure): BlobResult<{ leaseId: string; etag: string }> {
    const blob = this.current(now, name);
    const refused = checkEtag(blob?.etag, conditions);
    if (refused !== null) return refused;
    if (blob === undefined) return failure('BlobNotFound');
    const next = act(blob.lease, { now, sameId: this.sameIdInLeaseOperation, newLeaseId: this.newLeaseId });
    if (isFailure(next)) return next;
    blob.lease = next;
    return { ok: true, status, leaseId: next.state === 'available' ? '' : next.id, etag: blob.etag };
  }

  private nextEtag(): string {
    this.writes++;
    return `"0x8D${this.writes.toString(16).toUpperCase().padStart(13, '0')}"`;
  }

  private readonly sameIdInLeaseOperation = (a: string, b: string): boolean => (this.dialect.leaseIdsCompareAsGuids ? sameGuid(a, b) : a === b);
  private readonly sameIdInBlobOperation = (a: string, b: string): boolean => (this.dialect.leaseIdsCompareAsGuids ? sameGuid(a, b) : a.toLowerCase() === b.toLowerCase());
}

function propertiesOf(blob: StoredBlob): BlobProperties {
  const { lease } = blob;
  const base = { etag: blob.etag, lastModified: blob.lastModified, contentLength: new TextEncoder().encode(blob.body).length, leaseState: lease.state, leaseStatus: isLocked(lease) ? ('locked' as const) : ('unlocked' as const) };
  if (lease.state !== 'leased') return base;
  return { ...base, leaseDuration: lease.expiresAt === null ? 'infinite' : 'fixed' };
}
