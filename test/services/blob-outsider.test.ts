/**
 * An outsider's locks on Azure blob leases, written against locksim's public API only (`locksim`,
 * `locksim/testing`): the @azure/storage-blob-shaped container the lock context gives for a blob
 * node, checked by `checkLock` with its default faults (the lock's model: partitions, delays, node
 * pauses, crashes and drift within 1 %, client crashes and wall-clock steps).
 *
 * Two locks, with planted bugs that real users make with blob leases, each caught unsafe, and
 * correct twins that differ from the buggy code by that one bug, each passing:
 * - a fixed 15 s lease, no renewal; the holder's validity is the lease's duration less a 1 % drift
 *   allowance, timed from before the acquire was sent, on the monotonic clock. Bugs: a 409
 *   LeaseAlreadyPresent swallowed ("our earlier try must have got it"); a validity that ignores the
 *   duration (the holder works as long as it likes); a release by `breakLease(0)` ("it never
 *   fails") instead of releasing its own lease; a lease handed out although its answer came back
 *   after its end; the validity timed from the answer; the validity on the wall clock.
 * - the same lease renewed every 5 s. Bugs: fire-and-forget renewals (their failures ignored, the
 *   lease counted as renewed when a renewal is sent); an impatient take-over that breaks a busy
 *   lease at once. Its twin breaks with a 60 s period, which the service cuts to the rest of the
 *   lease.
 * And what the twins do not survive, outside the defaults: a node that forgets its leases in a
 * crash, a holder paused past its lease.
 *
 * The counter the workload protects lives in the resource process, which no lease guards: a
 * lease protects only the time its holder trusts it. What these tests found about locksim itself is
 * in test/services/findings/blob-outsider.md.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type BlobContainerLike, type Lease, type LockContext, type LockFactory } from '../../src/index.ts';
import { checkLock, IN_MODEL_FAULTS, LockCheckError, lockScenario, type LockCheckOptions } from '../../src/testing.ts';

const BLOB = [{ name: 'blob-1', service: 'blob' as const }];

/** The lease duration, s: the shortest fixed lease the service grants. */
const LEASE_SECONDS = 15;
const TTL_MS = LEASE_SECONDS * 1000;
/** What the holder keeps back for clock drift between it and the service (1 %, as Redlock's drift factor) and the timers' granularity. */
const DRIFT_MS = TTL_MS * 0.01 + 2;

/** Runs for each correct twin (LOCKSIM_BLOB_OUTSIDER_RUNS for a longer search; LOCKSIM_SEED moves the exploration). */
const TWIN_RUNS = Number(process.env.LOCKSIM_BLOB_OUTSIDER_RUNS) || 100;

/** checkLock's world for these locks: one blob node, three clients, a 15 s lease, a minute of simulated time. */
const WORLD = { nodes: BLOB, ttlMs: TTL_MS, durationMs: 60_000 } satisfies Partial<LockCheckOptions>;

/** The fields of the SDK's RestError a lock reads (no import of the SDK's class: duck-typed, as `isRestError` does). */
interface RestErrorLike {
  readonly name: string;
  readonly statusCode?: number;
  readonly details?: { readonly errorCode?: string };
}

function restError(error: unknown): RestErrorLike | null {
  return error instanceof Error && error.name === 'RestError' ? (error as RestErrorLike) : null;
}

function errorCode(error: unknown): string | undefined {
  return restError(error)?.details?.errorCode;
}

