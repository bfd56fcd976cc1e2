/**
 * @azure/storage-blob's retry policy, on the client's own clock.
 *
 * The SDK removes @azure/core-rest-pipeline's default retry policies (its pipeline calls
 * `removePolicy({ phase: "Retry" })`, @azure/storage-blob 12.32.0 dist/esm/Pipeline.js) and puts
 * @azure/storage-common's `storageRetryPolicy` in their place (12.4.1,
 * dist/esm/policies/StorageRetryPolicyV2.js). Its defaults (`DEFAULT_RETRY_OPTIONS` there):
 *
 *   maxTries 4, retryDelayInMs 4 000, maxRetryDelayInMs 120 000, retryPolicyType EXPONENTIAL,
 *   tryTimeoutInMs undefined (no client-side timeout; "use server side default timeout strategy").
 *
 * The delay before try n+1 is `min((2^(n-1) - 1) * retryDelayInMs, maxRetryDelayInMs)`
 * (EXPONENTIAL) or `retryDelayInMs` (FIXED): with the defaults, 0 ms, then 4 s, then 12 s, with no
 * jitter. A try is repeated only when
 * - it failed with a RestError whose name, message or code contains one of ETIMEDOUT,
 *   ESOCKETTIMEDOUT, ECONNREFUSED, ECONNRESET, ENOENT, ENOTFOUND, TIMEOUT, EPIPE or
 *   REQUEST_SEND_ERROR (so any request that could not be sent), or
 * - the service answered 500 or 503 (408, 429 and every 4xx are not retried).
 * An error that is not a RestError (an abort) ends the call at once. After the last try the last
 * response (then turned into a RestError by the caller) or error is what the call gets.
 *
 * Not modelled: a secondary host (read-access geo-redundant storage) and the copy-source error
 * codes (no copy operations). The delay runs on the injected Clock's monotonic timers, never on
 * real time; an abort during the delay ends it with an AbortError, as the SDK's `delay` does.
 */
import type { Clock } from '../../../locks/interface.ts';
import type { BlobHttpResponse } from '../http.ts';
import { AbortError, isRestError, type RestError } from './rest-error.ts';

/** The SDK's `StorageRetryPolicyType` (a numeric enum there: EXPONENTIAL = 0, FIXED = 1). */
export const StorageRetryPolicyType = { EXPONENTIAL: 0, FIXED: 1 } as const;
export type StorageRetryPolicyType = (typeof StorageRetryPolicyType)[keyof typeof StorageRetryPolicyType];

/** The SDK's `StorageRetryOptions`, less `secondaryHost`. */
export interface StorageRetryOptions {
  readonly maxTries?: number;
  /** A server-side timeout per try (the `timeout` query parameter, in whole seconds). */
  readonly tryTimeoutInMs?: number;
  readonly retryDelayInMs?: number;
  readonly maxRetryDelayInMs?: number;
  readonly retryPolicyType?: StorageRetryPolicyType;
}

/** `DEFAULT_RETRY_OPTIONS` of @azure/storage-common 12.4.1 (StorageRetryPolicyV2.js). */
export const DEFAULT_RETRY_OPTIONS = Object.freeze({
  maxTries: 4 as number,
  retryDelayInMs: 4 * 1000,
  maxRetryDelayInMs: 120 * 1000,
  retryPolicyType: StorageRetryPolicyType.EXPONENTIAL as StorageRetryPolicyType,
  tryTimeoutInMs: undefined as number | undefined,
});

export type ResolvedRetryOptions = typeof DEFAULT_RETRY_OPTIONS;

