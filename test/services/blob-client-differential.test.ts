/**
 * locksim's @azure/storage-blob-shaped client against the real SDK: random sequences of lease
 * actions and writes by three holders over two blobs, each step written once against the SDK's
 * shape and run twice:
 *
 *   (a) through @azure/storage-blob 12.32 to a real Azurite 3.35 (started by the test on 127.0.0.1 on
 *       a free port; test/support/azurite-server.ts), and
 *   (b) through locksim's client (src/services/blob/client/) and a direct transport to the engine in
 *       its Azurite dialect.
 *
 * What must agree, step by step: each answer (status; for a success its lease ID, break time, lease
 * state, status and duration, length, content type, `succeeded`, downloaded content; for a refusal
 * the error's name, statusCode, code, details.errorCode, details.code, the first line of its message
 * and of details.message, and its enumerable keys), the holders' lease clients' `leaseId` after each
 * step, ETags (each side's ETags are labelled in the order they first appear, and the labels must
 * be equal), the requests on the wire (method, URL, every header but authentication, date, client
 * request ID and user agent: the SDK's requests are captured by a pipeline policy, the client's by
 * the transport), and each response header the simulated service sends (it must be in Azurite's
 * answer with the same value). The fields of each of the client's answers must be fields of the
 * SDK's. At the end, the blobs' contents (which writes landed).
 *
 * Time: Azurite's leases run on its real clock, and the engine's on a service clock that the direct
 * transport reads at each request: the real milliseconds since the sequence began (so both clocks
 * move together, and the engine still reads no clock of its own). They differ by the few
 * milliseconds a request takes, so no request is sent within GUARD_MS of an instant at which a lease
 * changes by time alone (a fixed lease's end, a break period's end): the test first waits until the
 * instant is GUARD_MS behind. A request slower than GUARD_MS that straddles such an instant ends its
 * sequence as inconclusive (counted; the test fails if that is not rare). Lease expiry is therefore
 * compared, not avoided: a step may wait past the next lease end (then often renew "as if nothing
 * happened") or until shortly before it (then renew in time).
 *
 * CI: 8 sequences of 30 steps side by side (about 40 s). A long run: LOCKSIM_BLOB_CLIENT_SEQUENCES=120.
 * LOCKSIM_BLOB_CLIENT_FROM=n LOCKSIM_BLOB_CLIENT_SEQUENCES=1 repeats sequence n's steps (their
 * instants are the real clock's, so a replay repeats the requests, not their exact timing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { BlobServiceClient as SdkServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { BlobService } from '../../src/services/blob/blob-service.ts';
import { AZURITE_3_35 } from '../../src/services/blob/dialect.ts';
import { directTransport } from '../../src/services/blob/direct-transport.ts';
import { BlobServiceClient } from '../../src/services/blob/client/index.ts';
import { RealClock } from '../../src/real/clock.ts';
import { RandomStream } from '../../src/sim/random.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteTestsEnabled, startAzurite, type AzuriteServer } from '../support/azurite-server.ts';

const HOLDERS = 3;
const BLOBS = 2;
const SEQUENCES = Number(process.env.LOCKSIM_BLOB_CLIENT_SEQUENCES ?? 8);
const FIRST = Number(process.env.LOCKSIM_BLOB_CLIENT_FROM ?? 1);
const PARALLEL = Number(process.env.LOCKSIM_BLOB_CLIENT_PARALLEL ?? 8);
const STEPS = Number(process.env.LOCKSIM_BLOB_CLIENT_STEPS ?? 30);
/** No request within this many milliseconds of a lease's end or a break's end. */
const GUARD_MS = 400;
/** A wait for a lease's end is taken only if the end is this close... */
const LONGEST_WAIT_MS = 16_500;
/** ...and at most this many times in a sequence. */
const LONG_WAITS = 2;
/** Request headers that differ between any two clients (authentication, time, IDs, user agent). */
const VOLATILE_HEADERS = new Set(['authorization', 'x-ms-date', 'x-ms-client-request-id', 'user-agent']);

// ---------------------------------------------------------------------------------------------
// The shape both clients share: the step code below is written once, against it.

