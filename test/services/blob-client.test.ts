/**
 * The @azure/storage-blob-shaped client over a direct transport to the engine: answers and their
 * fields, the lease client's ID, the SDK's RestError shape (with a body and for HEAD), the SDK's
 * retry policy on a manual clock (tries, delays, what is retried), aborts, and the clear refusals
 * of what is not modelled. The client's agreement with the real SDK against Azurite is
 * blob-client-differential.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { BlobService } from '../../src/services/blob/blob-service.ts';
import { directTransport } from '../../src/services/blob/direct-transport.ts';
import type { BlobHttpRequest, BlobHttpResponse, BlobTransport } from '../../src/services/blob/http.ts';
import { serveBlobRequest } from '../../src/services/blob/http-server.ts';
import { BlobServiceClient, isRestError, RestError, StorageRetryPolicyType, type ContainerClient } from '../../src/services/blob/client/index.ts';
import { RandomStream } from '../../src/sim/random.ts';
import { ManualClock } from '../locks/manual-clock.ts';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

function world(transportWrap?: (inner: BlobTransport) => BlobTransport, retryOptions?: ConstructorParameters<typeof BlobServiceClient>[0]['retryOptions']) {
  const clock = new ManualClock();
  const service = new BlobService();
  const sent: BlobHttpRequest[] = [];
  const inner = directTransport(service, () => clock.now(), { onExchange: (request) => sent.push(request) });
  const transport = transportWrap === undefined ? inner : transportWrap(inner);
  const client = new BlobServiceClient({ transport, clock, random: new RandomStream('client'), retryOptions });
  const container: ContainerClient = client.getContainerClient('locks');
  return { clock, service, sent, container };
}

async function rejection(promise: Promise<unknown>): Promise<RestError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!isRestError(error)) throw error;
  return error;
}

describe('the Blob client over a direct transport', () => {
  it('uploads, leases and reads as the SDK answers', async () => {
    const { container, sent } = world();
    const blob = container.getBlockBlobClient('dir/my blob');
    expect(blob.url).toBe('http://127.0.0.1:10000/devstoreaccount1/locks/dir/my%20blob');
    expect(blob.accountName).toBe('devstoreaccount1');
    const up = await blob.upload('hello', 5);
    expect(up._response.status).toBe(201);
    expect(up.etag).toMatch(/^"0x/);
    expect(Object.keys(up)).toEqual(['etag']);

    const lease = blob.getBlobLeaseClient(A);
    const acquired = await lease.acquireLease(15);
    expect({ status: acquired._response.status, leaseId: acquired.leaseId, etag: acquired.etag }).toEqual({ status: 201, leaseId: A, etag: up.etag });
    expect(sent.at(-1)).toMatchObject({ method: 'PUT', url: `${blob.url}?comp=lease`, headers: { 'x-ms-lease-action': 'acquire', 'x-ms-lease-duration': '15', 'x-ms-proposed-lease-id': A } });

    const props = await blob.getProperties();
    expect({ ...props }).toEqual({ etag: up.etag, contentLength: 5, contentType: 'application/octet-stream', blobType: 'BlockBlob', leaseState: 'leased', leaseStatus: 'locked', leaseDuration: 'fixed' });

    const renewed = await lease.renewLease();
    expect([renewed._response.status, renewed.leaseId]).toEqual([200, A]);
    const changed = await lease.changeLease(B);
    expect([changed._response.status, changed.leaseId, lease.leaseId]).toEqual([200, B, B]);

    const written = await blob.upload('hi', 2, { conditions: { leaseId: B, ifMatch: up.etag } });
    expect(written.etag).not.toBe(up.etag);
    expect((await blob.downloadToBuffer()).toString()).toBe('hi');
    const download = await blob.download();
    expect(download.leaseState).toBe('leased');
    const chunks: Buffer[] = [];
    for await (const chunk of download.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).toString()).toBe('hi');

    const broken = await lease.breakLease(0);
    expect([broken._response.status, broken.leaseTime, broken.leaseId]).toEqual([202, 0, undefined]);
    const released = await lease.releaseLease();
    expect(released._response.status).toBe(200);
    expect((await blob.getProperties()).leaseState).toBe('available');
    expect((await blob.delete())._response.status).toBe(202);
    expect(await blob.exists()).toBe(false);
    expect((await blob.deleteIfExists()).succeeded).toBe(false);
  });

  it('gives a lease client without an ID a version-4 UUID from the random source (the same seed, the same IDs)', () => {
    const ids = [world().container, world().container].map((c) => c.getBlobClient('x').getBlobLeaseClient().leaseId);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]).toBe(ids[1]);
    const { container } = world();
    const blob = container.getBlobClient('x');
    expect(blob.getBlobLeaseClient().leaseId).not.toBe(blob.getBlobLeaseClient().leaseId);
  });

  it('changes its lease ID only when the service accepted the change', async () => {
    const { container } = world();
    const blob = container.getBlockBlobClient('x');
    await blob.upload('', 0);
    const lease = blob.getBlobLeaseClient(A);
    const error = await rejection(lease.changeLease(B));
    expect([error.statusCode, error.code]).toEqual([409, 'LeaseNotPresentWithLeaseOperation']);
    expect(lease.leaseId).toBe(A);
  });

  it('rejects as the SDK does: code and message from the body, details.errorCode from the header; a HEAD has only details.errorCode', async () => {
    const { container } = world();
    const blob = container.getBlockBlobClient('x');
    await blob.upload('a', 1);
    await blob.getBlobLeaseClient(A).acquireLease(-1);

    const put = await rejection(blob.upload('b', 1));
    expect(put.name).toBe('RestError');
    expect(put).toBeInstanceOf(Error);
    expect({ code: put.code, statusCode: put.statusCode, errorCode: put.details?.errorCode, message: put.message }).toEqual({
      code: 'LeaseIdMissing',
      statusCode: 412,
      errorCode: 'LeaseIdMissing',
      message: 'There is currently a lease on the blob and no lease ID was specified in the request.',
    });
    expect(Object.keys(put).sort()).toEqual(['code', 'details', 'name', 'statusCode']);
    expect(put.response?.status).toBe(412);

    const head = await rejection(blob.getProperties({ conditions: { leaseId: B } }));
    expect({ code: head.code, statusCode: head.statusCode, errorCode: head.details?.errorCode, message: head.message }).toEqual({
      code: undefined,
      statusCode: 412,
      errorCode: 'LeaseIdMismatchWithBlobOperation',
      message: '',
    });

    const etag = await rejection(blob.upload('b', 1, { conditions: { leaseId: A, ifMatch: '"0xstale"' } }));
    expect([etag.statusCode, etag.code]).toEqual([412, 'ConditionNotMet']);
  });

  it('refuses by name what the simulated service does not model', async () => {
    const { container } = world();
    const blob = container.getBlockBlobClient('x');
    await expect(blob.upload('a', 1, { metadata: { a: 'b' } } as never)).rejects.toThrow(/option 'metadata' is not modelled/);
    await expect(blob.download(0, undefined, { conditions: { ifMatch: '*' } } as never)).rejects.toThrow(/condition 'ifMatch' is not modelled.*leaseId/);
    await expect(blob.download(5)).rejects.toThrow(/ranges are not modelled/);
    await expect(blob.upload('abc', 2)).rejects.toThrow(/contentLength 2 does not match the body's 3 bytes/);
    // Options set to undefined are fine, as SDK code often passes them.
    await expect(blob.upload('a', 1, { conditions: { leaseId: undefined, ifMatch: undefined } })).resolves.toBeDefined();
    expect(() => new BlobServiceClient({ transport: directTransport(new BlobService(), () => 0), clock: new ManualClock(), random: new RandomStream(1), retryOptions: { maxTries: 0 } })).toThrow(/maxTries must be an integer >= 1/);
  });

  it('the service answers 400 naming a header it would not evaluate, instead of ignoring it', () => {
    const response = serveBlobRequest(new BlobService(), 0, { method: 'PUT', url: 'http://h/acct/c/b', headers: { 'x-ms-blob-type': 'BlockBlob', 'if-modified-since': 'Wed, 02 Dec 2026 06:11:49 GMT' }, body: '' });
    expect(response.status).toBe(400);
    expect(response.headers['x-ms-error-code']).toBe('UnsupportedHeader');
    expect(response.body).toContain('if-modified-since');
  });
});

describe("the SDK's retry policy on the client's clock", () => {
  /** A transport that fails its first `failures` requests as `fail` says, then passes them on. */
  function failing(failures: number, fail: () => Promise<BlobHttpResponse>): { wrap: (inner: BlobTransport) => BlobTransport; tries: () => number } {
    let tries = 0;
    return {
      wrap: (inner) => (request) => {
        tries++;
        return tries <= failures ? fail() : inner(request);
      },
      tries: () => tries,
    };
  }
  const refused = (): Promise<BlobHttpResponse> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:10000'), { code: 'ECONNREFUSED' }));
  const busy = (status: number) => (): Promise<BlobHttpResponse> => Promise.resolve({ status, headers: { 'x-ms-error-code': 'ServerBusy' }, body: '<Error><Code>ServerBusy</Code><Message>busy</Message></Error>' });

  /** Runs `call`, moving the manual clock on a second at a time (through every retry delay) until it settles. */
  async function drive<T>(clock: ManualClock, call: Promise<T>): Promise<{ outcome: T | unknown }> {
    let settled = false;
    let outcome: unknown;
    call.then(
      (v) => {
        settled = true;
        outcome = v;
      },
      (e: unknown) => {
        settled = true;
        outcome = e;
      },
    );
    for (let second = 0; second < 600 && !settled; second++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!settled) clock.advance(1_000);
    }
    if (!settled) throw new Error('the call did not settle within 600 s of the manual clock');
    return { outcome };
  }

  it('defaults: 4 tries, 0 s then 4 s then 12 s, for a request that could not be sent; then the RestError with the system code', async () => {
    const f = failing(10, refused);
    const { clock, container } = world(f.wrap);
    const { outcome } = await drive(clock, container.getBlockBlobClient('x').upload('a', 1));
    expect(f.tries()).toBe(4);
    expect(isRestError(outcome)).toBe(true);
    expect((outcome as RestError).code).toBe('ECONNREFUSED');
    expect((outcome as RestError).statusCode).toBeUndefined();
  });

  it('waits exactly the exponential delays on the clock (no jitter) and succeeds when the service answers', async () => {
    const f = failing(3, refused);
    const clock = new ManualClock();
    const service = new BlobService();
    const client = new BlobServiceClient({ transport: f.wrap(directTransport(service, () => clock.now())), clock, random: new RandomStream(1) });
    const upload = client.getContainerClient('c').getBlockBlobClient('x').upload('a', 1);
    const times: number[] = [];
    const start = clock.monotonic();
    let done = false;
    void upload.then(() => {
      done = true;
    });
    // Each try fails at once; the next is due after the delay. Step the clock exactly to each due time.
    for (const delay of [0, 4_000, 12_000]) {
      await new Promise((resolve) => setImmediate(resolve));
      expect(clock.pendingTimers()).toBe(1);
      clock.advance(delay);
      times.push(clock.monotonic() - start);
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(true);
    expect(times).toEqual([0, 4_000, 16_000]);
    expect(f.tries()).toBe(4);
    expect((await upload)._response.status).toBe(201);
  });

  it('one millisecond short of a delay, the next try has not been made', async () => {
    const f = failing(2, refused);
    const { clock, container } = world(f.wrap);
    void container.getBlockBlobClient('x').upload('a', 1).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.tries()).toBe(2);
    clock.advance(3_999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.tries()).toBe(2);
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(f.tries()).toBe(3);
  });

  it('retries 500 and 503 answers, and gives the last one as a RestError', async () => {
    const f = failing(10, busy(503));
    const { clock, container } = world(f.wrap);
    const { outcome } = await drive(clock, container.getBlockBlobClient('x').upload('a', 1));
    expect(f.tries()).toBe(4);
    expect([(outcome as RestError).statusCode, (outcome as RestError).code]).toEqual([503, 'ServerBusy']);
  });

  it('does not retry other answers (409, 412, 408, 429)', async () => {
    for (const status of [408, 429]) {
      const f = failing(10, busy(status));
      const { clock, container } = world(f.wrap);
      const { outcome } = await drive(clock, container.getBlockBlobClient('x').upload('a', 1));
      expect(f.tries()).toBe(1);
      expect((outcome as RestError).statusCode).toBe(status);
    }
    const { container, sent } = world();
    const blob = container.getBlockBlobClient('x');
    await blob.upload('a', 1);
    await blob.getBlobLeaseClient(A).acquireLease(15);
    const before = sent.length;
    await rejection(blob.getBlobLeaseClient(B).acquireLease(15));
    await rejection(blob.upload('b', 1));
    expect(sent.length - before).toBe(2);
  });

  it('takes the retry options: maxTries 1 makes one try; FIXED waits retryDelayInMs each time', async () => {
    const once = failing(10, refused);
    const w1 = world(once.wrap, { maxTries: 1 });
    await drive(w1.clock, w1.container.getBlockBlobClient('x').upload('a', 1));
    expect(once.tries()).toBe(1);

    const fixed = failing(2, refused);
    const w2 = world(fixed.wrap, { retryPolicyType: StorageRetryPolicyType.FIXED, retryDelayInMs: 250 });
    const upload = w2.container.getBlockBlobClient('x').upload('a', 1);
    await new Promise((resolve) => setImmediate(resolve));
    w2.clock.advance(249);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fixed.tries()).toBe(1);
    w2.clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fixed.tries()).toBe(2);
    w2.clock.advance(250);
    expect((await upload)._response.status).toBe(201);
  });

  it('an abort ends a retry delay with an AbortError, and a request in flight too', async () => {
    const f = failing(10, refused);
    const { clock, container } = world(f.wrap);
    const controller = new AbortController();
    const upload = container.getBlockBlobClient('x').upload('a', 1, { abortSignal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(upload).rejects.toMatchObject({ name: 'AbortError', message: 'The operation was aborted.' });
    expect(f.tries()).toBe(2);
    expect(clock.pendingTimers()).toBe(0);

    const hung = world(() => () => new Promise<BlobHttpResponse>(() => undefined));
    const c2 = new AbortController();
    const pending = hung.container.getBlockBlobClient('x').upload('a', 1, { abortSignal: c2.signal });
    c2.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});
