/**
 * The Blob service's HTTP, as locksim's client and the simulated service speak it: one request,
 * one response, with the REST API's methods, paths, query parameters and headers (names in lower
 * case), exactly as @azure/storage-blob 12.32 puts them on the wire for the operations lease code
 * uses (seen on the wire against Azurite 3.35; the test that compares the two clients' requests is
 * test/services/blob-client-differential.test.ts):
 *
 *   Put Blob              PUT    /{account}/{container}/{blob}             x-ms-blob-type: BlockBlob, content-length, body
 *   Get Blob              GET    /{account}/{container}/{blob}
 *   Get Blob Properties   HEAD   /{account}/{container}/{blob}
 *   Delete Blob           DELETE /{account}/{container}/{blob}
 *   Lease Blob            PUT    /{account}/{container}/{blob}?comp=lease  x-ms-lease-action: acquire | renew | change | release | break
 *
 * with x-ms-lease-id, x-ms-proposed-lease-id, x-ms-lease-duration, x-ms-lease-break-period,
 * If-Match and If-None-Match as the request needs them. Answers carry the status, `etag`,
 * `x-ms-lease-id`, `x-ms-lease-time`, `x-ms-lease-state`/`-status`/`-duration`, `content-length`,
 * and on a refusal `x-ms-error-code` and (not for HEAD) an XML body `<Error><Code/><Message/></Error>`.
 * Authentication, dates, request IDs and the headers no lease code reads are left out.
 *
 * A transport carries one request to the service and brings its response back. Over the simulated
 * network it is a message to the service node and the node's answer; in tests it can be the engine
 * itself (direct-transport.ts). A transport that cannot deliver a request rejects with an Error whose
 * `code` is the system error Node's HTTP client would report (`ECONNREFUSED` for a node that is
 * down, `ECONNRESET` for a connection cut mid-request, `ETIMEDOUT`): the client turns it into the
 * SDK's `RestError` and its retry policy decides, as @azure/storage-blob's does. A request that is
 * lost and never answered leaves the promise pending, as the SDK's request on a silent TCP
 * connection stays pending (the SDK sets no client-side timeout by default).
 */

export type BlobHttpMethod = 'GET' | 'HEAD' | 'PUT' | 'DELETE';

export interface BlobHttpRequest {
  readonly method: BlobHttpMethod;
  /** The full URL: account URL, container, blob name (each path segment escaped), query. */
  readonly url: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Put Blob's content (text; the simulated service stores text). */
  readonly body?: string;
}

export interface BlobHttpResponse {
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Get Blob's content, an error's XML, or empty. */
  readonly body: string;
}

/** Carries one request to the Blob service and resolves to its response (see above for failures). */
export type BlobTransport = (request: BlobHttpRequest) => Promise<BlobHttpResponse>;

/** The API version @azure/storage-blob 12.32.0 sends (its `SERVICE_VERSION`); the simulated service ignores it. */
export const SERVICE_VERSION = '2026-04-06';

/** The lease actions of Lease Blob, as `x-ms-lease-action` spells them. */
export type LeaseAction = 'acquire' | 'renew' | 'change' | 'release' | 'break';

/** An error response's body, as the Blob service writes it. */
export function errorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

/** The code and message of an error body, or undefined where the body has none (a HEAD answer). */
export function parseErrorBody(body: string): { code?: string; message?: string } {
  const field = (name: string): string | undefined => {
    const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body);
    return match === null ? undefined : unescapeXml(match[1] ?? '');
  };
  const out: { code?: string; message?: string } = {};
  const code = field('Code');
  const message = field('Message');
  if (code !== undefined) out.code = code;
  if (message !== undefined) out.message = message;
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