interface Conditions {
  leaseId?: string;
  ifMatch?: string;
  ifNoneMatch?: string;
}
interface LeaseLike {
  readonly leaseId: string;
  acquireLease(duration: number, options?: { conditions?: { ifMatch?: string } }): Promise<object>;
  renewLease(): Promise<object>;
  changeLease(proposedLeaseId: string): Promise<object>;
  releaseLease(): Promise<object>;
  breakLease(breakPeriod: number): Promise<object>;
}
interface BlobLike {
  upload(body: string, contentLength: number, options?: { conditions?: Conditions }): Promise<object>;
  download(offset?: number, count?: number, options?: { conditions?: { leaseId?: string } }): Promise<object & { readableStreamBody?: NodeJS.ReadableStream }>;
  getProperties(options?: { conditions?: { leaseId?: string } }): Promise<object & { etag?: string }>;
  delete(options?: { conditions?: Conditions }): Promise<object>;
  deleteIfExists(options?: { conditions?: Conditions }): Promise<object>;
  exists(): Promise<boolean>;
  getBlobLeaseClient(proposeLeaseId?: string): LeaseLike;
}
interface ContainerLike {
  getBlockBlobClient(name: string): BlobLike;
}

/** A request and its response on the wire, reduced to what the two clients must share. */
interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  status: number;
  responseHeaders: Record<string, string>;
}

/** One side of the comparison: its client objects, its wire transcript and its ETag labels. */
interface Side {
  readonly name: 'sdk' | 'locksim';
  readonly container: ContainerLike;
  readonly blobs: BlobLike[];
  /** leases[h][b]: holder h's lease client for blob b (each always proposes its own ID). */
  readonly leases: LeaseLike[][];
  /** lastEtag[h][b]: the ETag holder h last saw on blob b. */
  readonly lastEtag: Array<Array<string | undefined>>;
  /** firstEtag[b]: blob b's ETag when it was created. */
  readonly firstEtag: Array<string | undefined>;
  readonly wire: Exchange[];
  readonly labels: Map<string, string>;
}

const label = (side: Side, etag: string | undefined): string | undefined => {
  if (etag === undefined) return undefined;
  let found = side.labels.get(etag);
  if (found === undefined) {
    found = `E${side.labels.size + 1}`;
    side.labels.set(etag, found);
  }
  return found;
};

// ---------------------------------------------------------------------------------------------
// Outcomes, reduced to what the SDK and the client must agree on.

const COMPARED_FIELDS = ['etag', 'leaseId', 'leaseTime', 'leaseState', 'leaseStatus', 'leaseDuration', 'contentLength', 'contentType', 'blobType', 'succeeded'] as const;

interface Outcome {
  ok: boolean;
  status?: number;
  fields?: Record<string, unknown>;
  /** The answer's own enumerable fields (the client's must be among the SDK's). */
  keys: string[];
  /** The answer itself (the SDK's has some fields as getters). */
  response?: object;
  body?: string;
  error?: Record<string, unknown>;
}

async function outcomeOf(side: Side, call: () => Promise<unknown>): Promise<Outcome> {
  try {
    const r = await call();
    if (typeof r === 'boolean') return { ok: true, fields: { value: r }, keys: [] };
    const response = r as Record<string, unknown> & { _response?: { status: number }; readableStreamBody?: NodeJS.ReadableStream };
    const status = response._response?.status;
    if (status === undefined) throw new Error(`${side.name}: an answer without _response`);
    const fields: Record<string, unknown> = {};
    for (const key of COMPARED_FIELDS) fields[key] = key === 'etag' ? label(side, response.etag as string | undefined) : response[key];
    const out: Outcome = { ok: true, status, fields, keys: Object.keys(response), response };
    if (response.readableStreamBody !== undefined) out.body = await streamText(response.readableStreamBody);
    return out;
  } catch (error) {
    const e = error as Error & { statusCode?: number; code?: string; details?: { errorCode?: string; code?: string; message?: string } };
    if (e.name !== 'RestError') throw error;
    const firstLine = (text: string | undefined): string | undefined => text?.split('\n')[0];
    return {
      ok: false,
      keys: [],
      error: {
        name: e.name,
        statusCode: e.statusCode,
        code: e.code,
        errorCode: e.details?.errorCode,
        detailsCode: e.details?.code,
        message: firstLine(e.message),
        detailsMessage: firstLine(e.details?.message),
        keys: Object.keys(e).sort().join(','),
      },
    };
  }
}

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Steps.

