/**
 * Each place where the simulated Blob service's two dialects differ (src/services/blob/dialect.ts),
 * shown on Azurite: the same requests sent to Azurite, to the engine in its Azurite dialect and to
 * the engine as Azure. Azurite must answer as the Azurite dialect does, and differently from the
 * Azure dialect; if an Azurite release fixes one of them, this test says which, and the dialect
 * (and docs/blob-leases.md) must follow.
 *
 * The cases run side by side; the longest waits once for a 15 s lease to expire (the engine is
 * driven with the real time the test measures, and no request is sent near the lease's end).
 * With CI=true a missing Azurite fails; elsewhere the test is skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient, StorageSharedKeyCredential, type BlockBlobClient } from '@azure/storage-blob';
import { BlobService, type BlobResult } from '../../src/services/blob/blob-service.ts';
import { AZURE, AZURITE_3_35 } from '../../src/services/blob/dialect.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteTestsEnabled, startAzurite, type AzuriteServer } from '../support/azurite-server.ts';

const A = '3c0ffee0-1a2b-4c3d-8e4f-000000000001';
const B = '3c0ffee0-1a2b-4c3d-8e4f-000000000002';
/** Requests are kept this far from a lease's end (the engine's clock and Azurite's differ by a request's latency). */
const GUARD_MS = 400;

interface Answer {
  status: number;
  code?: string;
  leaseId?: string;
  leaseTime?: number;
}

/** One request, to both: the engine (given the time) and Azurite (through the SDK). */
interface Request {
  readonly sim: (service: BlobService, now: number) => BlobResult<object>;
  readonly real: (blob: BlockBlobClient) => Promise<object>;
}

/** A step: a request, or a wait of the given milliseconds. */
type Step = Request | number;

interface Case {
  readonly name: string;
  readonly field: keyof typeof AZURE;
  /** Requests before the one that differs (whose answers must be successes on all three). */
  readonly setup: readonly Step[];
  readonly request: Request;
}

const put = (body: string): Request => ({ sim: (s, now) => s.putBlob(now, 'blob', body), real: (b) => b.upload(body, body.length) });
const acquire = (id: string, duration: number): Request => ({ sim: (s, now) => s.acquireLease(now, 'blob', { duration, proposedLeaseId: id }), real: (b) => b.getBlobLeaseClient(id).acquireLease(duration) });

const CASES: readonly Case[] = [
  {
    name: 'renewing an expired lease under another ID',
    field: 'renewOfExpiredChecksId',
    setup: [put('x'), acquire(A, 15), 15_000 + GUARD_MS],
    request: { sim: (s, now) => s.renewLease(now, 'blob', { leaseId: B }), real: (b) => b.getBlobLeaseClient(B).renewLease() },
  },
  {
    name: 'Put Blob naming a lease on a blob that does not exist',
    field: 'putWithLeaseIdOnMissingBlobFails',
    setup: [],
    request: { sim: (s, now) => s.putBlob(now, 'blob', 'x', { leaseId: A }), real: (b) => b.upload('x', 1, { conditions: { leaseId: A } }) },
  },
  {
    name: 'a create-only Put Blob (If-None-Match: *) on a leased blob, naming no lease',
    field: 'createOnlyPutChecksLeaseFirst',
    setup: [put('x'), acquire(A, -1)],
    request: { sim: (s, now) => s.putBlob(now, 'blob', 'y', { ifNoneMatch: '*' }), real: (b) => b.upload('y', 1, { conditions: { ifNoneMatch: '*' } }) },
  },
  {
    name: 'a break period of 61 s on an infinite lease',
    field: 'checksHeadersFirst',
    setup: [put('x'), acquire(A, -1)],
    request: { sim: (s, now) => s.breakLease(now, 'blob', { breakPeriod: 61 }), real: (b) => b.getBlobLeaseClient().breakLease(61) },
  },
  {
    name: 'a 10 s lease asked for while another holder holds one',
    field: 'checksHeadersFirst',
    setup: [put('x'), acquire(A, -1)],
    request: acquire(B, 10),
  },
  {
    name: 'a proposed lease ID that is not a GUID',
    field: 'checksHeadersFirst',
    setup: [put('x'), acquire(A, -1)],
    request: { sim: (s, now) => s.changeLease(now, 'blob', { leaseId: A, proposedLeaseId: 'not-a-guid' }), real: (b) => b.getBlobLeaseClient(A).changeLease('not-a-guid') },
  },
  {
    name: 'the lease ID in upper case',
    field: 'leaseIdsCompareAsGuids',
    setup: [put('x'), acquire(A, -1)],
    request: { sim: (s, now) => s.renewLease(now, 'blob', { leaseId: A.toUpperCase() }), real: (b) => b.getBlobLeaseClient(A.toUpperCase()).renewLease() },
  },
];

