/**
 * The simulated Blob service behind its HTTP (http.ts): reads a request as the REST service reads
 * it, hands it to the engine (blob-service.ts) with the service's clock reading, and writes the
 * engine's answer as the REST service writes it. Pure, like the engine: the caller passes `now`, so
 * the service node (with its own clock) and the direct transport of tests (with a test's clock) can
 * both put it on a wire.
 *
 * One service is one storage account. Containers are not modelled: every container exists, and
 * a blob is named by its container and its name together. A request the simulated service does
 * not model (another operation, another blob type, a condition header it does not evaluate:
 * If-Modified-Since, tags, ranges) is answered 400 with a message that says what is modelled,
 * rather than answered as if the header were not there.
 */
import type { BlobResult, BlobService } from './blob-service.ts';
import { errorBody, type BlobHttpRequest, type BlobHttpResponse, type LeaseAction } from './http.ts';

/** Headers the service reads, or may ignore because they change nothing here (version, auth, tracing). */
const KNOWN_HEADERS = new Set([
  'x-ms-version',
  'x-ms-date',
  'x-ms-client-request-id',
  'authorization',
  'user-agent',
  'accept',
  'content-type',
  'content-length',
  'x-ms-blob-type',
  'x-ms-lease-action',
  'x-ms-lease-id',
  'x-ms-proposed-lease-id',
  'x-ms-lease-duration',
  'x-ms-lease-break-period',
  'if-match',
  'if-none-match',
]);

/** Query parameters the service reads or ignores (`timeout` is the server-side timeout the SDK's `tryTimeoutInMs` sets; answers here are immediate). */
const KNOWN_QUERY = new Set(['comp', 'timeout']);

const MODELLED = 'the simulated Blob service models Put Blob (block blobs), Get Blob, Get Blob Properties, Delete Blob and Lease Blob';

/** Answers one request at the service's clock reading `now` (milliseconds). */
export function serveBlobRequest(service: BlobService, now: number, request: BlobHttpRequest): BlobHttpResponse {
  const parsed = parseRequest(request);
  if ('refusal' in parsed) return parsed.refusal;
  const { name, headers } = parsed;
  const head = request.method === 'HEAD';
  const conditions = {
    leaseId: headers['x-ms-lease-id'],
    ifMatch: headers['if-match'],
    ifNoneMatch: headers['if-none-match'],
  };
  if (parsed.comp === 'lease') {
    if (request.method !== 'PUT') return refuse(400, 'UnsupportedHttpVerb', `Lease Blob is a PUT, got ${request.method}`, head);
    return leaseRequest(service, now, name, headers, conditions);
  }
  switch (request.method) {
    case 'PUT': {
      const type = headers['x-ms-blob-type'];
      if (type === undefined) return refuse(400, 'MissingRequiredHeader', 'Put Blob needs x-ms-blob-type', false);
      if (type !== 'BlockBlob') return refuse(400, 'InvalidHeaderValue', `x-ms-blob-type ${type} is not modelled: ${MODELLED}`, false);
      return answer(service, service.putBlob(now, name, request.body ?? '', conditions), false, (r) => ({ etag: r.etag, 'content-length': '0' }));
    }
    case 'GET':
      return answer(service, service.getBlob(now, name, { leaseId: conditions.leaseId }), false, (r) => propertiesHeaders(r.properties), (r) => r.body);
    case 'HEAD':
      return answer(service, service.getProperties(now, name, { leaseId: conditions.leaseId }), true, (r) => propertiesHeaders(r.properties));
    case 'DELETE':
      return answer(service, service.deleteBlob(now, name, conditions), false, () => ({ 'content-length': '0' }));
  }
}

/** What a request is about, for a node's counters and observations: the blob (`container/blob`) and the operation, or null if the service would refuse it as unreadable. */
export function requestTarget(request: BlobHttpRequest): { readonly name: string; readonly operation: 'put' | 'get' | 'head' | 'delete' | LeaseAction } | null {
  const parsed = parseRequest(request);
  if ('refusal' in parsed) return null;
  if (parsed.comp === 'lease') {
    const action = parsed.headers['x-ms-lease-action'];
    return action === 'acquire' || action === 'renew' || action === 'change' || action === 'release' || action === 'break' ? { name: parsed.name, operation: action } : null;
  }
  const operation = ({ PUT: 'put', GET: 'get', HEAD: 'head', DELETE: 'delete' } as const)[request.method];
  return { name: parsed.name, operation };
}

type Headers = Readonly<Record<string, string | undefined>>;

