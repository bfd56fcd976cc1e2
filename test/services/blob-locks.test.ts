/**
 * The blob lock algorithms against the engine over a direct transport, with manual clocks: one for
 * the service (its leases expire on it) and one per client (renewals, retries and validity run on
 * it). The test moves all clocks together in small steps; a paused client's clock stands still and
 * then jumps (its overdue timers fire at resume, in order), as a paused process resumes.
 */
import { describe, expect, it } from 'vitest';
import { BlobService } from '../../src/services/blob/blob-service.ts';
import { directTransport } from '../../src/services/blob/direct-transport.ts';
import type { BlobHttpRequest, BlobTransport } from '../../src/services/blob/http.ts';
import { BlobServiceClient, type ContainerClient } from '../../src/services/blob/client/index.ts';
import { blobLeaseLock, blobLeaseWithEtag, guardedWrite, leaseSeconds, type BlobLockContext } from '../../src/services/blob/locks/index.ts';
import { LeaseLostError, type RenewingLease } from '../../src/locks/lease.ts';
import { RandomStream } from '../../src/sim/random.ts';
import { ManualClock } from '../locks/manual-clock.ts';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Client {
  readonly clock: ManualClock;
  readonly context: BlobLockContext;
  /** The same container client, typed as locksim's (the test's own calls use more than the algorithms do). */
  readonly container: ContainerClient;
  readonly sent: BlobHttpRequest[];
  /** When set, requests fail as a refused connection would (the SDK retries them). */
  down: boolean;
  /** When set, acquire requests reach the service but their answers are lost (a reset connection). */
  loseAcquireAnswers: boolean;
}

