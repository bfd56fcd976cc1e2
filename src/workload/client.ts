import type { HistoryEvent, LeaseView, OperationKind, Phase } from '../check/history.ts';
import type { Clock, Lease, LockAlgorithm } from '../locks/interface.ts';
import type { ResourceReply, ResourceRequest } from './resource.ts';

/** A range of milliseconds a duration is drawn from (uniformly, from the workload's stream). */
export interface MsRange {
  readonly min: number;
  readonly max: number;
}

/** What each client does: acquire → critical section (read-modify-write) → release → think. */
export interface WorkloadOptions {
  /** The lock's key. */
  readonly resource: string;
  readonly ttlMs: number;
  /** How long the work between the read and the write takes. */
  readonly workMs: MsRange;
  /** Pause between a release and the next acquire. */
  readonly thinkMs: MsRange;
  /** When each client starts. */
  readonly startMs?: MsRange;
  /**
   * Before writing, check on the client's own clock that the lease is still valid, and abandon
   * the write if not. An option, because it does not save you: the check and the write are not
   * atomic (a pause or a slow write between them still breaks the lock).
   */
  readonly checkValidityBeforeWrite?: boolean;
  /**
   * A well-behaved client: it cuts its work short so that the write and the release happen at
   * least `marginMs` before the lease's validity ends on its own clock (the margin covers the
   * write's trip over the network). The in-model workload of exploration uses it.
   */
  readonly stopAtValidity?: { readonly marginMs: number };
  /**
   * Whether the client listens to its lease's abort signal and stops at once when the lease is
   * lost (default true). False models code that only notices too late, if ever.
   */
  readonly watchLeaseSignal?: boolean;
  /** How many critical sections each client runs, counting only acquires that succeeded (default: until the run ends). */
  readonly iterations?: number;
  /** How long a client waits for the resource's reply. */
  readonly resourceTimeoutMs?: number;
}

/** Records one history event for this client, with the true time and its own clock readings. */
export type Recorder = (kind: OperationKind, phase: Phase, details?: Partial<Omit<HistoryEvent, 'index' | 'process' | 'kind' | 'phase' | 'at' | 'wallMs' | 'monoMs'>>) => void;

export function leaseView(lease: Lease): LeaseView {
  return { value: lease.value, validUntil: lease.validUntil, timeSource: lease.timeSource, fencingToken: lease.fencingToken };
}

/** The workload's own random stream (not the lock's): work and think durations. */
export interface WorkloadRandom {
  /** A float in [min, max). */
  between(min: number, max: number): number;
}

/**
 * How a client reaches the protected resource: over the simulated network in simulation, over
 * a socket in real mode. Resolves to null when the resource did not answer in time.
 */
export type ResourceLink = (request: ResourceRequest, timeoutMs: number) => Promise<ResourceReply | null>;

/** What the client loop runs with: the same in simulation and in real mode. */
export interface ClientEnvironment {
  readonly clock: Clock;
  readonly random: WorkloadRandom;
  readonly resource: ResourceLink;
  readonly record: Recorder;
}

/** How often a client working under `stopAtValidity` looks at its lease, ms. */
const STOP_CHECK_SLICE_MS = 50;

function draw(random: WorkloadRandom, range: MsRange): number {
  return range.max <= range.min ? range.min : random.between(range.min, range.max);
}