type LeaseUse = 'own' | 'none' | 'other';
type Step =
  | { kind: 'acquire'; holder: number; blob: number; duration: number; ifMatch: boolean }
  | { kind: 'renew' | 'release'; holder: number; blob: number }
  | { kind: 'change'; holder: number; blob: number; guid: string }
  | { kind: 'break'; holder: number; blob: number; period: number | undefined }
  /** The holder forgets its lease on the blob (a restarted process): a new lease client with a new ID. */
  | { kind: 'new-lease-client'; holder: number; blob: number; guid: string }
  /** ifMatch: none, the ETag the holder saw last, or the blob's first ETag (stale once anyone wrote). */
  | { kind: 'upload'; holder: number; blob: number; lease: LeaseUse; ifMatch: 'none' | 'last' | 'first'; createOnly: boolean }
  /** Read the ETag, then write only if it is still the blob's (with the holder's lease). */
  | { kind: 'guarded-write'; holder: number; blob: number; lease: LeaseUse }
  | { kind: 'download' | 'properties'; holder: number; blob: number; lease: LeaseUse }
  | { kind: 'delete'; holder: number; blob: number; lease: LeaseUse; ifExists: boolean }
  | { kind: 'exists'; holder: number; blob: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'wait-for-deadline'; mode: 'past' | 'renew-after' | 'renew-before' };

function guidFrom(random: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
}

/** One step; it draws the same number of values whatever it is, so a sequence does not depend on outcomes. */
function drawStep(random: () => number): Step {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const holder = Math.floor(random() * HOLDERS);
  const blob = Math.floor(random() * BLOBS);
  const guid = guidFrom(random);
  const [r, a, b] = [random(), random(), random()];
  const lease = pick(['own', 'own', 'none', 'other'] as const);
  if (r < 0.18) return { kind: 'acquire', holder, blob, duration: pick([15, 15, 15, 20, -1, -1, a < 0.2 ? 14 : 61]), ifMatch: b < 0.2 };
  if (r < 0.26) return { kind: 'renew', holder, blob };
  if (r < 0.32) return { kind: 'change', holder, blob, guid };
  if (r < 0.37) return { kind: 'release', holder, blob };
  if (r < 0.44) return { kind: 'break', holder, blob, period: pick([0, 1, 2, 2, 5, 20, undefined, a < 0.3 ? 61 : 0]) };
  if (r < 0.46) return { kind: 'new-lease-client', holder, blob, guid };
  if (r < 0.6) return { kind: 'upload', holder, blob, lease, ifMatch: a < 0.3 ? 'last' : a < 0.5 ? 'first' : 'none', createOnly: a >= 0.5 && b < 0.15 };
  if (r < 0.68) return { kind: 'guarded-write', holder, blob, lease };
  if (r < 0.72) return { kind: 'download', holder, blob, lease };
  if (r < 0.76) return { kind: 'properties', holder, blob, lease };
  if (r < 0.79) return { kind: 'delete', holder, blob, lease: lease === 'other' ? 'own' : lease, ifExists: a < 0.5 };
  if (r < 0.8) return { kind: 'exists', holder, blob };
  if (r < 0.89) return { kind: 'wait', ms: 300 + Math.floor(a * 2200) };
  return { kind: 'wait-for-deadline', mode: a < 0.3 ? 'past' : a < 0.7 ? 'renew-after' : 'renew-before' };
}

// ---------------------------------------------------------------------------------------------
// What the sequences exercised (printed, and checked not to be vacuous).