function world(clients = 2) {
  const service = new BlobService();
  const serviceClock = new ManualClock();
  const made: Client[] = [];
  for (let i = 0; i < clients; i++) {
    const clock = new ManualClock();
    const client: Client = { clock, context: undefined as unknown as BlobLockContext, container: undefined as unknown as ContainerClient, sent: [], down: false, loseAcquireAnswers: false };
    const direct = directTransport(service, () => serviceClock.now());
    const transport: BlobTransport = (request) => {
      client.sent.push(request);
      if (client.down) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
      if (client.loseAcquireAnswers && request.headers['x-ms-lease-action'] === 'acquire') {
        return direct(request).then(() => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
      }
      return direct(request);
    };
    const container = new BlobServiceClient({ transport, clock, random: new RandomStream(`sdk-${i}`) }).getContainerClient('locks');
    (client as { context: BlobLockContext }).context = { container, clock, random: new RandomStream(`lock-${i}`) };
    (client as { container: ContainerClient }).container = container;
    made.push(client);
  }
  /** Clients paused now, with the time they have missed. */
  const paused = new Map<Client, number>();
  /** Moves true time on by `ms` in 100 ms steps; paused clients' clocks stand still. */
  const advance = async (ms: number): Promise<void> => {
    for (let done = 0; done < ms; done += 100) {
      const step = Math.min(100, ms - done);
      serviceClock.advance(step);
      for (const c of made) {
        if (paused.has(c)) paused.set(c, (paused.get(c) ?? 0) + step);
        else c.clock.advance(step);
      }
      await flush();
    }
  };
  const pause = (c: Client): void => {
    paused.set(c, 0);
  };
  /** The client's clock catches up at once and its overdue timers fire in order, as a resumed process's do. */
  const resume = async (c: Client): Promise<void> => {
    const missed = paused.get(c) ?? 0;
    paused.delete(c);
    c.clock.pause(missed);
    await flush();
  };
  const leaseOf = (blob: string) => service.leaseOf(serviceClock.now(), `locks/${blob}`);
  return { service, serviceClock, clients: made, advance, pause, resume, leaseOf };
}

const renewals = (client: Client): number => client.sent.filter((r) => r.headers['x-ms-lease-action'] === 'renew').length;

describe('blob lease lock (auto-renewing)', () => {
  it('takes a lease for the TTL, creating the blob, with validity start + ttl - drift on the client clock', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    const start = a.clock.monotonic();
    const lease = (await blobLeaseLock()(a.context).acquire('job', 15_000)) as RenewingLease;
    expect(lease).not.toBeNull();
    expect(lease.value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lease.validUntil).toBe(start + 15_000 - (15_000 * 0.01 + 2));
    expect(w.leaseOf('job')).toMatchObject({ state: 'leased', id: lease.value });
    // Acquire on a missing blob: 404, create (If-None-Match: *), acquire again.
    expect(a.sent.map((r) => `${r.method} ${r.headers['x-ms-lease-action'] ?? r.headers['if-none-match'] ?? ''}`)).toEqual(['PUT acquire', 'PUT *', 'PUT acquire']);
  });

  it('renews every third of the duration on the client clock, so the service lease never lapses', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    const lease = (await blobLeaseLock()(a.context).acquire('job', 15_000)) as RenewingLease;
    await w.advance(4_900);
    expect(renewals(a)).toBe(0);
    await w.advance(200);
    expect(renewals(a)).toBe(1);
    await w.advance(55_000);
    expect(renewals(a)).toBe(12);
    expect(lease.state).toBe('held');
    expect(lease.signal.aborted).toBe(false);
    expect(w.leaseOf('job')?.state).toBe('leased');
  });

  it('a second client waits (retries), then gives up while the lease is held; gets it once released', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const lockA = blobLeaseLock()(a.context);
    const lease = (await lockA.acquire('job', 15_000)) as RenewingLease;
    const attempt = blobLeaseLock({ retryCount: 2 })(b.context).acquire('job', 15_000);
    await w.advance(2_000);
    expect(await attempt).toBeNull();
    expect(b.sent.filter((r) => r.headers['x-ms-lease-action'] === 'acquire')).toHaveLength(3);
    await lockA.release(lease);
    expect(w.leaseOf('job')?.state).toBe('available');
    const second = (await blobLeaseLock()(b.context).acquire('job', 15_000)) as RenewingLease;
    expect(second.value).not.toBe(lease.value);
    expect(w.leaseOf('job')).toMatchObject({ state: 'leased', id: second.value });
  });

  it('breakAfterMs: an acquire that found the blob busy that long breaks the lease and takes it; the old holder learns at its next renewal', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const held = (await blobLeaseLock()(a.context).acquire('job', 15_000)) as RenewingLease;
    let taken: RenewingLease | null | undefined;
    void blobLeaseLock({ breakAfterMs: 6_000, retryCount: 100, retryDelayMs: 1_000, retryJitterMs: 0 })(b.context)
      .acquire('job', 15_000)
      .then((lease) => (taken = lease as RenewingLease | null));
    await w.advance(5_500);
    expect(taken).toBeUndefined(); // still waiting: a's renewals keep the lease
    await w.advance(1_000);
    expect(taken?.value).toBeDefined();
    expect(b.sent.filter((r) => r.headers['x-ms-lease-action'] === 'break')).toHaveLength(1);
    expect(w.leaseOf('job')).toMatchObject({ state: 'leased', id: taken?.value });
    expect(held.signal.aborted).toBe(false); // nobody told a
    await w.advance(5_000);
    expect(held.signal.aborted).toBe(true);
    expect((held.signal.reason as LeaseLostError).reason).toBe('renewal-failed');
    // Its write naming its lease is refused by the blob.
    const write = await guardedWrite(a.container.getBlockBlobClient('job'), 'stale', { ifMatch: '*', leaseId: held.value });
    expect(write).toMatchObject({ outcome: 'refused', by: 'lease', status: 412, code: 'LeaseIdMismatchWithBlobOperation' });
  });

  it('without breakAfterMs an acquire never breaks a lease', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    await blobLeaseLock()(a.context).acquire('job', 15_000);
    const attempt = blobLeaseLock({ retryCount: 30, retryDelayMs: 1_000, retryJitterMs: 0 })(b.context).acquire('job', 15_000);
    await w.advance(32_000);
    expect(await attempt).toBeNull();
    expect(b.sent.filter((r) => r.headers['x-ms-lease-action'] === 'break')).toHaveLength(0);
  });

  it('aborts the signal when a renewal is refused (the lease was broken)', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const lease = (await blobLeaseLock()(a.context).acquire('job', 15_000)) as RenewingLease;
    await b.container.getBlobClient('job').getBlobLeaseClient().breakLease(0);
    await w.advance(5_100);
    expect(lease.signal.aborted).toBe(true);
    const reason = lease.signal.reason as LeaseLostError;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(reason.reason).toBe('renewal-failed');
    expect(lease.state).toBe('lost');
    const before = renewals(a);
    await w.advance(20_000);
    expect(renewals(a)).toBe(before);
  });

  it('a holder paused past its lease learns at resume that it lost the lease, and renews nothing', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const lease = (await blobLeaseLock()(a.context).acquire('job', 15_000)) as RenewingLease;
    await w.advance(1_000);
    w.pause(a);
    await w.advance(20_000);
    expect(w.leaseOf('job')?.state).toBe('expired');
    // B takes the lease while A is paused.
    const second = await blobLeaseLock()(b.context).acquire('job', 15_000);
    expect(second).not.toBeNull();
    expect(lease.signal.aborted).toBe(false);
    await w.resume(a);
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as LeaseLostError).reason).toBe('expired');
    expect(renewals(a)).toBe(0);
  });

  it('watchValidity false: after a pause past the lease it renews, and the service renews the expired lease as if nothing happened', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    const lock = blobLeaseLock({ watchValidity: false })(a.context);
    expect(lock.name).toBe('lease(blob-lease; watchValidity=false)');
    const lease = (await lock.acquire('job', 15_000)) as RenewingLease;
    await w.advance(1_000);
    w.pause(a);
    await w.advance(20_000);
    expect(w.leaseOf('job')?.state).toBe('expired');
    await w.resume(a);
    expect(renewals(a)).toBe(1);
    expect(lease.signal.aborted).toBe(false);
    expect(w.leaseOf('job')).toMatchObject({ state: 'leased', id: lease.value });
  });

  it('watchValidity false: with another holder in between, the renewal at resume is refused and the signal aborts', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const lease = (await blobLeaseLock({ watchValidity: false })(a.context).acquire('job', 15_000)) as RenewingLease;
    await w.advance(1_000);
    w.pause(a);
    await w.advance(20_000);
    const taken = await blobLeaseLock()(b.context).acquire('job', 15_000);
    expect(taken).not.toBeNull();
    await w.resume(a);
    expect(renewals(a)).toBe(1);
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as LeaseLostError).reason).toBe('renewal-failed');
  });

  it("a renewal the SDK keeps retrying (service unreachable: 0 s, 4 s, 12 s) outlasts the lease: the validity watch aborts first", async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    const lease = (await blobLeaseLock()(a.context).acquire('job', 15_000)) as RenewingLease;
    a.down = true;
    await w.advance(5_000);
    expect(renewals(a)).toBe(1);
    await w.advance(100);
    expect(renewals(a)).toBe(2); // the SDK's first retry comes after 0 ms (the next turn of the clock)
    await w.advance(3_900);
    expect(renewals(a)).toBe(2);
    await w.advance(200);
    expect(renewals(a)).toBe(3); // 4 s after the second try (made at the 100 ms step after 5 s)
    await w.advance(5_600);
    expect(lease.signal.aborted).toBe(false);
    await w.advance(100); // past start + 15 000 - 152
    expect(lease.signal.aborted).toBe(true);
    expect(renewals(a)).toBe(3); // the fourth try would have been 12 s after the third
    expect((lease.signal.reason as LeaseLostError).reason).toBe('expired');
  });

  it('an acquire whose answers are all lost may have taken the lease: the lock gives up and releases it', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    await a.container.getBlockBlobClient('job').upload('', 0);
    a.loseAcquireAnswers = true;
    const attempt = blobLeaseLock({ retryCount: 1 })(a.context).acquire('job', 15_000);
    await w.advance(40_000);
    expect(await attempt).toBeNull();
    // Two lock attempts of four SDK tries each, all with the same lease ID (each re-acquires its own lease).
    const acquires = a.sent.filter((r) => r.headers['x-ms-lease-action'] === 'acquire');
    expect(acquires).toHaveLength(8);
    expect(new Set(acquires.map((r) => r.headers['x-ms-proposed-lease-id'])).size).toBe(1);
    expect(a.sent.at(-1)?.headers['x-ms-lease-action']).toBe('release');
    expect(w.leaseOf('job')?.state).toBe('available');
  });

  it('refuses TTLs the service cannot lease, and an extend that would change the duration', async () => {
    expect(() => leaseSeconds(10_000)).toThrow(/whole number of seconds from 15 to 60.*got 10000/);
    expect(() => leaseSeconds(15_500)).toThrow(RangeError);
    expect(leaseSeconds(60_000)).toBe(60);
    const w = world(1);
    const lock = blobLeaseLock()((w.clients[0] as Client).context);
    await expect(lock.acquire('job', 10_000)).rejects.toThrow(/15000, 16000, \.\.\., 60000/);
    const lease = (await lock.acquire('job', 20_000)) as RenewingLease;
    await expect(lock.extend(lease, 30_000)).resolves.toBeNull();
    expect(lease.signal.aborted).toBe(true);
  });
});

