/**
 * The conditions a request puts on a blob: its lease (x-ms-lease-id) and its ETag (If-Match,
 * If-None-Match). Each check answers the service's refusal, or null when the request may go on.
 *
 * Facts kept (Lease Blob, "Outcomes of use attempts on blobs by lease state"; Put Blob; Specifying
 * Conditional Headers for Blob Service Operations):
 * - "To write to a blob with an active lease, a client must include the active lease ID with the
 *   write request"; without it the write fails with 412. A breaking lease is still active: its ID
 *   writes, another ID or none does not.
 * - "If the client specifies a lease ID but the blob doesn't have an active lease, Blob Storage
 *   also returns status code 412 (Precondition Failed)" (Put Blob): that is an expired or broken
 *   lease too, so a paused holder whose lease ran out is refused when it names its lease.
 * - "It's not necessary to include the lease ID for GET operations on a blob that has an active
 *   lease. However, all GET operations support a conditional lease parameter, where the operation
 *   only proceeds if the lease ID included with the request is valid."
 * - The documentation's table gives 409 for a write or a read naming another lease on a leased
 *   blob; the error code table gives 412 (LeaseIdMismatchWithBlobOperation), and so do Microsoft's
 *   lease tests against the cloud and Azurite. The store answers 412.
 * - Requests to the Blob service take one ETag per header; If-Match and If-None-Match together
 *   are refused (400), as Azurite refuses them.
 */
import { failure, type BlobFailure } from './errors.ts';
import { isLocked, type Lease } from './lease.ts';

/** The conditions of a write (Put Blob, Delete Blob) or a lease action. */
export interface WriteConditions {
  /** x-ms-lease-id: the write names this lease. */
  readonly leaseId?: string;
  /** If-Match: only if the blob's ETag is this one (`*`: any ETag). */
  readonly ifMatch?: string;
  /** If-None-Match: only if the blob's ETag is not this one (`*`: only if the blob does not exist; Put Blob answers 409). */
  readonly ifNoneMatch?: string;
}

/** The conditions of a read (Get Blob, Get Blob Properties). */
export interface ReadConditions {
  readonly leaseId?: string;
}

const named = (leaseId: string | undefined): leaseId is string => leaseId !== undefined && leaseId !== '';

/** The lease check of a write: a locked lease wants its own ID, an unlocked blob wants none. */
export function checkWriteLease(lease: Lease, leaseId: string | undefined, sameId: (a: string, b: string) => boolean): BlobFailure | null {
  if (isLocked(lease)) {
    if (!named(leaseId)) return failure('LeaseIdMissing');
    return sameId(leaseId, lease.id) ? null : failure('LeaseIdMismatchWithBlobOperation');
  }
  return named(leaseId) ? failure('LeaseNotPresentWithBlobOperation') : null;
}

/** The lease check of a read: only a read that names a lease is checked. */
export function checkReadLease(lease: Lease, leaseId: string | undefined, sameId: (a: string, b: string) => boolean): BlobFailure | null {
  if (!named(leaseId)) return null;
  if (!isLocked(lease)) return failure('LeaseNotPresentWithBlobOperation');
  return sameId(leaseId, lease.id) ? null : failure('LeaseIdMismatchWithBlobOperation');
}

/**
 * If-Match and If-None-Match against the blob's ETag (`undefined`: no blob). If-None-Match `*` is
 * left to the operation: Put Blob answers an existing blob 409 BlobAlreadyExists.
 */
export function checkEtag(etag: string | undefined, conditions: WriteConditions): BlobFailure | null {
  const { ifMatch, ifNoneMatch } = conditions;
  if (ifMatch !== undefined && ifNoneMatch !== undefined) return failure('MultipleConditionHeadersNotSupported');
  // `If-Match: *` passes even on a missing blob, as in Azurite (the operation then answers for the missing blob).
  if (ifMatch !== undefined) return ifMatch === '*' || ifMatch === etag ? null : failure('ConditionNotMet');
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*' && ifNoneMatch === etag) return failure('ConditionNotMet');
  return null;
}
