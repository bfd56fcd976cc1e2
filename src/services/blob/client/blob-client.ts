/**
 * `BlobClient` and `BlockBlobClient` as @azure/storage-blob 12.32 has them (dist/esm/Clients.js),
 * for what lease code calls: `upload` (Put Blob, with a lease and If-Match / If-None-Match),
 * `download` and `downloadToBuffer` (Get Blob), `getProperties` (ETag, length, the lease's state,
 * status and duration), `exists`, `delete` and `deleteIfExists`, and `getBlobLeaseClient`. Their
 * answers have the SDK's field names and the SDK's non-enumerable `_response`; refusals reject with
 * the SDK's RestError (rest-error.ts) after the SDK's retry policy (retry-policy.ts).
 *
 * Not modelled, and refused by name when asked for (options.ts): ranges, metadata, HTTP headers,
 * tags, access tiers, snapshots, versions, customer-provided keys, If-(Un)Modified-Since, and
 * conditional reads other than the lease. `lastModified` is not in the answers (the simulated code
 * may not build Date objects; lease code decides by ETags, not dates).
 *
 * The two classes share one file because BlockBlobClient extends BlobClient and
 * BlobClient.getBlockBlobClient makes one: two files would import each other at load time.
 */
import { createRequire } from 'node:module';
import { SERVICE_VERSION, type BlobHttpRequest } from '../http.ts';
import { BlobLeaseClient } from './blob-lease-client.ts';
import { checkOptions, conditionHeaders, type BlobRequestConditions, type CommonOptions } from './options.ts';
import type { Answer, BlobPipeline } from './pipeline.ts';
import { isRestError } from './rest-error.ts';
import { withResponse, type WithResponse } from './response.ts';

export type LeaseStateType = 'available' | 'leased' | 'expired' | 'breaking' | 'broken';
export type LeaseStatusType = 'locked' | 'unlocked';
export type LeaseDurationType = 'infinite' | 'fixed';

/** What Get Blob Properties reports (the SDK's BlobGetPropertiesHeaders, as far as modelled). */
export interface BlobProperties {
  readonly etag?: string;
  readonly contentLength?: number;
  readonly contentType?: string;
  readonly blobType?: 'BlockBlob';
  readonly leaseState?: LeaseStateType;
  readonly leaseStatus?: LeaseStatusType;
  /** Only while the blob is leased. */
  readonly leaseDuration?: LeaseDurationType;
}

export type BlobGetPropertiesResponse = WithResponse<BlobProperties>;

/** Get Blob's answer: the properties, and the content as a Node stream (`readableStreamBody`, as the SDK gives it in Node). */
export type BlobDownloadResponseParsed = WithResponse<BlobProperties & { readonly readableStreamBody?: NodeJS.ReadableStream }>;

export type BlobUploadCommonResponse = WithResponse<{ readonly etag?: string }>;
export type BlobDeleteResponse = WithResponse<object>;
export type BlobDeleteIfExistsResponse = WithResponse<{ readonly succeeded: boolean }>;

/** Options of reads: only a lease condition is modelled for them. */
export interface BlobReadOptions extends CommonOptions {
  readonly conditions?: Pick<BlobRequestConditions, 'leaseId'>;
}

export interface BlobDeleteOptions extends CommonOptions {
  readonly conditions?: BlobRequestConditions;
}

export interface BlockBlobUploadOptions extends CommonOptions {
  readonly conditions?: BlobRequestConditions;
}

/** Put Blob's content: text or bytes (UTF-8; the simulated service stores text). */
export type BlobUploadBody = string | ArrayBuffer | ArrayBufferView;

export class BlobClient {
  readonly pipeline: BlobPipeline;
  readonly containerName: string;
  /** The blob's name in its container. */
  readonly name: string;
  readonly url: string;