const RETRIABLE_ERRORS = ['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'ENOTFOUND', 'TIMEOUT', 'EPIPE', 'REQUEST_SEND_ERROR'];

/** The options with the SDK's defaults filled in; a clear error for values the SDK would misuse. */
export function resolveRetryOptions(options: StorageRetryOptions & { secondaryHost?: string } = {}): ResolvedRetryOptions {
  if (options.secondaryHost !== undefined && options.secondaryHost !== '') {
    throw new RangeError('retryOptions.secondaryHost is not modelled: the simulated Blob service has no secondary (read-access geo-redundant) endpoint; leave it out');
  }
  const resolved = {
    maxTries: options.maxTries ?? DEFAULT_RETRY_OPTIONS.maxTries,
    retryDelayInMs: options.retryDelayInMs ?? DEFAULT_RETRY_OPTIONS.retryDelayInMs,
    maxRetryDelayInMs: options.maxRetryDelayInMs ?? DEFAULT_RETRY_OPTIONS.maxRetryDelayInMs,
    retryPolicyType: options.retryPolicyType ?? DEFAULT_RETRY_OPTIONS.retryPolicyType,
    tryTimeoutInMs: options.tryTimeoutInMs ?? DEFAULT_RETRY_OPTIONS.tryTimeoutInMs,
  };
  if (!Number.isInteger(resolved.maxTries) || resolved.maxTries < 1) throw new RangeError(`retryOptions.maxTries must be an integer >= 1 (1: no retry), got ${resolved.maxTries}`);
  for (const key of ['retryDelayInMs', 'maxRetryDelayInMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) throw new RangeError(`retryOptions.${key} must be a finite number of milliseconds >= 0, got ${resolved[key]}`);
  }
  if (resolved.retryPolicyType !== StorageRetryPolicyType.EXPONENTIAL && resolved.retryPolicyType !== StorageRetryPolicyType.FIXED) {
    throw new RangeError(`retryOptions.retryPolicyType must be StorageRetryPolicyType.EXPONENTIAL (0) or FIXED (1), got ${String(resolved.retryPolicyType)}`);
  }
  if (resolved.tryTimeoutInMs !== undefined && !(Number.isFinite(resolved.tryTimeoutInMs) && resolved.tryTimeoutInMs > 0)) {
    throw new RangeError(`retryOptions.tryTimeoutInMs must be a positive number of milliseconds, got ${resolved.tryTimeoutInMs}`);
  }
  return Object.freeze(resolved);
}

/** The pause before try `attempt + 1`, after try `attempt` failed (attempts count from 1). */
export function retryDelay(options: ResolvedRetryOptions, attempt: number): number {
  if (options.retryPolicyType === StorageRetryPolicyType.FIXED) return options.retryDelayInMs;
  return Math.min((2 ** (attempt - 1) - 1) * options.retryDelayInMs, options.maxRetryDelayInMs);
}

/** Whether the SDK tries again after try `attempt` ended with `response` or `error`. */
export function shouldRetry(options: ResolvedRetryOptions, attempt: number, response: BlobHttpResponse | undefined, error: RestError | undefined): boolean {
  if (attempt >= options.maxTries) return false;
  if (error !== undefined) {
    const code = error.code?.toUpperCase();
    for (const retriable of RETRIABLE_ERRORS) {
      if (error.name.toUpperCase().includes(retriable) || error.message.toUpperCase().includes(retriable) || code === retriable) return true;
    }
  }
  const status = response?.status ?? error?.statusCode ?? 0;
  return status === 500 || status === 503;
}

/**
 * Sends with the SDK's retries: `send` makes one try (rejecting with a RestError when the request
 * could not be sent); resolves to the last response, or rejects with the last error.
 */
export async function sendWithRetries(send: () => Promise<BlobHttpResponse>, options: ResolvedRetryOptions, clock: Clock, abortSignal: AbortSignal | undefined): Promise<BlobHttpResponse> {
  for (let attempt = 1; ; attempt++) {
    let response: BlobHttpResponse | undefined;
    let error: RestError | undefined;
    try {
      response = await send();
    } catch (caught) {
      if (!isRestError(caught)) throw caught;
      error = caught;
    }
    if (!shouldRetry(options, attempt, response, error)) {
      if (response !== undefined) return response;
      throw error;
    }
    await delay(clock, retryDelay(options, attempt), abortSignal);
  }
}

/** Waits `ms` on the clock's monotonic timers; an abort ends the wait with an AbortError. */
function delay(clock: Clock, ms: number, abortSignal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (abortSignal?.aborted === true) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(new AbortError());
    };
    const cancel = clock.setTimer(ms, () => {
      abortSignal?.removeEventListener('abort', onAbort);
      resolve();
    });
    abortSignal?.addEventListener('abort', onAbort, { once: true });
  });
}
