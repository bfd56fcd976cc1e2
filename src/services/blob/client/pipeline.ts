/**
 * What every client object of one service client shares, as @azure/storage-blob's `Pipeline` is
 * shared: the transport to the service, the clock the retry policy waits on, the random source
 * lease IDs come from, and the retry options. `send` is one SDK call on the wire: its tries under
 * the retry policy, and the answer checked against the statuses the operation expects (anything
 * else becomes the SDK's RestError, built from the response as the SDK builds it).
 */
import type { Clock, Random } from '../../../locks/interface.ts';
import { parseErrorBody, type BlobHttpRequest, type BlobHttpResponse, type BlobTransport } from '../http.ts';
import { headersOf, type HttpHeadersLike, type RawResponse } from './response.ts';
import { AbortError, RestError, restErrorFromResponse } from './rest-error.ts';
import { resolveRetryOptions, sendWithRetries, type ResolvedRetryOptions, type StorageRetryOptions } from './retry-policy.ts';

/** How to build a service client: where requests go, on whose clock it waits, whose random it draws. */
export interface BlobClientOptions {
  /** Carries each request to the service (http.ts). */
  readonly transport: BlobTransport;
  /** The client process's clock: the retry policy's delays run on its monotonic timers. */
  readonly clock: Clock;
  /** The client process's random source: lease IDs of lease clients made without one. */
  readonly random: Random;
  /** The account URL (default Azurite's: `http://127.0.0.1:10000/devstoreaccount1`); only its path reaches the service. */
  readonly url?: string;
  /** The SDK's retry options; its defaults when left out (retry-policy.ts). */
  readonly retryOptions?: StorageRetryOptions;
}

export const DEFAULT_ACCOUNT_URL = 'http://127.0.0.1:10000/devstoreaccount1';

/** An answer the operation expected. */
export interface Answer {
  readonly status: number;
  readonly headers: HttpHeadersLike;
  readonly body: string;
  readonly raw: RawResponse;
}

export interface SendOptions {
  readonly abortSignal?: AbortSignal;
}

export class BlobPipeline {
  readonly transport: BlobTransport;
  readonly clock: Clock;
  readonly random: Random;
  readonly retry: ResolvedRetryOptions;
  readonly url: string;

  constructor(options: BlobClientOptions) {
    if (typeof options.transport !== 'function') throw new TypeError('BlobClientOptions.transport must be a function (request) => Promise<response>; see src/services/blob/http.ts');
    if (options.clock === undefined || options.random === undefined) throw new TypeError('BlobClientOptions needs the client process\'s clock and random source (the retry policy waits on the clock; lease IDs come from the random source)');
    this.transport = options.transport;
    this.clock = options.clock;
    this.random = options.random;
    this.retry = resolveRetryOptions(options.retryOptions);
    const url = options.url ?? DEFAULT_ACCOUNT_URL;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`BlobClientOptions.url must be an account URL such as ${DEFAULT_ACCOUNT_URL}, got ${url}`);
    }
    if (parsed.search !== '' || parsed.hash !== '') throw new TypeError(`BlobClientOptions.url must be an account URL without query or fragment (no SAS: nothing is authenticated here), got ${url}`);
    this.url = url.replace(/\/+$/, '');
  }

  /** One SDK call: tries under the retry policy; a status outside `expected` rejects with the SDK's RestError. */
  async send(request: BlobHttpRequest, expected: readonly number[], options: SendOptions = {}): Promise<Answer> {
    const withTimeout = this.retry.tryTimeoutInMs === undefined ? request : { ...request, url: withQuery(request.url, 'timeout', String(Math.floor(this.retry.tryTimeoutInMs / 1000))) };
    const response = await sendWithRetries(() => this.sendOnce(withTimeout, options.abortSignal), this.retry, this.clock, options.abortSignal);
    const headers = headersOf(response);
    const raw: RawResponse = { status: response.status, headers, request: withTimeout, bodyAsText: response.body };
    if (!expected.includes(response.status)) {
      throw restErrorFromResponse(withTimeout, response, headers, request.method === 'HEAD' ? {} : parseErrorBody(response.body));
    }
    return { status: response.status, headers, body: response.body, raw };
  }

  /** One try: the transport's answer, or a RestError for a request that could not be sent (as the SDK's HTTP client wraps socket errors). */
  private sendOnce(request: BlobHttpRequest, abortSignal: AbortSignal | undefined): Promise<BlobHttpResponse> {
    if (abortSignal?.aborted === true) return Promise.reject(new AbortError());
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new AbortError());
      abortSignal?.addEventListener('abort', onAbort, { once: true });
      let sent: Promise<BlobHttpResponse>;
      try {
        sent = this.transport(request);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        (response) => {
          abortSignal?.removeEventListener('abort', onAbort);
          resolve(response);
        },
        (error: unknown) => {
          abortSignal?.removeEventListener('abort', onAbort);
          if (error instanceof Error && error.name === 'AbortError') {
            reject(error);
            return;
          }
          const message = error instanceof Error ? error.message : String(error);
          const systemCode = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
          const code = typeof systemCode === 'string' ? systemCode : RestError.REQUEST_SEND_ERROR;
          reject(new RestError(message, { code, request }));
        },
      );
    });
  }
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}
