/**
 * A blob's lease, as the Lease Blob operation describes it: five states and the five lease actions
 * (acquire, renew, change, release, break). Pure: time is the service's own clock reading in
 * milliseconds, passed in; nothing here reads a clock.
 *
 * Facts kept (Lease Blob, "Remarks" and its two outcome tables):
 * - "A lease can be in 5 states, based on whether the lease is locked or unlocked, and whether the
 *   lease is renewable in that state": leased (locked, renewable), expired (unlocked, renewable),
 *   breaking (locked, not renewable), broken and available (unlocked, not renewable).
 * - The duration is 15 to 60 seconds, or -1 for "a lease that never expires"; "A lease duration
 *   cannot be changed using renew or change", only by acquiring again with the same lease ID.
 * - "Once a lease has expired, the lease ID is maintained by the Blob service until the blob is
 *   modified or leased again": an expired lease can be renewed or released with its ID.
 * - Break: "this is the proposed duration of seconds that the lease should continue before it is
 *   broken, between 0 and 60 seconds. This break period is only used if it is shorter than the time
 *   remaining on the lease. [...] If this header does not appear with a break operation, a
 *   fixed-duration lease breaks after the remaining lease period elapses, and an infinite lease
 *   breaks immediately." Breaking a breaking or broken lease is allowed ("making break operations
 *   idempotent"); a shorter period shortens a breaking one.
 * - "Once a lease is broken, it cannot be renewed"; a breaking or broken lease can be released.
 *
 * The order of the checks inside each state, where the documentation does not give it, is
 * Azurite's (src/blob/lease/Lease*State.ts), and Microsoft's lease tests against the cloud agree
 * with it wherever they look (which error code each wrong call gets).
 */
import { failure, type BlobFailure } from './errors.ts';

export type LeaseState = 'available' | 'leased' | 'expired' | 'breaking' | 'broken';

/** The infinite lease duration, as the API spells it. */
export const INFINITE = -1;

/** A blob's lease; instants are the service's clock in milliseconds. */
export type Lease =
  | { readonly state: 'available' }
  | { readonly state: 'leased'; readonly id: string; readonly duration: number; readonly expiresAt: number | null }
  | { readonly state: 'expired'; readonly id: string; readonly duration: number }
  | { readonly state: 'breaking'; readonly id: string; readonly breaksAt: number }
  | { readonly state: 'broken'; readonly id: string };

export const AVAILABLE: Lease = { state: 'available' };

/** A lease that is locked: it refuses writes that do not name it. */
export type LockedLease = Extract<Lease, { readonly state: 'leased' | 'breaking' }>;

/** Locked leases (leased, breaking) refuse writes that do not name them. */
export function isLocked(lease: Lease): lease is LockedLease {
  return lease.state === 'leased' || lease.state === 'breaking';
}

export function isValidDuration(seconds: number): boolean {
  return seconds === INFINITE || (Number.isInteger(seconds) && seconds >= 15 && seconds <= 60);
}

export function isValidBreakPeriod(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= 60;
}

/** The lease as it stands at `now`: a fixed lease past its end has expired, a breaking one past its break has broken. */
export function leaseAt(lease: Lease, now: number): Lease {
  if (lease.state === 'leased' && lease.expiresAt !== null && now >= lease.expiresAt) return { state: 'expired', id: lease.id, duration: lease.duration };
  if (lease.state === 'breaking' && now >= lease.breaksAt) return { state: 'broken', id: lease.id };
  return lease;
}

/** What a lease action needs besides the lease: the time, how lease IDs compare, and where a new ID comes from. */
export interface LeaseContext {
  readonly now: number;
  readonly sameId: (a: string, b: string) => boolean;
  readonly newLeaseId: () => string;
}

function leased(id: string, duration: number, now: number): Lease {
  return { state: 'leased', id, duration, expiresAt: duration === INFINITE ? null : now + duration * 1000 };
}

/** Acquire: a new lease on a free blob; on a leased blob only its own ID may acquire again (with a new duration). */
export function acquire(lease: Lease, duration: number, proposedId: string | undefined, ctx: LeaseContext): Lease | BlobFailure {
  switch (lease.state) {
    case 'available':
    case 'expired':
    case 'broken':
      if (!isValidDuration(duration)) return failure('InvalidHeaderValue');
      // "The Blob service will generate a lease ID if one is not specified in the acquire request."
      return leased(proposedId ?? ctx.newLeaseId(), duration, ctx.now);
    case 'leased':
      if (proposedId === undefined || !ctx.sameId(proposedId, lease.id)) return failure('LeaseAlreadyPresent');
      if (!isValidDuration(duration)) return failure('InvalidHeaderValue');
      return leased(lease.id, duration, ctx.now);
    case 'breaking':
      return proposedId !== undefined && ctx.sameId(proposedId, lease.id) ? failure('LeaseIsBreakingAndCannotBeAcquired') : failure('LeaseAlreadyPresent');
  }
}