const simAnswer = (r: BlobResult<object>): Answer => {
  if (!r.ok) return { status: r.status, code: r.code };
  const out: Answer = { status: r.status };
  if ('leaseId' in r && typeof r.leaseId === 'string' && r.leaseId !== '') out.leaseId = r.leaseId;
  if ('leaseTime' in r && typeof r.leaseTime === 'number') out.leaseTime = r.leaseTime;
  return out;
};

async function realAnswer(call: () => Promise<object>): Promise<Answer> {
  try {
    const r = (await call()) as { _response?: { status: number }; leaseId?: string; leaseTime?: number };
    if (r._response === undefined) throw new Error('an @azure/storage-blob response without _response: the SDK changed');
    const out: Answer = { status: r._response.status };
    if (r.leaseId !== undefined && r.leaseId !== '') out.leaseId = r.leaseId;
    if (r.leaseTime !== undefined) out.leaseTime = r.leaseTime;
    return out;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; details?: { errorCode?: string } };
    if (typeof e.statusCode !== 'number') throw error;
    return { status: e.statusCode, code: e.code ?? e.details?.errorCode };
  }
}

/** Runs a case on Azurite and on both dialects; the three answers to its last request. */
async function run(client: BlobServiceClient, index: number, c: Case): Promise<{ azurite: Answer; asAzurite: Answer; asAzure: Answer }> {
  const container = client.getContainerClient(`deviation-${index}`);
  await container.create();
  const blob = container.getBlockBlobClient('blob');
  const asAzurite = new BlobService({ dialect: AZURITE_3_35 });
  const asAzure = new BlobService({ dialect: AZURE });
  const start = performance.now();
  const clock = (): number => performance.now() - start;
  for (const step of c.setup) {
    if (typeof step === 'number') {
      await new Promise((resolve) => setTimeout(resolve, step));
      continue;
    }
    const now = clock();
    const answers = [simAnswer(step.sim(asAzurite, now)), simAnswer(step.sim(asAzure, now)), await realAnswer(() => step.real(blob))];
    if (answers.some((a) => a.status >= 300)) throw new Error(`${c.name}: a setup request failed: ${JSON.stringify(answers)}`);
  }
  const now = clock();
  return { asAzurite: simAnswer(c.request.sim(asAzurite, now)), asAzure: simAnswer(c.request.sim(asAzure, now)), azurite: await realAnswer(() => c.request.real(blob)) };
}

const enabled = azuriteTestsEnabled();
let server: AzuriteServer | null = null;

describe.runIf(enabled)("Azurite 3.35's differences from Azure, as the engine's dialects have them", () => {
  beforeAll(async () => {
    server = await startAzurite();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it(`${CASES.length} cases: Azurite answers as the Azurite dialect, and not as Azure`, async () => {
    const azurite = server as AzuriteServer;
    const client = new BlobServiceClient(azurite.url, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), { retryOptions: { maxTries: 1 } });
    const results = await Promise.all(CASES.map((c, i) => run(client, i, c)));
    const lines = CASES.map((c, i) => {
      const r = results[i] as { azurite: Answer; asAzurite: Answer; asAzure: Answer };
      return `${c.name} (${c.field}): Azurite ${JSON.stringify(r.azurite)}, Azurite dialect ${JSON.stringify(r.asAzurite)}, Azure dialect ${JSON.stringify(r.asAzure)}`;
    });
    console.log(`Azurite deviations:\n  ${lines.join('\n  ')}`);
    CASES.forEach((c, i) => {
      const r = results[i] as { azurite: Answer; asAzurite: Answer; asAzure: Answer };
      expect(r.asAzurite, `${c.name}: Azurite and the Azurite dialect`).toEqual(r.azurite);
      expect(r.asAzure, `${c.name}: Azurite and the Azure dialect`).not.toEqual(r.azurite);
    });
  }, 120_000);
});
