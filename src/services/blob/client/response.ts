/**
 * What every answer of the client carries besides its fields, as @azure/storage-blob's responses
 * do: `_response`, the raw response (status, headers, the request). Lease code and tests read
 * `_response.status`; nothing else of the SDK's PipelineResponse is modelled.
 */
import type { BlobHttpRequest, BlobHttpResponse } from '../http.ts';

/** The SDK's HttpHeaders, reduced to reading: names are case-insensitive. */
export interface HttpHeadersLike {
  get(name: string): string | undefined;
  has(name: string): boolean;
  toJSON(): Record<string, string>;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: HttpHeadersLike;
  readonly request: BlobHttpRequest;
  readonly bodyAsText?: string;
}

/** An answer's fields and its raw response. */
export type WithResponse<T> = T & { readonly _response: RawResponse };

export function headersOf(response: BlobHttpResponse): HttpHeadersLike {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) lower[name.toLowerCase()] = value;
  return {
    get: (name) => lower[name.toLowerCase()],
    has: (name) => name.toLowerCase() in lower,
    toJSON: () => ({ ...lower }),
  };
}

/** The fields with `_response` attached, non-enumerable as in the SDK (a spread `{ ...answer }` drops it there too). */
export function withResponse<T extends object>(fields: T, raw: RawResponse): WithResponse<T> {
  return Object.defineProperty(fields, '_response', { value: raw, enumerable: false }) as WithResponse<T>;
}