const seen = {
  sequences: 0,
  steps: 0,
  requests: 0,
  byKind: {} as Record<string, number>,
  succeeded: 0,
  codes: {} as Record<string, number>,
  headRefusals: 0,
  expiredByTime: 0,
  brokenByTime: 0,
  renewedAfterExpiry: 0,
  writesRefusedForLease: 0,
  writesRefusedForEtag: 0,
  guardedWritesLanded: 0,
  leaseIdsChanged: 0,
  etagChanges: 0,
  wireRequestsCompared: 0,
  guardWaits: 0,
  /** Break answers whose seconds left (within GUARD_MS of a half second) rounded apart on the two clocks. */
  leaseTimesRoundedApart: 0,
  slowestRequestMs: 0,
  inconclusive: 0,
};
const count = (table: Record<string, number>, key: string): void => {
  table[key] = (table[key] ?? 0) + 1;
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Captures the SDK's requests and Azurite's responses on the wire (after signing: what is sent). */
function wirePolicy(into: Exchange[]): PipelinePolicy {
  return {
    name: 'locksim-wire-transcript',
    async sendRequest(request, next) {
      const response = await next(request);
      into.push({ method: request.method, url: request.url, headers: request.headers.toJSON(), status: response.status, responseHeaders: response.headers.toJSON() });
      return response;
    },
  };
}

/** One random sequence, in its own container, with its own engine. Returns its differences. */
async function runSequence(azurite: AzuriteServer, sequence: number): Promise<string[]> {
  const random = seedrandom(`blob-client-${sequence}`);
  const containerName = `cd-${sequence}`;
  const blobName = (b: number): string => `b${b}`;

  // (a) the SDK to Azurite, with its own pipeline (so its transcript is this sequence's alone).
  const sdkService = new SdkServiceClient(azurite.url, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  const sdkContainer = sdkService.getContainerClient(containerName);
  await sdkContainer.create();
  const sdkWire: Exchange[] = [];
  const corePipeline = (sdkService as unknown as { storageClientContext?: { pipeline?: { addPolicy(policy: PipelinePolicy, options: object): void } } }).storageClientContext?.pipeline;
  if (corePipeline === undefined) throw new Error('@azure/storage-blob changed: no storageClientContext.pipeline to capture the wire with');
  corePipeline.addPolicy(wirePolicy(sdkWire), { afterPhase: 'Sign' });

  // (b) locksim's client to the engine; the service clock is the real time since the sequence began.
  const engine = new BlobService({ dialect: AZURITE_3_35 });
  const start = performance.now();
  const clock = (): number => performance.now() - start;
  const simWire: Exchange[] = [];
  const transport = directTransport(engine, clock, {
    onExchange: (request, response) => simWire.push({ method: request.method, url: request.url, headers: { ...request.headers }, status: response.status, responseHeaders: { ...response.headers } }),
  });
  // The same account URL as Azurite's, so URLs on the wire are equal strings.
  const simService = new BlobServiceClient({ transport, clock: new RealClock(), random: new RandomStream(`client-${sequence}`), url: azurite.url });
  const simContainer = simService.getContainerClient(containerName);

  const ids = Array.from({ length: HOLDERS }, () => Array.from({ length: BLOBS }, () => guidFrom(random)));
  const makeSide = (name: Side['name'], container: ContainerLike, wire: Exchange[]): Side => {
    const blobs = Array.from({ length: BLOBS }, (_, b) => container.getBlockBlobClient(blobName(b)));
    return {
      name,
      container,
      blobs,
      leases: ids.map((row) => row.map((id, b) => (blobs[b] as BlobLike).getBlobLeaseClient(id))),
      lastEtag: ids.map((row) => row.map(() => undefined)),
      firstEtag: [],
      wire,
      labels: new Map(),
    };
  };
  const sdk = makeSide('sdk', sdkContainer, sdkWire);
  const sim = makeSide('locksim', simContainer, simWire);

  const log: string[] = [];
  const differences: string[] = [];
  const differ = (what: string): void => {
    differences.push(`sequence ${sequence}, ${what}\n  after:\n    ${log.slice(-20).join('\n    ')}`);
  };

  const clearOfDeadlines = async (): Promise<number> => {
    for (;;) {
      const now = clock();
      const near = engine.leaseDeadlines(now - GUARD_MS).find((d) => Math.abs(d - now) < GUARD_MS);
      if (near === undefined) return now;
      seen.guardWaits++;
      await sleep(near + GUARD_MS - now);
    }
  };

  const wireDifference = (from: { sdk: number; sim: number }): string | null => {
    const a = sdk.wire.slice(from.sdk);
    const b = sim.wire.slice(from.sim);
    if (a.length !== b.length) return `requests on the wire: SDK ${a.length}, locksim ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as Exchange;
      const y = b[i] as Exchange;
      const strip = (h: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(h).filter(([k]) => !VOLATILE_HEADERS.has(k)).sort(([p], [q]) => p.localeCompare(q)));
      // ETags in conditions stand for their labels (each side has its own ETags).
      const request = (side: Side, e: Exchange): string => {
        const headers = strip(e.headers);
        for (const h of ['if-match', 'if-none-match']) if (headers[h] !== undefined && headers[h] !== '*') headers[h] = label(side, headers[h]) ?? '';
        return JSON.stringify({ method: e.method, url: e.url, headers });
      };
      if (request(sdk, x) !== request(sim, y)) return `request on the wire: SDK ${request(sdk, x)}, locksim ${request(sim, y)}`;
      seen.wireRequestsCompared++;
      for (const [header, value] of Object.entries(y.responseHeaders)) {
        const theirs = x.responseHeaders[header];
        const same = header === 'etag' ? label(sim, value) === label(sdk, theirs) : theirs === value;
        if (!same) return `response header ${header}: Azurite ${theirs}, simulated ${value} (${x.method} ${x.url})`;
      }
    }
    return null;
  };

  /**
   * Break answers the seconds left until the lease breaks, rounded; a value within GUARD_MS of a half
   * second may round either way on the two clocks. Then (and only then) the two may differ by one.
   */
  const roundedApart = (a: Omit<Outcome, 'keys' | 'response'>, b: Omit<Outcome, 'keys' | 'response'>, now: number): boolean => {
    const x = a.fields?.leaseTime;
    const y = b.fields?.leaseTime;
    if (typeof x !== 'number' || typeof y !== 'number' || Math.abs(x - y) !== 1) return false;
    if (JSON.stringify({ ...a, fields: { ...a.fields, leaseTime: 0 } }) !== JSON.stringify({ ...b, fields: { ...b.fields, leaseTime: 0 } })) return false;
    const exact = engine.leaseDeadlines(now).map((d) => (d - now) / 1000).find((t) => Math.abs(t - Math.min(x, y) - 0.5) < GUARD_MS / 1000);
    if (exact === undefined) return false;
    seen.leaseTimesRoundedApart++;
    return true;
  };

  /** Runs one call on both sides (the engine first: it answers at once); null if inconclusive or different. */
  const both = async (what: string, call: (side: Side) => Promise<unknown>): Promise<{ sim: Outcome; sdk: Outcome } | null> => {
    const now = await clearOfDeadlines();
    const marks = { sdk: sdk.wire.length, sim: sim.wire.length };
    const simOut = await outcomeOf(sim, () => call(sim));
    const sdkOut = await outcomeOf(sdk, () => call(sdk));
    const took = clock() - now;
    seen.requests++;
    seen.slowestRequestMs = Math.max(seen.slowestRequestMs, Math.round(took));
    if (took > GUARD_MS && engine.leaseDeadlines(now - GUARD_MS).some((d) => d > now - GUARD_MS && d < now + took + GUARD_MS)) {
      seen.inconclusive++;
      console.warn(`blob client differential: sequence ${sequence} inconclusive: a request took ${Math.round(took)} ms across a lease deadline`);
      return null;
    }
    const shown = (o: Outcome): string => JSON.stringify({ ...o, keys: undefined, response: undefined });
    log.push(`${Math.round(now)} ms: ${what} → locksim ${shown(simOut)}, SDK ${shown(sdkOut)}`);
    const { keys: simKeys, response: _simResponse, ...simRest } = simOut;
    const { keys: _sdkKeys, response: sdkResponse, ...sdkRest } = sdkOut;
    if (JSON.stringify(simRest) !== JSON.stringify(sdkRest) && !roundedApart(simRest, sdkRest, now)) {
      differ(`${what}: locksim ${JSON.stringify(simRest)}, SDK ${JSON.stringify(sdkRest)}`);
      return null;
    }
    const extra = sdkResponse === undefined ? [] : simKeys.filter((k) => !(k in sdkResponse));
    if (extra.length > 0) {
      differ(`${what}: the client's answer has fields the SDK's has not: ${extra.join(', ')}`);
      return null;
    }
    const wire = wireDifference(marks);
    if (wire !== null) {
      differ(`${what}: ${wire}`);
      return null;
    }
    if (simOut.ok) seen.succeeded++;
    else {
      count(seen.codes, String(simOut.error?.errorCode));
      if (simOut.error?.code === undefined) seen.headRefusals++;
    }
    return { sim: simOut, sdk: sdkOut };
  };

  const lastState: Array<string | undefined> = Array(BLOBS).fill(undefined);
  const lastEtagLabel: Array<string | undefined> = Array(BLOBS).fill(undefined);
  /** Get Blob Properties on both sides; counts what time alone did. */
  const observe = async (b: number, after: Step['kind']): Promise<boolean> => {
    const got = await both(`properties of b${b}`, (side) => (side.blobs[b] as BlobLike).getProperties());
    if (got === null) return false;
    const state = got.sim.fields?.leaseState as string | undefined;
    if (lastState[b] === 'leased' && state === 'expired') seen.expiredByTime++;
    if (lastState[b] === 'breaking' && state === 'broken' && after !== 'break') seen.brokenByTime++;
    lastState[b] = state;
    const etag = got.sim.fields?.etag as string | undefined;
    if (etag !== undefined && lastEtagLabel[b] !== undefined && etag !== lastEtagLabel[b]) seen.etagChanges++;
    lastEtagLabel[b] = etag;
    return true;
  };

  // Every blob starts with content and no lease.
  for (let b = 0; b < BLOBS; b++) {
    const body = `initial ${b}`;
    const created = await both(`create b${b}`, (side) =>
      (side.blobs[b] as BlobLike).upload(body, Buffer.byteLength(body)).then((r) => {
        side.firstEtag[b] = (r as { etag?: string }).etag;
        return r;
      }),
    );
    if (created === null || !created.sim.ok) throw new Error(`could not create blob b${b}: ${differences.join('\n')}`);
  }

  const leaseIdsAgree = (what: string): boolean => {
    for (let h = 0; h < HOLDERS; h++) {
      for (let b = 0; b < BLOBS; b++) {
        const x = sdk.leases[h]?.[b]?.leaseId;
        const y = sim.leases[h]?.[b]?.leaseId;
        if (x !== y) {
          differ(`${what}: holder ${h}'s lease client for b${b} names ${y} in locksim, ${x} in the SDK`);
          return false;
        }
      }
    }
    return true;
  };

  let longWaits = 0;
  for (let n = 0; n < STEPS && differences.length === 0; n++) {
    let step = drawStep(random);
    seen.steps++;
    count(seen.byKind, step.kind);
    if (step.kind === 'wait') {
      log.push(`${Math.round(clock())} ms: wait ${step.ms} ms`);
      await sleep(step.ms);
      let fine = true;
      for (let b = 0; b < BLOBS && fine; b++) fine = await observe(b, 'wait');
      if (!fine) break;
      continue;
    }
    if (step.kind === 'wait-for-deadline') {
      const { mode } = step;
      const now = clock();
      const ends = [...Array(BLOBS).keys()].flatMap((blob): Array<{ blob: number; at: number; id: string | null }> => {
        const lease = engine.leaseOf(now, `${containerName}/${blobName(blob)}`);
        if (lease?.state === 'leased' && lease.expiresAt !== null) return [{ blob, at: lease.expiresAt, id: lease.id }];
        if (lease?.state === 'breaking') return [{ blob, at: lease.breaksAt, id: null }];
        return [];
      });
      const next = ends.sort((x, y) => x.at - y.at).find((end) => mode !== 'renew-before' || end.id !== null);
      if (next === undefined) continue;
      const until = mode === 'renew-before' ? next.at - 2_000 : next.at + GUARD_MS;
      if (until - now > LONGEST_WAIT_MS || (until - now > 3_000 && longWaits >= LONG_WAITS)) continue;
      if (until - now > 3_000) longWaits++;
      log.push(`${Math.round(now)} ms: wait until ${Math.round(until)} ms (the lease on b${next.blob} ends at ${Math.round(next.at)} ms)`);
      await sleep(until - now);
      let fine = true;
      for (let b = 0; b < BLOBS && fine; b++) fine = await observe(b, 'wait');
      if (!fine) break;
      const holder = sim.leases.findIndex((row) => row[next.blob]?.leaseId === next.id);
      if (mode === 'past' || next.id === null || holder < 0) continue;
      const expired = engine.leaseOf(clock(), `${containerName}/${blobName(next.blob)}`)?.state === 'expired';
      const renewed = await both(`holder ${holder} renews b${next.blob} ${mode === 'renew-after' ? 'after' : 'before'} its end`, (side) => (side.leases[holder]?.[next.blob] as LeaseLike).renewLease());
      if (renewed === null) break;
      if (renewed.sim.ok && expired) seen.renewedAfterExpiry++;
      if (!(await observe(next.blob, 'renew'))) break;
      continue;
    }
    if (step.kind === 'renew' || step.kind === 'change' || step.kind === 'release') {
      // Renew, change and release act on a lease the holder's client names, if there is one (as lock code does).
      const now = clock();
      const holder = step.holder;
      const held = [...Array(BLOBS).keys()].filter((blob) => {
        const lease = engine.leaseOf(now, `${containerName}/${blobName(blob)}`);
        return lease !== undefined && lease.state !== 'available' && lease.id === sim.leases[holder]?.[blob]?.leaseId;
      });
      if (held.length > 0) step = { ...step, blob: held[step.blob % held.length] as number };
    } else if (step.kind === 'break') {
      // A breaker breaks a lease it has seen, if there is one.
      const now = clock();
      const locked = [...Array(BLOBS).keys()].filter((blob) => ['leased', 'breaking'].includes(engine.leaseOf(now, `${containerName}/${blobName(blob)}`)?.state ?? ''));
      if (locked.length > 0) step = { ...step, blob: locked[step.blob % locked.length] as number };
    }
    const h = step.holder;
    const b = step.blob;
    const lease = (side: Side, holder = h): LeaseLike => side.leases[holder]?.[b] as LeaseLike;
    const blob = (side: Side): BlobLike => side.blobs[b] as BlobLike;
    const leaseIdFor = (side: Side, use: LeaseUse): string | undefined => (use === 'own' ? lease(side).leaseId : use === 'other' ? lease(side, (h + 1) % HOLDERS).leaseId : undefined);
    const remember = (side: Side, etag: unknown): void => {
      if (typeof etag === 'string') (side.lastEtag[h] as Array<string | undefined>)[b] = etag;
    };
    const before = sim.leases.map((row) => row.map((l) => l.leaseId));
    let got: { sim: Outcome; sdk: Outcome } | null = null;
    switch (step.kind) {
      case 'acquire': {
        const { duration, ifMatch } = step;
        got = await both(`holder ${h} acquires b${b} for ${duration} s${ifMatch ? ' if-match its ETag' : ''}`, (side) => {
          const etag = ifMatch ? side.lastEtag[h]?.[b] : undefined;
          return lease(side).acquireLease(duration, etag === undefined ? {} : { conditions: { ifMatch: etag } });
        });
        if (got !== null && !got.sim.ok && got.sim.error?.errorCode === 'ConditionNotMet') seen.writesRefusedForEtag++;
        break;
      }
      case 'renew': {
        const expired = engine.leaseOf(clock(), `${containerName}/${blobName(b)}`)?.state === 'expired';
        got = await both(`holder ${h} renews b${b}`, (side) => lease(side).renewLease());
        if (got !== null && got.sim.ok && expired) seen.renewedAfterExpiry++;
        break;
      }
      case 'change':
        got = await both(`holder ${h} changes its lease on b${b} to ${step.guid}`, (side) => lease(side).changeLease(step.guid));
        break;
      case 'release':
        got = await both(`holder ${h} releases b${b}`, (side) => lease(side).releaseLease());
        break;
      case 'break': {
        const { period } = step;
        got = await both(`holder ${h} breaks b${b}${period === undefined ? '' : ` with a period of ${period} s`}`, (side) => lease(side).breakLease(period as number));
        break;
      }
      case 'new-lease-client':
        for (const side of [sim, sdk]) (side.leases[h] as LeaseLike[])[b] = blob(side).getBlobLeaseClient(step.guid);
        log.push(`holder ${h} forgets its lease on b${b}; its new lease client names ${step.guid}`);
        break;
      case 'upload': {
        const { ifMatch, createOnly } = step;
        const body = `holder ${h}, step ${n}`;
        got = await both(`holder ${h} uploads b${b} (lease ${step.lease}${ifMatch === 'none' ? '' : `, if-match the ${ifMatch} ETag`}${createOnly ? ', if-none-match *' : ''})`, (side) => {
          const etag = ifMatch === 'last' ? side.lastEtag[h]?.[b] : ifMatch === 'first' ? side.firstEtag[b] : undefined;
          return blob(side)
            .upload(body, Buffer.byteLength(body), { conditions: { leaseId: leaseIdFor(side, step.lease), ifMatch: etag, ifNoneMatch: createOnly && etag === undefined ? '*' : undefined } })
            .then((r) => {
              remember(side, (r as { etag?: string }).etag);
              return r;
            });
        });
        if (got !== null && !got.sim.ok) {
          const code = String(got.sim.error?.errorCode);
          if (code.startsWith('Lease')) seen.writesRefusedForLease++;
          if (code === 'ConditionNotMet') seen.writesRefusedForEtag++;
        }
        break;
      }
      case 'guarded-write': {
        const read = await both(`holder ${h} reads b${b}'s ETag`, (side) =>
          blob(side)
            .getProperties()
            .then((p) => {
              remember(side, p.etag);
              return p;
            }),
        );
        if (read === null) break;
        const body = `holder ${h}, step ${n}, guarded`;
        got = await both(`holder ${h} writes b${b} if-match what it read (lease ${step.lease})`, (side) => {
          const etag = side.lastEtag[h]?.[b] ?? '"none"';
          return blob(side)
            .upload(body, Buffer.byteLength(body), { conditions: { leaseId: leaseIdFor(side, step.lease), ifMatch: etag } })
            .then((r) => {
              remember(side, (r as { etag?: string }).etag);
              return r;
            });
        });
        if (got !== null && got.sim.ok) seen.guardedWritesLanded++;
        if (got !== null && !got.sim.ok && String(got.sim.error?.errorCode).startsWith('Lease')) seen.writesRefusedForLease++;
        break;
      }
      case 'download':
        got = await both(`holder ${h} downloads b${b} (lease ${step.lease})`, (side) =>
          blob(side)
            .download(0, undefined, { conditions: { leaseId: leaseIdFor(side, step.lease) } })
            .then((r) => {
              remember(side, (r as { etag?: string }).etag);
              return r;
            }),
        );
        break;
      case 'properties':
        got = await both(`holder ${h} reads b${b}'s properties (lease ${step.lease})`, (side) =>
          blob(side)
            .getProperties({ conditions: { leaseId: leaseIdFor(side, step.lease) } })
            .then((p) => {
              remember(side, p.etag);
              return p;
            }),
        );
        break;
      case 'delete':
        got = await both(`holder ${h} deletes b${b}${step.ifExists ? ' if it exists' : ''} (lease ${step.lease})`, (side) => {
          const options = { conditions: { leaseId: leaseIdFor(side, step.lease) } };
          return step.ifExists ? blob(side).deleteIfExists(options) : blob(side).delete(options);
        });
        if (got !== null && !got.sim.ok && String(got.sim.error?.errorCode).startsWith('Lease')) seen.writesRefusedForLease++;
        break;
      case 'exists':
        got = await both(`holder ${h} asks whether b${b} exists`, (side) => blob(side).exists());
        break;
    }
    if (step.kind !== 'new-lease-client') {
      if (got === null) break;
      if (!leaseIdsAgree(`after ${step.kind}`)) break;
      if (sim.leases.some((row, i) => row.some((l, j) => l.leaseId !== before[i]?.[j]))) seen.leaseIdsChanged++;
      if (!(await observe(b, step.kind))) break;
    }
  }
  // Which writes landed: the blobs' contents at the end.
  for (let b = 0; b < BLOBS && differences.length === 0; b++) {
    await both(`final content of b${b}`, (side) => (side.blobs[b] as BlobLike).download());
  }
  seen.sequences++;
  await sdkContainer.delete().catch(() => undefined);
  return differences;
}