  constructor(pipeline: BlobPipeline, containerName: string, blobName: string) {
    checkName('container name', containerName);
    checkName('blob name', blobName);
    this.pipeline = pipeline;
    this.containerName = containerName;
    this.name = blobName;
    this.url = `${pipeline.url}/${encodeURIComponent(containerName)}/${blobName.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The account's name: the account URL's first path segment (Azurite's style) or its host's first label (Azure's). */
  get accountName(): string {
    const url = new URL(this.pipeline.url);
    const segment = url.pathname.split('/')[1];
    return segment !== undefined && segment !== '' ? segment : (url.hostname.split('.')[0] ?? '');
  }

  /** A lease client for this blob: with `proposeLeaseId`, or a fresh ID from the client's random source. */
  getBlobLeaseClient(proposeLeaseId?: string): BlobLeaseClient {
    return new BlobLeaseClient(this, proposeLeaseId);
  }

  getBlockBlobClient(): BlockBlobClient {
    return new BlockBlobClient(this.pipeline, this.containerName, this.name);
  }

  /** Get Blob (the whole blob: ranges are not modelled). */
  async download(offset = 0, count?: number, options: BlobReadOptions = {}): Promise<BlobDownloadResponseParsed> {
    checkOptions('BlobClient.download', options, ['conditions'], ['leaseId']);
    if (offset !== 0 || count !== undefined) throw new RangeError(`BlobClient.download: ranges are not modelled by the simulated Blob service; call download() or download(0, undefined, options) (got offset ${offset}, count ${String(count)})`);
    const answer = await this.pipeline.send(this.request('GET', conditionHeaders(options.conditions)), [200], options);
    const readableStreamBody = nodeStream().Readable.from([Buffer.from(answer.body, 'utf8')]);
    return withResponse({ ...propertiesOf(answer), readableStreamBody }, answer.raw);
  }

  /** Get Blob into a Buffer (the SDK's Node-only convenience). */
  async downloadToBuffer(offset = 0, count?: number, options: BlobReadOptions = {}): Promise<Buffer> {
    checkOptions('BlobClient.downloadToBuffer', options, ['conditions'], ['leaseId']);
    if (offset !== 0 || count !== undefined) throw new RangeError(`BlobClient.downloadToBuffer: ranges are not modelled by the simulated Blob service (got offset ${offset}, count ${String(count)})`);
    const answer = await this.pipeline.send(this.request('GET', conditionHeaders(options.conditions)), [200], options);
    return Buffer.from(answer.body, 'utf8');
  }

  /** Get Blob Properties. A refusal has no body: its RestError's `code` is undefined, `details.errorCode` names it. */
  async getProperties(options: BlobReadOptions = {}): Promise<BlobGetPropertiesResponse> {
    checkOptions('BlobClient.getProperties', options, ['conditions'], ['leaseId']);
    const answer = await this.pipeline.send(this.request('HEAD', conditionHeaders(options.conditions)), [200], options);
    return withResponse(propertiesOf(answer), answer.raw);
  }

  /** Whether the blob exists: Get Blob Properties, false on 404 (as the SDK). */
  async exists(options: CommonOptions = {}): Promise<boolean> {
    checkOptions('BlobClient.exists', options, [], []);
    try {
      await this.getProperties(options);
      return true;
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return false;
      throw error;
    }
  }

  /** Delete Blob: a leased blob needs its lease ID. */
  async delete(options: BlobDeleteOptions = {}): Promise<BlobDeleteResponse> {
    checkOptions('BlobClient.delete', options, ['conditions'], ['leaseId', 'ifMatch', 'ifNoneMatch']);
    const answer = await this.pipeline.send(this.request('DELETE', conditionHeaders(options.conditions)), [202], options);
    return withResponse({}, answer.raw);
  }

  /** Delete Blob; `succeeded: false` where there was no blob (the SDK tests details.errorCode BlobNotFound). */
  async deleteIfExists(options: BlobDeleteOptions = {}): Promise<BlobDeleteIfExistsResponse> {
    checkOptions('BlobClient.deleteIfExists', options, ['conditions'], ['leaseId', 'ifMatch', 'ifNoneMatch']);
    try {
      const deleted = await this.delete(options);
      return withResponse({ succeeded: true }, deleted._response);
    } catch (error) {
      if (isRestError(error) && error.details?.errorCode === 'BlobNotFound' && error.response !== undefined) {
        return withResponse({ succeeded: false }, error.response);
      }
      throw error;
    }
  }

  protected request(method: BlobHttpRequest['method'], headers: Record<string, string>, body?: string): BlobHttpRequest {
    return { method, url: this.url, headers: { 'x-ms-version': SERVICE_VERSION, accept: 'application/xml', ...headers }, ...(body === undefined ? {} : { body }) };
  }
}

export class BlockBlobClient extends BlobClient {
  /**
   * Put Blob: creates or replaces the blob with `body` (`contentLength` bytes). On a leased blob the
   * write needs `conditions.leaseId`; `ifMatch` makes it a compare-and-swap on the ETag.
   */
  async upload(body: BlobUploadBody, contentLength: number, options: BlockBlobUploadOptions = {}): Promise<BlobUploadCommonResponse> {
    checkOptions('BlockBlobClient.upload', options, ['conditions'], ['leaseId', 'ifMatch', 'ifNoneMatch']);
    const text = bodyText(body);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (contentLength !== bytes) throw new RangeError(`BlockBlobClient.upload: contentLength ${contentLength} does not match the body's ${bytes} bytes (the real service would refuse or wait for the rest)`);
    const headers = { 'x-ms-blob-type': 'BlockBlob', 'content-length': String(bytes), 'content-type': 'application/octet-stream', ...conditionHeaders(options.conditions) };
    const answer = await this.pipeline.send(this.request('PUT', headers, text), [201], options);
    const etag = answer.headers.get('etag');
    return withResponse(etag === undefined ? {} : { etag }, answer.raw);
  }
}

function propertiesOf(answer: Answer): BlobProperties {
  const h = answer.headers;
  const out: { -readonly [K in keyof BlobProperties]: BlobProperties[K] } = {};
  const etag = h.get('etag');
  const length = h.get('content-length');
  const type = h.get('content-type');
  if (etag !== undefined) out.etag = etag;
  if (length !== undefined) out.contentLength = Number(length);
  if (type !== undefined) out.contentType = type;
  if (h.get('x-ms-blob-type') === 'BlockBlob') out.blobType = 'BlockBlob';
  const state = h.get('x-ms-lease-state');
  const status = h.get('x-ms-lease-status');
  const duration = h.get('x-ms-lease-duration');
  if (state !== undefined) out.leaseState = state as LeaseStateType;
  if (status !== undefined) out.leaseStatus = status as LeaseStatusType;
  if (duration !== undefined) out.leaseDuration = duration as LeaseDurationType;
  return out;
}

function bodyText(body: BlobUploadBody): string {
  if (typeof body === 'string') return body;
  const bytes = body instanceof ArrayBuffer ? new Uint8Array(body) : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TypeError('BlockBlobClient.upload: the simulated Blob service stores text; the body must be a string or UTF-8 bytes');
  }
}

function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name === '') throw new TypeError(`a ${what} must be a non-empty string, got ${JSON.stringify(name)}`);
}

/**
 * Node's stream module, loaded when a download asks for a stream: the playground's browser build
 * (src/play/bundle.ts) has no node:stream, and there download() names itself while everything else
 * (downloadToBuffer, which the lock algorithms use) works.
 */
function nodeStream(): typeof import('node:stream') {
  return createRequire(import.meta.url)('node:stream') as typeof import('node:stream');
}