function leaseRequest(service: BlobService, now: number, name: string, headers: Headers, conditions: { leaseId?: string; ifMatch?: string; ifNoneMatch?: string }): BlobHttpResponse {
  const etags = { ifMatch: conditions.ifMatch, ifNoneMatch: conditions.ifNoneMatch };
  const action = headers['x-ms-lease-action'] as LeaseAction | undefined;
  const leaseId = conditions.leaseId;
  const proposed = headers['x-ms-proposed-lease-id'];
  const missing = (header: string): BlobHttpResponse => refuse(400, 'MissingRequiredHeader', `Lease Blob (${action}) needs ${header}`, false);
  const withLease = (r: { etag: string; leaseId: string }) => ({ etag: r.etag, 'x-ms-lease-id': r.leaseId, 'content-length': '0' });
  switch (action) {
    case 'acquire': {
      const duration = headers['x-ms-lease-duration'];
      if (duration === undefined) return missing('x-ms-lease-duration');
      return answer(service, service.acquireLease(now, name, { ...etags, duration: headerNumber(duration), proposedLeaseId: proposed }), false, withLease);
    }
    case 'renew':
      if (leaseId === undefined) return missing('x-ms-lease-id');
      return answer(service, service.renewLease(now, name, { ...etags, leaseId }), false, withLease);
    case 'change':
      if (leaseId === undefined) return missing('x-ms-lease-id');
      if (proposed === undefined) return missing('x-ms-proposed-lease-id');
      return answer(service, service.changeLease(now, name, { ...etags, leaseId, proposedLeaseId: proposed }), false, withLease);
    case 'release':
      if (leaseId === undefined) return missing('x-ms-lease-id');
      return answer(service, service.releaseLease(now, name, { ...etags, leaseId }), false, (r) => ({ etag: r.etag, 'content-length': '0' }));
    case 'break': {
      const period = headers['x-ms-lease-break-period'];
      const request = period === undefined ? etags : { ...etags, breakPeriod: headerNumber(period) };
      return answer(service, service.breakLease(now, name, request), false, (r) => ({ etag: r.etag, 'x-ms-lease-time': String(r.leaseTime), 'content-length': '0' }));
    }
    case undefined:
      return refuse(400, 'MissingRequiredHeader', 'Lease Blob needs x-ms-lease-action', false);
    default:
      return refuse(400, 'InvalidHeaderValue', `x-ms-lease-action must be acquire, renew, change, release or break, got ${String(action)}`, false);
  }
}

/** A header's number as the service reads it: an integer, or NaN (which the engine refuses as an invalid value). */
function headerNumber(text: string): number {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
}

function parseRequest(request: BlobHttpRequest): { name: string; comp: string | undefined; headers: Headers } | { refusal: BlobHttpResponse } {
  const head = request.method === 'HEAD';
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { refusal: refuse(400, 'InvalidUri', `not a URL: ${request.url}`, head) };
  }
  // /{account}/{container}/{blob...}: the blob's own slashes are part of its name.
  const segments = url.pathname.split('/').slice(1);
  if (segments.length < 3 || segments[1] === '' || segments.slice(2).join('/') === '') {
    return { refusal: refuse(400, 'InvalidUri', `expected /{account}/{container}/{blob}, got ${url.pathname}: ${MODELLED} (no account or container operations)`, head) };
  }
  const container = decodeURIComponent(segments[1] ?? '');
  const blob = segments.slice(2).map(decodeURIComponent).join('/');
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_QUERY.has(key)) return { refusal: refuse(400, 'InvalidQueryParameterValue', `query parameter ${key} is not modelled: ${MODELLED}`, head) };
  }
  const comp = url.searchParams.get('comp') ?? undefined;
  if (comp !== undefined && comp !== 'lease') return { refusal: refuse(400, 'InvalidQueryParameterValue', `comp=${comp} is not modelled: ${MODELLED}`, head) };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (!KNOWN_HEADERS.has(lower)) return { refusal: refuse(400, 'UnsupportedHeader', `header ${lower} is not modelled (the service would not evaluate it): ${MODELLED}, with x-ms-lease-*, If-Match and If-None-Match`, head) };
    headers[lower] = value;
  }
  return { name: `${container}/${blob}`, comp, headers };
}

function propertiesHeaders(properties: { etag: string; contentLength: number; leaseState: string; leaseStatus: string; leaseDuration?: string }): Record<string, string> {
  const headers: Record<string, string> = {
    etag: properties.etag,
    'content-length': String(properties.contentLength),
    'content-type': 'application/octet-stream',
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-lease-state': properties.leaseState,
    'x-ms-lease-status': properties.leaseStatus,
  };
  if (properties.leaseDuration !== undefined) headers['x-ms-lease-duration'] = properties.leaseDuration;
  return headers;
}

/** A success with its headers (and body), or the refusal in the service's dialect's words. */
function answer<T extends object>(service: BlobService, result: BlobResult<T>, head: boolean, headers: (r: T) => Record<string, string>, body?: (r: T) => string): BlobHttpResponse {
  if (!result.ok) return refuse(result.status, result.code, service.dialect.messages[result.code] ?? result.message, head);
  return { status: result.status, headers: headers(result), body: body === undefined ? '' : body(result) };
}

/** An error answer: the code in x-ms-error-code, and (not for HEAD, which has no body) the XML body. */
function refuse(status: number, code: string, message: string, head: boolean): BlobHttpResponse {
  if (head) return { status, headers: { 'x-ms-error-code': code }, body: '' };
  return { status, headers: { 'x-ms-error-code': code, 'content-type': 'application/xml' }, body: errorBody(code, message) };
}
