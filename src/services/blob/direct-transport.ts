/**
 * A transport straight into an engine in the same process: no network, no delay, no loss. Each
 * request is answered at the service clock's reading when it is sent (`serviceNow`, which a test
 * takes from its own manual clock, or from the real clock when it runs beside Azurite). For unit
 * tests of the client and the lock algorithms, and for the client's differential test; the
 * simulated network puts a service node between the two instead.
 */
import type { BlobService } from './blob-service.ts';
import type { BlobHttpRequest, BlobHttpResponse, BlobTransport } from './http.ts';
import { serveBlobRequest } from './http-server.ts';

export interface DirectTransportOptions {
  /** Called with every request and its response (a test's transcript). */
  readonly onExchange?: (request: BlobHttpRequest, response: BlobHttpResponse) => void;
}

export function directTransport(service: BlobService, serviceNow: () => number, options: DirectTransportOptions = {}): BlobTransport {
  return (request) => {
    const response = serveBlobRequest(service, serviceNow(), request);
    options.onExchange?.(request, response);
    return Promise.resolve(response);
  };
}