/** A version-4 UUID from the lock's random source (the service wants a GUID as a proposed lease ID). */
function uuid(context: LockContext): string {
  const h = context.random.hex(16).split('');
  h[12] = '4';
  h[16] = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

function containerOf(context: LockContext): BlobContainerLike {
  const container = context.containers?.[0];
  if (container === undefined) throw new Error('this lock needs a blob node');
  return container;
}

/** Creates the lock blob, empty, unless it exists (If-None-Match: *); any refusal means someone else did. */
async function createBlob(container: BlobContainerLike, name: string): Promise<void> {
  try {
    await container.getBlockBlobClient(name).upload('', 0, { conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    if (restError(error) === null) throw error;
  }
}

/** Busy blobs are tried again this many times, about a second apart. */
const ATTEMPTS = 10;
const BUSY = new Set(['LeaseAlreadyPresent', 'LeaseIsBreakingAndCannotBeAcquired']);

/** How {@link acquireLease} acquires. */
interface AcquireOptions {
  /** The clock reading the validity is measured on (default the monotonic clock). */
  readonly read?: () => number;
  /** The planted bug: a 409 LeaseAlreadyPresent taken for "the SDK's retry of our own request must have taken it". */
  readonly swallow409?: boolean;
  /**
   * An impatient take-over: a blob still busy this long after the first try (ms) has its lease broken with
   * `breakPeriod` seconds (0: at once; 60: the rest of the lease, the period being used only when shorter), then
   * is tried again.
   */
  readonly takeOver?: { readonly afterMs: number; readonly breakPeriod: number };
}

/**
 * Acquires a 15 s lease with a fresh lease ID; resolves to the lease ID and the clock reading taken
 * before the try that took it (the service's lease starts later than that), or null.
 */
async function acquireLease(context: LockContext, resource: string, options: AcquireOptions = {}): Promise<{ leaseId: string; startedAt: number } | null> {
  const { read = () => context.clock.monotonic(), swallow409 = false, takeOver } = options;
  const container = containerOf(context);
  const blob = container.getBlockBlobClient(resource);
  const leaseClient = blob.getBlobLeaseClient(uuid(context));
  const began = context.clock.monotonic();
  let created = false;
  let unanswered = false;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const startedAt = read();
    try {
      await leaseClient.acquireLease(LEASE_SECONDS);
      return { leaseId: leaseClient.leaseId, startedAt };
    } catch (error) {
      const rest = restError(error);
      if (rest === null) throw error;
      const code = errorCode(error);
      if (code === 'BlobNotFound' && !created) {
        created = true;
        await createBlob(container, resource);
        attempt--;
        continue;
      }
      if (swallow409 && code === 'LeaseAlreadyPresent') return { leaseId: leaseClient.leaseId, startedAt };
      if (rest.statusCode === undefined) unanswered = true;
      else if (!BUSY.has(code ?? '')) break;
      else if (takeOver !== undefined && code === 'LeaseAlreadyPresent' && context.clock.monotonic() - began >= takeOver.afterMs) {
        // "It must be stuck": break whoever's lease it is, and try again.
        try {
          await blob.getBlobLeaseClient().breakLease(takeOver.breakPeriod);
        } catch (breakError) {
          if (restError(breakError) === null) throw breakError;
        }
      }
    }
    await context.clock.sleep(800 + context.random.int(0, 400));
  }
  // A try that got no answer may have taken the lease: give it back (best effort).
  if (unanswered) await releaseLease(container, resource, leaseClient.leaseId);
  return null;
}

async function releaseLease(container: BlobContainerLike, resource: string, leaseId: string): Promise<void> {
  try {
    await container.getBlockBlobClient(resource).getBlobLeaseClient(leaseId).releaseLease();
  } catch (error) {
    // A lease that is gone (expired and taken, say) or a service that does not answer: nothing to give back.
    if (restError(error) === null) throw error;
  }
}

type FixedBug =
  | 'swallows-409'
  | 'validity-ignores-duration'
  | 'releases-by-break'
  | 'takes-a-spent-lease'
  | 'validity-from-the-answer'
  | 'validity-on-the-wall-clock'
  | 'no-drift-allowance';

/** A fixed 15 s lease without renewal; `bug` plants one mistake, null is the correct twin. */
function fixedLease(bug: FixedBug | null): LockFactory {
  return (context) => {
    const container = containerOf(context);
    const { clock } = context;
    // Correct: the monotonic clock. The planted bug: Date.now() (the wall clock, which NTP steps).
    const timeSource = bug === 'validity-on-the-wall-clock' ? 'wall' : 'monotonic';
    const read = (): number => (timeSource === 'wall' ? clock.now() : clock.monotonic());
    return {
      name: bug === null ? 'outsider-blob-lease' : `outsider-blob-lease(${bug})`,
      async acquire(resource: string, ttlMs: number): Promise<Lease | null> {
        if (ttlMs !== TTL_MS) throw new RangeError(`this lock takes ${LEASE_SECONDS} s leases, got ttlMs ${ttlMs}`);
        const taken = await acquireLease(context, resource, { read, swallow409: bug === 'swallows-409' });
        if (taken === null) return null;
        // Correct: the lease ends 15 s after the service saw the acquire, which is after `startedAt`; keep 1 % back for drift.
        let validUntil = taken.startedAt + TTL_MS - DRIFT_MS;
        // The planted bugs: "we hold the blob until we release it" (no renewal, no look at the time); the clock
        // started when the answer came (`Date.now() + 15000` after the await); the full 15 s, nothing kept back.
        if (bug === 'validity-ignores-duration') validUntil = Number.MAX_SAFE_INTEGER;
        if (bug === 'validity-from-the-answer') validUntil = read() + TTL_MS - DRIFT_MS;
        if (bug === 'no-drift-allowance') validUntil = taken.startedAt + TTL_MS;
        // An answer that came back after the lease's end (a slow reply) is no lease: give it back, as Redlock does.
        // The planted bug: hand it out anyway ("the service said 201").
        if (bug !== 'takes-a-spent-lease' && validUntil <= read()) {
          await releaseLease(container, resource, taken.leaseId);
          return null;
        }
        return { resource, value: taken.leaseId, validUntil, timeSource };
      },
      async release(lease: Lease): Promise<void> {
        if (bug !== 'releases-by-break') {
          await releaseLease(container, lease.resource, lease.value);
          return;
        }
        // The planted bug: "break never fails with LeaseIdMismatch": it ends whoever's lease is on the blob.
        try {
          await container.getBlockBlobClient(lease.resource).getBlobLeaseClient().breakLease(0);
        } catch (error) {
          if (restError(error) === null) throw error;
        }
      },
    };
  };
}

/** The renewing lock's renewal interval: a third of the lease. */
const RENEW_EVERY_MS = TTL_MS / 3;

interface RenewingOptions {
  /** The planted bug: renewals sent and forgotten. */
  readonly fireAndForget?: boolean;
  /** Break a lease that keeps the blob busy (see {@link AcquireOptions.takeOver}). */
  readonly takeOver?: AcquireOptions['takeOver'];
}

/**
 * The same 15 s lease, renewed every 5 s while held. Correct twin: each renewal is awaited; the
 * validity moves to the renewal's send time + 15 s (less drift) only when the service said yes; a
 * refused or failed renewal stops the renewals and aborts `signal`. The planted bug
 * (`fireAndForget`): renewals sent and forgotten (`renewLease().catch(() => {})`), the lease
 * counted as renewed from the moment each is sent.
 */
function renewingLease(options: RenewingOptions = {}): LockFactory {
  const { fireAndForget = false, takeOver } = options;
  const traits = [fireAndForget ? 'fire-and-forget renewals' : null, takeOver === undefined ? null : `breaks a lease busy ${takeOver.afterMs} ms, period ${takeOver.breakPeriod} s`].filter((t) => t !== null);
  return (context) => {
    const container = containerOf(context);
    const { clock } = context;
    const stops = new Map<string, () => void>();
    return {
      name: `outsider-renewing-blob-lease${traits.length === 0 ? '' : `(${traits.join(', ')})`}`,
      async acquire(resource: string, ttlMs: number): Promise<Lease | null> {
        if (ttlMs !== TTL_MS) throw new RangeError(`this lock takes ${LEASE_SECONDS} s leases, got ttlMs ${ttlMs}`);
        const taken = await acquireLease(context, resource, { takeOver });
        if (taken === null) return null;
        if (taken.startedAt + TTL_MS - DRIFT_MS <= clock.monotonic()) {
          await releaseLease(container, resource, taken.leaseId);
          return null;
        }
        const leaseClient = container.getBlockBlobClient(resource).getBlobLeaseClient(taken.leaseId);
        const controller = new AbortController();
        let validFrom = taken.startedAt;
        let held = true;
        let cancel: (() => void) | null = null;
        const schedule = (): void => {
          cancel = clock.setTimer(RENEW_EVERY_MS, () => void renew());
        };
        const renew = async (): Promise<void> => {
          if (!held) return;
          const sentAt = clock.monotonic();
          if (fireAndForget) {
            // The planted bug: the renewal's answer is never looked at.
            leaseClient.renewLease().catch(() => {});
            validFrom = sentAt;
            schedule();
            return;
          }
          try {
            await leaseClient.renewLease();
          } catch (error) {
            // Refused (the lease expired and someone took it, or it was broken) or unanswered after the SDK's retries: lost.
            held = false;
            controller.abort(new Error(`renewal failed: ${errorCode(error) ?? (error instanceof Error ? error.message : String(error))}`));
            return;
          }
          if (!held) return;
          validFrom = sentAt;
          schedule();
        };
        schedule();
        stops.set(taken.leaseId, () => {
          held = false;
          cancel?.();
        });
        return {
          resource,
          value: taken.leaseId,
          get validUntil() {
            return validFrom + TTL_MS - DRIFT_MS;
          },
          timeSource: 'monotonic',
          signal: controller.signal,
        };
      },
      async release(lease: Lease): Promise<void> {
        stops.get(lease.value)?.();
        stops.delete(lease.value);
        await releaseLease(container, lease.resource, lease.value);
      },
    };
  };
}

/** Runs checkLock and returns its failure (null when it passed). */
async function failureOf(options: LockCheckOptions): Promise<LockCheckError | null> {
  return checkLock(options).then(
    () => null,
    (error: unknown) => {
      if (error instanceof LockCheckError) return error;
      throw error;
    },
  );
}

/** The failure is an unsafe verdict, mutual exclusion broken, by faults all inside the lock's model. */
function expectCaught(failure: LockCheckError | null): LockCheckError {
  expect(failure, 'checkLock should have thrown a LockCheckError').toBeInstanceOf(LockCheckError);
  const caught = failure as LockCheckError;
  expect(caught.result.verdict, caught.message).toBe('unsafe');
  expect(caught.result.violations.map((v) => v.property), caught.message).toContain('mutex');
  expect(caught.result.outsideModel, caught.message).toEqual([]);
  return caught;
}

/** The kinds and processes of a failure's faults, the final heal left out: `['crash blob-1']`. */
const faultsOf = (failure: LockCheckError): string[] => failure.result.faults.filter((f) => f.kind !== 'heal').map((f) => `${f.kind} ${'process' in f ? f.process : ''}`.trim());

// A planted bug must be caught at a known seed (LOCKSIM_SEED moves only the twins' search).
const SEED = 1;

describe("an outsider's fixed 15 s blob lease under checkLock", () => {
  it('a LeaseAlreadyPresent (409) taken for success is caught unsafe, without a fault', async () => {
    const failure = expectCaught(await failureOf({ lock: fixedLease('swallows-409'), ...WORLD, seed: SEED, runs: 20 }));
    expect(faultsOf(failure)).toEqual([]);
  }, 300_000);

  it('a validity that ignores the 15 s duration (working past the lease, no renewal, no look at the time) is caught unsafe, without a fault', async () => {
    const failure = expectCaught(await failureOf({ lock: fixedLease('validity-ignores-duration'), ...WORLD, seed: SEED, runs: 20 }));
    expect(faultsOf(failure)).toEqual([]);
  }, 300_000);

  it("a release by breakLease(0) (it ends whoever's lease is on the blob) is caught unsafe", async () => {
    expectCaught(await failureOf({ lock: fixedLease('releases-by-break'), ...WORLD, seed: SEED, runs: 100 }));
  }, 300_000);

  it('handing out a lease whose answer came back after its end (a slow reply) is caught unsafe', async () => {
    expectCaught(await failureOf({ lock: fixedLease('takes-a-spent-lease'), ...WORLD, seed: SEED, runs: 100 }));
  }, 300_000);

  it('a validity timed from the answer instead of from the request (`Date.now() + 15000` after the await) is caught unsafe', async () => {
    expectCaught(await failureOf({ lock: fixedLease('validity-from-the-answer'), ...WORLD, seed: SEED, runs: 100 }));
  }, 300_000);

  it('a validity on the wall clock (stepped back by NTP) is caught unsafe', async () => {
    const failure = expectCaught(await failureOf({ lock: fixedLease('validity-on-the-wall-clock'), ...WORLD, seed: SEED, runs: 100 }));
    expect(failure.result.faults.some((f) => f.kind === 'jump')).toBe(true);
  }, 300_000);

  it('their correct twin (validity from before the request, less 1 %; a spent answer given back; release with its own lease ID) passes the default faults', async () => {
    await checkLock({ lock: fixedLease(null), ...WORLD, runs: TWIN_RUNS });
  }, 300_000);

  it('and short crashes of the durable blob node, searched for on their own', async () => {
    // IN_MODEL_FAULTS given explicitly draws no delayed restarts: a crash of blob-1 may last 10 ms. Azure keeps leases across it.
    await checkLock({ lock: fixedLease(null), ...WORLD, runs: TWIN_RUNS, faults: IN_MODEL_FAULTS });
  }, 300_000);

  it('a node that forgets its leases in a crash (Azurite --inMemoryPersistence, back at once) still breaks the twin: outside what a lease can survive', async () => {
    const nodes = [{ name: 'blob-1', service: 'blob' as const, blob: { persistence: 'in-memory' as const } }];
    const failure = await failureOf({ lock: fixedLease(null), ...WORLD, nodes, seed: SEED, runs: 50, faults: IN_MODEL_FAULTS });
    expect(failure).toBeInstanceOf(LockCheckError);
    const caught = failure as LockCheckError;
    expect(caught.result.verdict, caught.message).toBe('unsafe');
    expect(faultsOf(caught)).toEqual(['crash blob-1']);
  }, 300_000);

  it('and so does a holder paused past its lease (a GC pause; client pauses are not in the defaults): no lease survives a holder that stops', async () => {
    const failure = await failureOf({ lock: fixedLease(null), ...WORLD, seed: SEED, runs: 50, faults: { ...IN_MODEL_FAULTS, clientFaults: ['jump', 'crash', 'pause'] } });
    expect(failure).toBeInstanceOf(LockCheckError);
    const caught = failure as LockCheckError;
    expect(caught.result.verdict, caught.message).toBe('unsafe');
    expect(faultsOf(caught)).toEqual([expect.stringMatching(/^pause client-\d$/)]);
    expect(caught.result.outsideModel).toEqual([expect.stringContaining('a client paused')]);
  }, 300_000);

  // Keeping back nothing for drift is broken inside the model (a node clock 0.9 % fast ends a 15 s lease 134 ms early),
  // but the window is narrow: found after 8-211 runs at seeds 1-10, and at seed 8 only after 398 (test/services/findings/blob-outsider.md, 3).
  it('keeping back nothing for drift is caught unsafe (seed 6: found within its single faults and first draws)', async () => {
    expectCaught(await failureOf({ lock: fixedLease('no-drift-allowance'), ...WORLD, seed: 6, runs: 100 }));
  }, 300_000);

  // Found by this file (test/services/findings/blob-outsider.md, finding 1): the model read a blob node as a Redis node
  // with persistence 'none', so a short crash of a durable blob node (Azure keeps every lease) was called outside the model.
  it('a short crash of a durable blob node is inside the lease\'s model', async () => {
    const scenario = lockScenario({ lock: fixedLease(null), ...WORLD });
    const result = await runScenario(scenario, { seed: SEED, faults: [{ kind: 'crash', at: 5_000, process: 'blob-1', restartAfterMs: 500 }, { kind: 'heal', at: 48_010 }] });
    expect(result.verdict).toBe('safe');
    expect(result.outsideModel).toEqual([]);
  }, 300_000);
});

describe("an outsider's renewed blob lease under checkLock", () => {
  it('fire-and-forget renewals (failures ignored, the lease counted as renewed when a renewal is sent) are caught unsafe', async () => {
    expectCaught(await failureOf({ lock: renewingLease({ fireAndForget: true }), ...WORLD, seed: SEED, runs: 100 }));
  }, 300_000);

  it('its correct twin (each renewal awaited; validity moved only by a granted renewal, from its send time; a failed one aborts the signal) passes the default faults', async () => {
    await checkLock({ lock: renewingLease(), ...WORLD, runs: TWIN_RUNS });
  }, 300_000);

  it('and short crashes of the durable blob node', async () => {
    await checkLock({ lock: renewingLease(), ...WORLD, runs: TWIN_RUNS, faults: IN_MODEL_FAULTS });
  }, 300_000);

  it('an impatient take-over that breaks a lease busy for 6 s at once (breakLease(0)) is caught unsafe, without a fault', async () => {
    const failure = expectCaught(await failureOf({ lock: renewingLease({ takeOver: { afterMs: 6_000, breakPeriod: 0 } }), ...WORLD, seed: SEED, runs: 20 }));
    expect(faultsOf(failure)).toEqual([]);
  }, 300_000);

  it('its twin that breaks with a 60 s period (the service keeps the rest of the lease; the holder\'s renewal is refused, LeaseIsBrokenAndCannotBeRenewed) passes the default faults', async () => {
    await checkLock({ lock: renewingLease({ takeOver: { afterMs: 6_000, breakPeriod: 60 } }), ...WORLD, runs: TWIN_RUNS });
  }, 300_000);
});