/** The client loop, run inside a client process. Never throws: failures are recorded. */
export async function runClient(env: ClientEnvironment, lock: LockAlgorithm, options: WorkloadOptions): Promise<void> {
  const { clock, random, record } = env;
  const timeoutMs = options.resourceTimeoutMs ?? 5_000;
  const request = (body: ResourceRequest): Promise<ResourceReply | null> => env.resource(body, timeoutMs);
  await clock.sleep(draw(random, options.startMs ?? { min: 0, max: 50 }));
  const iterations = options.iterations ?? Number.POSITIVE_INFINITY;
  for (let sections = 0; sections < iterations; ) {
    record('acquire', 'invoke', { resource: options.resource });
    let lease: Lease | null = null;
    try {
      lease = await lock.acquire(options.resource, options.ttlMs);
    } catch (error) {
      record('acquire', 'fail', { resource: options.resource, reason: errorText(error) });
    }
    if (lease === null) {
      record('acquire', 'fail', { resource: options.resource, reason: 'not acquired' });
      await clock.sleep(draw(random, options.thinkMs));
      continue;
    }
    const held = lease;
    sections++;
    record('acquire', 'ok', { resource: options.resource, lease: leaseView(held) });
    let lost = false;
    const onAbort = (): void => {
      if (lost) return;
      lost = true;
      const reason = held.signal?.reason;
      record('lost', 'info', { resource: options.resource, lease: leaseView(held), reason: reason instanceof Error ? reason.message : 'lease lost' });
    };
    const watch = options.watchLeaseSignal !== false;
    if (watch) {
      held.signal?.addEventListener('abort', onAbort, { once: true });
      if (held.signal?.aborted === true) onAbort();
    }

    await criticalSection(clock, held, options, record, random, request, () => lost);

    held.signal?.removeEventListener('abort', onAbort);
    record('release', 'invoke', { resource: options.resource, lease: leaseView(held) });
    try {
      await lock.release(held);
      record('release', 'ok', { resource: options.resource });
    } catch (error) {
      record('release', 'fail', { resource: options.resource, reason: errorText(error) });
    }
    await clock.sleep(draw(random, options.thinkMs));
  }
}

async function criticalSection(
  clock: Clock,
  lease: Lease,
  options: WorkloadOptions,
  record: Recorder,
  random: WorkloadRandom,
  request: (body: ResourceRequest) => Promise<ResourceReply | null>,
  isLost: () => boolean,
): Promise<void> {
  if (isLost()) return;
  record('read', 'invoke', {});
  const read = await request({ op: 'read', token: lease.fencingToken, lease: lease.value });
  if (read === null || read.op !== 'read') {
    record('read', 'fail', { reason: 'resource did not answer' });
    return;
  }
  record('read', 'ok', { value: read.value });
  const work = draw(random, options.workMs);
  if (options.stopAtValidity === undefined) {
    await clock.sleep(work);
  } else {
    // Work in slices and look at the lease between them, as a careful client does: it stops
    // when its own clock says the validity (minus the margin) is reached.
    const margin = options.stopAtValidity.marginMs;
    const local = (): number => (lease.timeSource === 'wall' ? clock.now() : clock.monotonic());
    let left = work;
    while (left > 0) {
      const remaining = lease.validUntil - margin - local();
      if (remaining <= 0) break;
      const slice = Math.min(left, remaining, STOP_CHECK_SLICE_MS);
      await clock.sleep(slice);
      left -= slice;
      if (isLost()) return;
    }
    const late = local() - (lease.validUntil - margin);
    if (late > 0) {
      record('abandon', 'info', { lease: leaseView(lease), reason: `validity (less the ${margin} ms margin) passed on own clock ${late.toFixed(1)} ms ago` });
      return;
    }
  }
  if (isLost()) return;
  if (options.checkValidityBeforeWrite === true) {
    const now = lease.timeSource === 'wall' ? clock.now() : clock.monotonic();
    if (now >= lease.validUntil) {
      record('abandon', 'info', { lease: leaseView(lease), reason: `validity passed on own clock (${(now - lease.validUntil).toFixed(1)} ms ago)` });
      return;
    }
  }
  const value = read.value + 1;
  record('write', 'invoke', { value, readValue: read.value, token: lease.fencingToken, lease: leaseView(lease) });
  const written = await request({ op: 'write', value, readValue: read.value, token: lease.fencingToken, lease: lease.value });
  if (written === null || written.op !== 'write') {
    record('write', 'fail', { value, reason: 'resource did not answer' });
    return;
  }
  record('write', written.accepted ? 'ok' : 'fail', { value, accepted: written.accepted, reason: written.reason });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
