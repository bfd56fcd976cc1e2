/**
 * The errors @azure/storage-blob throws, with the shape lease code reads: a `RestError` (from
 * @azure/core-rest-pipeline, via @typespec/ts-http-runtime) with `statusCode`, `code` and
 * `details.errorCode`, its request and response non-enumerable; and the `AbortError` of
 * @azure/abort-controller when a call's abortSignal fires.
 *
 * What each field holds, as the SDK 12.32 fills them (seen against Azurite 3.35):
 * - a refusal with a body (every method but HEAD): `code` and `message` from the XML body's
 *   <Code> and <Message>, `details.errorCode` from the x-ms-error-code header;
 * - a refused HEAD (getProperties, exists): no body, so `code` is undefined and `message` is
 *   empty; only `details.errorCode` names the error (lease code that reads `e.code` alone misses it);
 * - a request that could not be sent: `code` is the system error (ECONNREFUSED, ECONNRESET, ...)
 *   or `REQUEST_SEND_ERROR`, no `statusCode`.
 *
 * `isRestError` accepts any Error named `RestError`, as the SDK's own `isRestError` does, so code
 * that tests with the SDK's function accepts these too. `instanceof` the SDK's class does not hold:
 * locksim's simulated code cannot import the SDK (a devDependency).
 */
import type { BlobHttpRequest, BlobHttpResponse } from '../http.ts';
import type { HttpHeadersLike } from './response.ts';

/** What `details` holds: the parsed error headers and body. */
export interface RestErrorDetails {
  /** x-ms-error-code. */
  readonly errorCode?: string;
  /** The body's <Code> (absent for HEAD). */
  readonly code?: string;
  /** The body's <Message> (absent for HEAD). */
  readonly message?: string;
}

/** The raw response an error carries (the SDK's PipelineResponse, reduced). */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: HttpHeadersLike;
  readonly bodyAsText?: string;
  readonly request: BlobHttpRequest;
}

export interface RestErrorOptions {
  readonly code?: string;
  readonly statusCode?: number;
  readonly request?: BlobHttpRequest;
  readonly response?: ErrorResponse;
  readonly details?: RestErrorDetails;
}

export class RestError extends Error {
  /** The code of a request that could not be sent (no system error code known). */
  static readonly REQUEST_SEND_ERROR = 'REQUEST_SEND_ERROR';
  /** The code of a response that could not be parsed. */
  static readonly PARSE_ERROR = 'PARSE_ERROR';
  override readonly name = 'RestError';
  readonly code: string | undefined;
  readonly statusCode: number | undefined;
  readonly details: RestErrorDetails | undefined;
  declare readonly request: BlobHttpRequest | undefined;
  declare readonly response: ErrorResponse | undefined;

  constructor(message: string, options: RestErrorOptions = {}) {
    super(message);
    this.code = options.code;
    this.statusCode = options.statusCode;
    this.details = options.details;
    // Non-enumerable, as in the SDK (they can hold secrets; they stay out of JSON and logs).
    Object.defineProperty(this, 'request', { value: options.request, enumerable: false });
    Object.defineProperty(this, 'response', { value: options.response, enumerable: false });
  }
}

/** The SDK's test: an Error named RestError. */
export function isRestError(error: unknown): error is RestError {
  return error instanceof Error && error.name === 'RestError';
}

/** @azure/abort-controller's AbortError, with the SDK's message. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was aborted.') {
    super(message);
  }
}

/** A refused request's RestError, as the SDK's deserialization builds it from the response. */
export function restErrorFromResponse(request: BlobHttpRequest, response: BlobHttpResponse, headers: HttpHeadersLike, body: { code?: string; message?: string }): RestError {
  const errorCode = headers.get('x-ms-error-code');
  const details: RestErrorDetails = { ...(errorCode === undefined ? {} : { errorCode }), ...body };
  return new RestError(body.message ?? response.body, {
    code: body.code,
    statusCode: response.status,
    request,
    response: { status: response.status, headers, bodyAsText: response.body, request },
    details,
  });
}