describe('ETag-guarded writes', () => {
  it('a guarded write lands with the ETag it read, and is refused with a stale one', async () => {
    const w = world(1);
    const blob = (w.clients[0] as Client).container.getBlockBlobClient('data');
    const created = await guardedWrite(blob, 'v1', { ifNoneMatch: '*' });
    expect(created.outcome).toBe('landed');
    const again = await guardedWrite(blob, 'v1 again', { ifNoneMatch: '*' });
    expect(again).toMatchObject({ outcome: 'refused', by: 'etag', status: 409, code: 'BlobAlreadyExists' });
    const etag = created.outcome === 'landed' ? created.etag : '';
    const second = await guardedWrite(blob, 'v2', { ifMatch: etag });
    expect(second.outcome).toBe('landed');
    const stale = await guardedWrite(blob, 'v3', { ifMatch: etag });
    expect(stale).toMatchObject({ outcome: 'refused', by: 'etag', status: 412, code: 'ConditionNotMet' });
    expect((await blob.downloadToBuffer()).toString()).toBe('v2');
  });

  it('a write whose answer is lost reports unknown, not refused', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    a.down = true;
    const write = guardedWrite(a.container.getBlockBlobClient('data'), 'v', { ifNoneMatch: '*' });
    await w.advance(20_000);
    expect(await write).toMatchObject({ outcome: 'unknown' });
  });

  it('lease plus ETag on the leased blob: writes land for the holder; a paused holder is refused after its successor wrote', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const lockA = blobLeaseWithEtag()(a.context);
    expect(lockA.name).toBe('lease(blob-lease)+etag');
    const leaseA = (await lockA.acquire('job', 15_000))!;
    expect((await lockA.write(leaseA, 'A1')).outcome).toBe('landed');
    expect((await lockA.write(leaseA, 'A2')).outcome).toBe('landed');
    await w.advance(1_000);
    w.pause(a);
    await w.advance(20_000);
    const lockB = blobLeaseWithEtag()(b.context);
    const leaseB = (await lockB.acquire('job', 15_000))!;
    expect(await lockB.read(leaseB)).toBe('A2');
    expect((await lockB.write(leaseB, 'B1')).outcome).toBe('landed');
    // A resumes (its lease watch fires: lost) but writes anyway, as a holder that does not check would.
    await w.resume(a);
    expect(leaseA.signal?.aborted).toBe(true);
    const late = await lockA.write(leaseA, 'A3');
    expect(late).toMatchObject({ outcome: 'refused', by: 'etag', code: 'ConditionNotMet' });
    expect((await b.container.getBlockBlobClient('job').downloadToBuffer()).toString()).toBe('B1');
  });

  it('with the data in another blob, the lease alone lets a paused holder overwrite its successor; the ETag guard refuses it', async () => {
    const w = world(2);
    const [a, b] = w.clients as [Client, Client];
    const options = { dataBlob: (resource: string) => `${resource}.data` };
    const lockA = blobLeaseWithEtag(options)(a.context);
    const leaseA = (await lockA.acquire('job', 15_000))!;
    expect(leaseA.etag).toBeUndefined();
    expect((await lockA.write(leaseA, 'A1')).outcome).toBe('landed');
    const seenByA = leaseA.etag;
    await w.advance(1_000);
    w.pause(a);
    await w.advance(20_000);
    const lockB = blobLeaseWithEtag(options)(b.context);
    const leaseB = (await lockB.acquire('job', 15_000))!;
    expect(await lockB.read(leaseB)).toBe('A1');
    expect((await lockB.write(leaseB, 'B1')).outcome).toBe('landed');

    await w.resume(a);
    // A plain write by the stale holder (what a lease-only lock does) lands: B's update is lost.
    const data = a.container.getBlockBlobClient('job.data');
    await data.upload('A2 unguarded', 12);
    expect((await data.downloadToBuffer()).toString()).toBe('A2 unguarded');
    // The guarded write with the ETag A last saw is refused.
    leaseA.etag = seenByA;
    const guarded = await lockA.write(leaseA, 'A2 guarded');
    expect(guarded).toMatchObject({ outcome: 'refused', by: 'etag', code: 'ConditionNotMet' });
    expect((await data.downloadToBuffer()).toString()).toBe('A2 unguarded');
  });

  it('acquire reads the ETag under the lease, and releases the lease if it cannot', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    const lock = blobLeaseWithEtag()(a.context);
    const lease = (await lock.acquire('job', 15_000))!;
    const head = a.sent.find((r) => r.method === 'HEAD');
    expect(head?.headers['x-ms-lease-id']).toBe(lease.value);
    expect(lease.etag).toMatch(/^"0x/);
    await lock.release(lease);
    expect(w.leaseOf('job')?.state).toBe('available');
  });
});

describe('the transport seam', () => {
  it('the algorithms send only Blob REST requests through the transport (nothing else reaches the service)', async () => {
    const w = world(1);
    const a = w.clients[0] as Client;
    const lock = blobLeaseWithEtag()(a.context);
    const lease = (await lock.acquire('job', 15_000))!;
    await lock.write(lease, 'x');
    await w.advance(6_000);
    await lock.release(lease);
    const kinds = a.sent.map((r: BlobHttpRequest) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search} ${r.headers['x-ms-lease-action'] ?? ''}`.trim());
    expect(kinds).toEqual([
      'PUT /devstoreaccount1/locks/job?comp=lease acquire',
      'PUT /devstoreaccount1/locks/job',
      'PUT /devstoreaccount1/locks/job?comp=lease acquire',
      'HEAD /devstoreaccount1/locks/job',
      'PUT /devstoreaccount1/locks/job',
      'PUT /devstoreaccount1/locks/job?comp=lease renew',
      'PUT /devstoreaccount1/locks/job?comp=lease release',
    ]);
  });
});
