/**
 * `BlobLeaseClient` as @azure/storage-blob 12.32 has it (dist/esm/BlobLeaseClient.js), for a
 * blob's lease (container leases are not modelled):
 *
 * - it holds one lease ID from the start: the one given, or a fresh version-4 UUID (the SDK calls
 *   `randomUUID()`; here it comes from the client process's random source, so a run stays a function
 *   of its seed);
 * - `acquireLease(duration)` always proposes that ID (x-ms-proposed-lease-id), so acquiring again
 *   with the same client re-acquires its own lease;
 * - `changeLease(proposed)` switches the client to the new ID only when the service said yes;
 * - `renewLease`, `releaseLease` name the client's ID; `breakLease(breakPeriod)` names none, and
 *   sends no x-ms-lease-break-period when the period is undefined;
 * - a refusal rejects with the SDK's RestError (rest-error.ts).
 */
import type { Random } from '../../../locks/interface.ts';
import { SERVICE_VERSION, type BlobHttpRequest, type LeaseAction } from '../http.ts';
import type { BlobClient } from './blob-client.ts';
import { checkOptions, conditionHeaders, type CommonOptions, type ModifiedAccessConditions } from './options.ts';
import { withResponse, type WithResponse } from './response.ts';

/** The SDK's `Lease`: what a lease action answers. */
export interface Lease {
  readonly etag?: string;
  readonly leaseId?: string;
  /** Break only: seconds until a new lease can be acquired. */
  readonly leaseTime?: number;
}

export type LeaseOperationResponse = WithResponse<Lease>;

export interface LeaseOperationOptions extends CommonOptions {
  readonly conditions?: ModifiedAccessConditions;
}

export class BlobLeaseClient {
  private _leaseId: string;
  private readonly client: BlobClient;

  constructor(client: BlobClient, leaseId?: string) {
    this.client = client;
    this._leaseId = leaseId === undefined || leaseId === '' ? randomUuid(client.pipeline.random) : leaseId;
  }

  /** The lease ID this client names (and proposes when it acquires). */
  get leaseId(): string {
    return this._leaseId;
  }

  get url(): string {
    return this.client.url;
  }

  /** Lease Blob, acquire: 15 to 60 seconds, or -1 for a lease that does not expire. */
  async acquireLease(duration: number, options: LeaseOperationOptions = {}): Promise<LeaseOperationResponse> {
    checkOptions('BlobLeaseClient.acquireLease', options, ['conditions'], ['ifMatch', 'ifNoneMatch']);
    if (typeof duration !== 'number') throw new TypeError(`BlobLeaseClient.acquireLease: duration must be a number of seconds (15 to 60, or -1), got ${typeof duration}`);
    return this.act('acquire', { 'x-ms-lease-duration': String(duration), 'x-ms-proposed-lease-id': this._leaseId }, [201], options);
  }

  /** Lease Blob, change: the lease's ID becomes `proposedLeaseId`, and so does this client's. */
  async changeLease(proposedLeaseId: string, options: LeaseOperationOptions = {}): Promise<LeaseOperationResponse> {
    checkOptions('BlobLeaseClient.changeLease', options, ['conditions'], ['ifMatch', 'ifNoneMatch']);
    if (typeof proposedLeaseId !== 'string' || proposedLeaseId === '') throw new TypeError('BlobLeaseClient.changeLease: proposedLeaseId must be a lease ID (a GUID)');
    const response = await this.act('change', { 'x-ms-lease-id': this._leaseId, 'x-ms-proposed-lease-id': proposedLeaseId }, [200], options);
    this._leaseId = proposedLeaseId;
    return response;
  }

  /** Lease Blob, release. */
  async releaseLease(options: LeaseOperationOptions = {}): Promise<LeaseOperationResponse> {
    checkOptions('BlobLeaseClient.releaseLease', options, ['conditions'], ['ifMatch', 'ifNoneMatch']);
    return this.act('release', { 'x-ms-lease-id': this._leaseId }, [200], options);
  }

  /** Lease Blob, renew: the lease's clock starts again (an expired lease too, if nothing happened to the blob since). */
  async renewLease(options: LeaseOperationOptions = {}): Promise<LeaseOperationResponse> {
    checkOptions('BlobLeaseClient.renewLease', options, ['conditions'], ['ifMatch', 'ifNoneMatch']);
    return this.act('renew', { 'x-ms-lease-id': this._leaseId }, [200], options);
  }

  /** Lease Blob, break: `breakPeriod` seconds (0 to 60), or undefined for the rest of the lease (at once for an infinite one). */
  async breakLease(breakPeriod: number, options: LeaseOperationOptions = {}): Promise<LeaseOperationResponse> {
    checkOptions('BlobLeaseClient.breakLease', options, ['conditions'], ['ifMatch', 'ifNoneMatch']);
    // The SDK types the period as a number but sends no header for undefined.
    const period = breakPeriod as number | undefined;
    if (period !== undefined && typeof period !== 'number') throw new TypeError(`BlobLeaseClient.breakLease: breakPeriod must be a number of seconds (0 to 60) or undefined, got ${typeof period}`);
    return this.act('break', period === undefined ? {} : { 'x-ms-lease-break-period': String(period) }, [202], options);
  }

  private async act(action: LeaseAction, headers: Record<string, string>, expected: readonly number[], options: LeaseOperationOptions): Promise<LeaseOperationResponse> {
    const request: BlobHttpRequest = {
      method: 'PUT',
      url: `${this.client.url}?comp=lease`,
      headers: { 'x-ms-version': SERVICE_VERSION, accept: 'application/xml', 'x-ms-lease-action': action, ...headers, ...conditionHeaders(options.conditions) },
    };
    const answer = await this.client.pipeline.send(request, expected, options);
    const lease: { etag?: string; leaseId?: string; leaseTime?: number } = {};
    const etag = answer.headers.get('etag');
    const leaseId = answer.headers.get('x-ms-lease-id');
    const leaseTime = answer.headers.get('x-ms-lease-time');
    if (etag !== undefined) lease.etag = etag;
    if (leaseId !== undefined) lease.leaseId = leaseId;
    if (leaseTime !== undefined) lease.leaseTime = Number(leaseTime);
    return withResponse(lease, answer.raw);
  }
}

/** A version-4 UUID from the random source, as `randomUUID()` formats one. */
export function randomUuid(random: Random): string {
  const hex = random.hex(16).split('');
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}
