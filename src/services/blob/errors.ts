/**
 * The Blob service's error answers the simulated blob store gives: HTTP status, the error code the
 * service puts in `x-ms-error-code` (and the body's `<Code>`), and its message. Statuses and
 * messages are those of the documentation's "Blob service error codes" table.
 *
 * Two documented facts that are easy to get wrong, kept here because the table says so:
 * - A lease *operation* with the wrong lease ID is 409 `LeaseIdMismatchWithLeaseOperation`; a blob
 *   *operation* (a write or a read naming a lease) with the wrong lease ID is 412
 *   `LeaseIdMismatchWithBlobOperation`.
 * - `LeaseLost` ("A lease ID was specified, but the lease for the blob/container has expired") is
 *   in the table, but a write that names the lease of a blob whose lease expired or was broken is
 *   answered `LeaseNotPresentWithBlobOperation`: Azurite's maintainers changed their LeaseLost to
 *   that code in 2019 "to align with Azure Storage" (Azurite be68faa0), and Microsoft's own lease
 *   tests against the cloud see that code on a blob with no lease. The store never answers LeaseLost.
 */

export type BlobErrorCode =
  | 'BlobNotFound'
  | 'BlobAlreadyExists'
  | 'ConditionNotMet'
  | 'InvalidHeaderValue'
  | 'MultipleConditionHeadersNotSupported'
  | 'LeaseAlreadyPresent'
  | 'LeaseIdMismatchWithLeaseOperation'
  | 'LeaseNotPresentWithLeaseOperation'
  | 'LeaseIsBrokenAndCannotBeRenewed'
  | 'LeaseIsBreakingAndCannotBeAcquired'
  | 'LeaseIsBreakingAndCannotBeChanged'
  | 'LeaseIdMissing'
  | 'LeaseIdMismatchWithBlobOperation'
  | 'LeaseNotPresentWithBlobOperation';

const ERRORS: Record<BlobErrorCode, { readonly status: number; readonly message: string }> = {
  BlobNotFound: { status: 404, message: 'The specified blob does not exist.' },
  BlobAlreadyExists: { status: 409, message: 'The specified blob already exists.' },
  ConditionNotMet: { status: 412, message: 'The condition specified using HTTP conditional header(s) is not met.' },
  InvalidHeaderValue: { status: 400, message: 'The value for one of the HTTP headers is not in the correct format.' },
  MultipleConditionHeadersNotSupported: { status: 400, message: 'Multiple condition headers are not supported.' },
  LeaseAlreadyPresent: { status: 409, message: 'There is already a lease present.' },
  LeaseIdMismatchWithLeaseOperation: { status: 409, message: 'The lease ID specified did not match the lease ID for the blob.' },
  LeaseNotPresentWithLeaseOperation: { status: 409, message: 'There is currently no lease on the blob.' },
  LeaseIsBrokenAndCannotBeRenewed: { status: 409, message: 'The lease ID matched, but the lease has been broken explicitly and cannot be renewed.' },
  LeaseIsBreakingAndCannotBeAcquired: { status: 409, message: 'The lease ID matched, but the lease is currently in breaking state and cannot be acquired until it is broken.' },
  LeaseIsBreakingAndCannotBeChanged: { status: 409, message: 'The lease ID matched, but the lease is currently in breaking state and cannot be changed.' },
  LeaseIdMissing: { status: 412, message: 'There is currently a lease on the blob and no lease ID was specified in the request.' },
  LeaseIdMismatchWithBlobOperation: { status: 412, message: 'The lease ID specified did not match the lease ID for the blob.' },
  LeaseNotPresentWithBlobOperation: { status: 412, message: 'There is currently no lease on the blob.' },
};

/** A refused request: what the service answers. */
export interface BlobFailure {
  readonly ok: false;
  readonly status: number;
  readonly code: BlobErrorCode;
  readonly message: string;
}

export function failure(code: BlobErrorCode): BlobFailure {
  const { status, message } = ERRORS[code];
  return { ok: false, status, code, message };
}

export function isFailure(value: object): value is BlobFailure {
  return 'ok' in value && value.ok === false;
}
