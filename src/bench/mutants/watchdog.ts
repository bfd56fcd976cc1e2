/**
 * A renewing ("watchdog") lock on one node, written against the public lock interface only:
 * SET NX PX to acquire; then, every third of the TTL counted from the last renewal's start, a
 * compare-and-pexpire with a timeout; a renewal that fails, errs or times out aborts
 * `lease.signal` (the holder's cue to stop) at once, while the key still has two thirds of its
 * TTL to live. `validUntil` is live: start of the last successful renewal + ttl − drift.
 * Its users rely on the signal (their work may outlast one TTL), so they check it with
 * `workload: { stopAtValidity: undefined }`. Each field of {@link Renewal} is where one pitfall
 * family plants its bug; the correct twin is the same code with {@link RENEW_CORRECT}.
 */
import type { Lease, LockAlgorithm, LockContext, LockFactory, TimeSource } from '../../index.ts';
import { CAD, CAP, RECREATE, drift, replied, send } from './kit.ts';

export interface Renewal {
  /** How long a renewal may take, ms; a renewal that takes longer is a lost lease (Infinity: it waits, and trusts whatever comes back). */
  readonly renewTimeoutMs: number;
  /** When the first renewal is due, as a fraction of the TTL. */
  readonly firstRenewal: number;
  /** The renewal's script: compare-and-pexpire, or one that SETs the key again when it is missing. */
  readonly script: 'cap' | 'recreate';
  /** Whether a lost lease aborts `lease.signal`. */
  readonly abortOnLoss: boolean;
}

export const RENEW_CORRECT: Renewal = { renewTimeoutMs: 50, firstRenewal: 1 / 3, script: 'cap', abortOnLoss: true };

class WatchdogLease implements Lease {
  readonly timeSource: TimeSource = 'monotonic';
  readonly controller = new AbortController();
  cancel: (() => void) | undefined;
  state: 'held' | 'lost' | 'released' = 'held';
  constructor(
    readonly resource: string,
    readonly value: string,
    public validUntil: number,
  ) {}
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

export function watchdog(name: string, renewal: Partial<Renewal> = {}): LockFactory {
  const r: Renewal = { ...RENEW_CORRECT, ...renewal };
  return (context: LockContext): LockAlgorithm => {
    const { clock, random } = context;
    const node = context.nodes[0]!;
    const lose = (lease: WatchdogLease, why: string): void => {
      if (lease.state !== 'held') return;
      lease.state = 'lost';
      lease.cancel?.();
      if (r.abortOnLoss) lease.controller.abort(new Error(`lease lost: ${why}`));
    };
    const schedule = (lease: WatchdogLease, afterMs: number, ttlMs: number): void => {
      lease.cancel = clock.setTimer(afterMs, () => {
        lease.cancel = undefined;
        void renew(lease, ttlMs);
      });
    };
    const renew = async (lease: WatchdogLease, ttlMs: number): Promise<void> => {
      if (lease.state !== 'held') return;
      const startedAt = clock.monotonic();
      const script = r.script === 'cap' ? CAP : RECREATE;
      const outcome = await send(clock, node, r.renewTimeoutMs, 'EVAL', script, 1, lease.resource, lease.value, ttlMs);
      if (lease.state !== 'held') return;
      if (!replied(outcome, 1)) return lose(lease, outcome.kind === 'reply' ? 'the key is no longer ours' : `renewal ${outcome.kind}`);
      lease.validUntil = startedAt + ttlMs - drift(ttlMs);
      schedule(lease, ttlMs / 3, ttlMs);
    };
    return {
      name,
      async acquire(resource: string, ttlMs: number): Promise<Lease | null> {
        const value = random.hex(16);
        for (let attempt = 0; attempt <= 10; attempt++) {
          const startedAt = clock.monotonic();
          const set = await send(clock, node, 50, 'SET', resource, value, 'NX', 'PX', ttlMs);
          if (replied(set, 'OK') && clock.monotonic() - startedAt < ttlMs / 3) {
            const lease = new WatchdogLease(resource, value, startedAt + ttlMs - drift(ttlMs));
            schedule(lease, Math.max(0, ttlMs * r.firstRenewal - (clock.monotonic() - startedAt)), ttlMs);
            return lease;
          }
          if (set.kind !== 'reply' || set.value === 'OK') await send(clock, node, 50, 'EVAL', CAD, 1, resource, value);
          await clock.sleep(10 + random.int(0, 20));
        }
        return null;
      },
      async release(lease: Lease): Promise<void> {
        if (lease instanceof WatchdogLease) {
          lease.cancel?.();
          if (lease.state === 'held') lease.state = 'released';
        }
        await send(clock, node, 50, 'EVAL', CAD, 1, lease.resource, lease.value);
      },
    };
  };
}