const enabled = azuriteTestsEnabled();
let server: AzuriteServer | null = null;

describe.runIf(enabled)("locksim's Blob client over the engine = @azure/storage-blob over Azurite", () => {
  beforeAll(async () => {
    server = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(`${SEQUENCES} random sequences of ${STEPS} steps over ${HOLDERS} holders and ${BLOBS} blobs: the same answers, errors, lease IDs, requests and blobs`, async () => {
    const azurite = server as AzuriteServer;
    const differences: string[] = [];
    for (let batch = FIRST; batch < FIRST + SEQUENCES && differences.length === 0; batch += PARALLEL) {
      const numbers = Array.from({ length: Math.min(PARALLEL, FIRST + SEQUENCES - batch) }, (_, i) => batch + i);
      const results = await Promise.all(numbers.map((n) => runSequence(azurite, n)));
      differences.push(...results.flat());
    }
    console.log(`blob client differential: ${JSON.stringify(seen)}`);
    expect(differences).toEqual([]);
    // Not vacuous: time expired and broke leases, expired leases were renewed, writes were refused for
    // their lease and for their ETag, guarded writes landed, ETags and lease IDs changed, refused HEADs
    // were compared, and many kinds of refusal were.
    expect(seen.expiredByTime).toBeGreaterThan(0);
    expect(seen.brokenByTime).toBeGreaterThan(0);
    expect(seen.renewedAfterExpiry).toBeGreaterThan(0);
    expect(seen.writesRefusedForLease).toBeGreaterThan(0);
    expect(seen.writesRefusedForEtag).toBeGreaterThan(0);
    expect(seen.guardedWritesLanded).toBeGreaterThan(0);
    expect(seen.etagChanges).toBeGreaterThan(0);
    expect(seen.leaseIdsChanged).toBeGreaterThan(0);
    expect(seen.headRefusals).toBeGreaterThan(0);
    expect(Object.keys(seen.codes).length).toBeGreaterThanOrEqual(7);
    expect(seen.inconclusive).toBeLessThanOrEqual(Math.max(1, Math.floor(SEQUENCES / 10)));
  }, 900_000);
});