/**
 * Renew: "the lease duration clock resets". An expired lease renews too, "as long as the blob has
 * not been modified or leased again since the expiration of that lease" (a write or another
 * acquire leaves it available or leased by another ID). `checksExpiredId: false` is Azurite's renew
 * of an expired lease, which ignores the ID the request names.
 */
export function renew(lease: Lease, leaseId: string, checksExpiredId: boolean, ctx: LeaseContext): Lease | BlobFailure {
  switch (lease.state) {
    case 'available':
      return failure('LeaseIdMismatchWithLeaseOperation');
    case 'leased':
      if (!ctx.sameId(leaseId, lease.id)) return failure('LeaseIdMismatchWithLeaseOperation');
      return lease.expiresAt === null ? lease : leased(lease.id, lease.duration, ctx.now);
    case 'expired':
      if (checksExpiredId && !ctx.sameId(leaseId, lease.id)) return failure('LeaseIdMismatchWithLeaseOperation');
      return leased(lease.id, lease.duration, ctx.now);
    case 'breaking':
    case 'broken':
      return ctx.sameId(leaseId, lease.id) ? failure('LeaseIsBrokenAndCannotBeRenewed') : failure('LeaseIdMismatchWithLeaseOperation');
  }
}

/**
 * Change: "Changes the lease ID of an active lease". The call may name either the current ID or the
 * proposed one as the lease (so a change whose answer was lost can be repeated); the duration and
 * the end of the lease stay.
 */
export function change(lease: Lease, leaseId: string, proposedId: string, ctx: LeaseContext): Lease | BlobFailure {
  switch (lease.state) {
    case 'available':
    case 'expired':
    case 'broken':
      return failure('LeaseNotPresentWithLeaseOperation');
    case 'leased':
      if (!ctx.sameId(leaseId, lease.id) && !ctx.sameId(proposedId, lease.id)) return failure('LeaseIdMismatchWithLeaseOperation');
      return { ...lease, id: proposedId };
    case 'breaking':
      return ctx.sameId(leaseId, lease.id) ? failure('LeaseIsBreakingAndCannotBeChanged') : failure('LeaseIdMismatchWithLeaseOperation');
  }
}

/** Release: with the lease's ID, in any state that has one, the blob is available at once. */
export function release(lease: Lease, leaseId: string, ctx: LeaseContext): Lease | BlobFailure {
  if (lease.state === 'available' || !ctx.sameId(leaseId, lease.id)) return failure('LeaseIdMismatchWithLeaseOperation');
  return AVAILABLE;
}

/** What a break left, and "the interval in seconds until a new lease can be acquired" (x-ms-lease-time). */
export interface Broken {
  readonly lease: Lease;
  readonly leaseTime: number;
}

/** Break: any request may break a lease; the lease stays locked for the break period, then is broken. */
export function breakLease(lease: Lease, breakPeriod: number | undefined, ctx: LeaseContext): Broken | BlobFailure {
  const broken = (id: string): Broken => ({ lease: { state: 'broken', id }, leaseTime: 0 });
  const breaking = (id: string, breaksAt: number): Broken => ({
    lease: { state: 'breaking', id, breaksAt },
    // Rounded as Azurite rounds it; the documentation calls it "approximate".
    leaseTime: Math.round((breaksAt - ctx.now) / 1000),
  });
  switch (lease.state) {
    case 'available':
      // "You can no longer break a lease after releasing it [...] 409 Conflict – There is currently no lease on the blob."
      return failure('LeaseNotPresentWithLeaseOperation');
    case 'leased':
      if (lease.expiresAt === null) {
        if (breakPeriod === undefined || breakPeriod === 0) return broken(lease.id);
        return breaking(lease.id, ctx.now + breakPeriod * 1000);
      }
      if (breakPeriod === 0) return broken(lease.id);
      if (breakPeriod === undefined) return breaking(lease.id, lease.expiresAt);
      if (!isValidBreakPeriod(breakPeriod)) return failure('InvalidHeaderValue');
      return breaking(lease.id, Math.min(lease.expiresAt, ctx.now + breakPeriod * 1000));
    case 'breaking':
      if (breakPeriod === undefined) return { lease, leaseTime: Math.round((lease.breaksAt - ctx.now) / 1000) };
      if (breakPeriod === 0) return broken(lease.id);
      if (!isValidBreakPeriod(breakPeriod)) return failure('InvalidHeaderValue');
      return breaking(lease.id, Math.min(lease.breaksAt, ctx.now + breakPeriod * 1000));
    case 'expired':
    case 'broken':
      return broken(lease.id);
  }
}
