/**
 * Where the Blob service and Azurite (the emulator locksim can run) answer differently, and which
 * one the simulated store follows.
 *
 * The store follows the Azure service by default (`AZURE`): simulated scenarios are about Azure's
 * leases, and a user who reads the documentation must find the simulated service agreeing with it.
 * Each field below is one difference, with the evidence for Azure's side. `AZURITE_3_35` turns each
 * one to Azurite 3.35.0's behaviour (read in its source, src/blob/lease/*.ts, and seen by the
 * differential test), so that the differential test compares like with like and real mode, which
 * runs Azurite, can expect the simulated verdicts. Where the documentation says nothing and
 * nothing else was found, both dialects do what Azurite does, and docs/blob-leases.md says so.
 */
import type { BlobErrorCode } from './errors.ts';

export interface BlobDialect {
  readonly name: 'azure' | 'azurite-3.35';
  /**
   * Request headers are checked before the lease: a lease duration outside 15–60 s (and not -1), a
   * break period outside 0–60 s, or a lease ID that is not a GUID is 400 `InvalidHeaderValue`
   * whatever the lease's state. Microsoft's own lease tests see 400 for a break period of 61 s on an
   * infinite lease, and for a proposed lease ID "invalid"; the documentation says "The Blob service
   * returns 400 (Invalid request) if the proposed lease ID is not in the correct format".
   * Azurite checks the duration only in some states (not while leased under another ID, nor while
   * breaking), the break period only for fixed and breaking leases, and lease IDs never.
   */
  readonly checksHeadersFirst: boolean;
  /**
   * Renewing an expired lease needs its own lease ID: "Renew (B)" on "Expired (A)" fails with 409 in
   * the documentation's table. Azurite renews an expired lease whatever ID the request names (and
   * answers with the old lease's ID).
   */
  readonly renewOfExpiredChecksId: boolean;
  /**
   * Put Blob naming a lease ID on a blob that does not exist fails: "If the client specifies a lease
   * ID on a blob that doesn't yet exist, Blob Storage returns status code 412 (Precondition Failed)
   * for requests made against version 2013-08-15 and later" (Put Blob). Azurite creates the blob.
   */
  readonly putWithLeaseIdOnMissingBlobFails: boolean;
  /**
   * Put Blob with `If-None-Match: *` (create only) on a leased blob checks the lease first
   * (412 `LeaseIdMissing`), as Azure does (Azurite issue #2637, fixed after 3.35); Azurite 3.35
   * answers 409 `BlobAlreadyExists` before looking at the lease.
   */
  readonly createOnlyPutChecksLeaseFirst: boolean;
  /**
   * Lease IDs are GUIDs and compare as GUIDs (any case, with or without braces and hyphens).
   * Azurite compares them as strings in lease operations (and ignoring case in blob operations).
   */
  readonly leaseIdsCompareAsGuids: boolean;
  /**
   * Error messages worded otherwise than errors.ts (the documentation's table), by code; they are
   * what a refusal's body says (http-server.ts writes them). Azurite words four of its lease errors
   * for containers and blobs at once, one with a double space, and keeps the message of its former
   * `LeaseLost` on `LeaseNotPresentWithBlobOperation` (its src/blob/errors/StorageErrorFactory.ts:
   * one message per code). Lease code decides by codes; the client's differential test compares
   * messages too.
   */
  readonly messages: Readonly<Partial<Record<BlobErrorCode, string>>>;
}

export const AZURE: BlobDialect = {
  name: 'azure',
  checksHeadersFirst: true,
  renewOfExpiredChecksId: true,
  putWithLeaseIdOnMissingBlobFails: true,
  createOnlyPutChecksLeaseFirst: true,
  leaseIdsCompareAsGuids: true,
  messages: {},
};

export const AZURITE_3_35: BlobDialect = {
  name: 'azurite-3.35',
  checksHeadersFirst: false,
  renewOfExpiredChecksId: false,
  putWithLeaseIdOnMissingBlobFails: false,
  createOnlyPutChecksLeaseFirst: false,
  leaseIdsCompareAsGuids: false,
  messages: {
    LeaseIdMismatchWithLeaseOperation: 'The lease ID specified did not match the lease ID for the container or blob.',
    LeaseNotPresentWithLeaseOperation: 'There is currently no lease on the container or blob.',
    LeaseIsBreakingAndCannotBeAcquired: "There is already a breaking lease, and can't  be acquired.",
    LeaseNotPresentWithBlobOperation: 'A lease ID was specified, but the lease for the blob has expired.',
  },
};
