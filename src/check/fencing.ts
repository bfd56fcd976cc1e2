import type { History, HistoryEvent, ResourceWrite } from './history.ts';
import type { Micros } from '../sim/time.ts';

/**
 * Fencing, judged from the history: the tokens the lock handed out (each acquire `ok` event
 * carries `lease.fencingToken` and `lease.value`) and the writes the resource accepted or refused
 * (each carries its token and its lease's value).
 *
 * A token is *granted* when an acquire completes with a fencing token; a lease is named by its
 * value. The checks, one `kind` each:
 * - `token-reused`: a token granted to a lease was granted before to a different lease (the
 *   counter went back, e.g. it lived on a node that restarted without persistence). The resource
 *   cannot tell the two holders apart.
 * - `token-out-of-order`: a grant's token is not higher than the highest granted before it in
 *   true time, though no other lease had that very number (a gap the counter went back over).
 * - `stale-write-accepted`: the resource accepted a write whose token is lower than the highest
 *   token it had accepted before, or equal to it but from a different lease than the one that
 *   first presented it (the resource's rule, src/workload/resource.ts, refuses both).
 * - `holder-refused`: the resource refused a write from the current holder, the safeguard turned
 *   against the rightful owner. The current holder is the lease granted most recently (in true
 *   time); also a lease that alone holds the highest token granted so far. A write refused for
 *   any other lease is a stale write refused: the safeguard working (see {@link refusedStaleWrites}).
 *
 * Writes without a token, and (for the lease comparisons) writes that do not say their lease
 * (older histories) are left alone.
 */
export type FencingViolationKind = 'token-reused' | 'token-out-of-order' | 'stale-write-accepted' | 'holder-refused';

export const FENCING_VIOLATION_KINDS: readonly FencingViolationKind[] = ['token-reused', 'token-out-of-order', 'stale-write-accepted', 'holder-refused'];

/** A fencing token handed out: an acquire that completed with one. */
export interface TokenGrant {
  /** True time the acquire completed, µs. */
  readonly at: Micros;
  readonly process: string;
  /** The lease's value. */
  readonly lease: string;
  readonly token: number;
}

interface FencingViolationBase {
  readonly property: 'fencing';
  readonly kind: FencingViolationKind;
  /** True time of the grant or the write, µs. */
  readonly at: Micros;
  /** The client whose grant or write it is. */
  readonly process: string;
  readonly token: number;
  /** The lease's value, when known. */
  readonly lease?: string;
}

/** A grant that broke the token order: `earlier` is the grant of the same token (reused) or the highest grant before it. */
export interface TokenGrantViolation extends FencingViolationBase {
  readonly kind: 'token-reused' | 'token-out-of-order';
  readonly grant: TokenGrant;
  readonly earlier: TokenGrant;
}

/** A write the resource should have refused (`stale-write-accepted`) or should have accepted (`holder-refused`). */
export interface FencingWriteViolation extends FencingViolationBase {
  readonly kind: 'stale-write-accepted' | 'holder-refused';
  readonly write: ResourceWrite;
  /** The highest token among the writes accepted before this one (-∞: none). */
  readonly highestBefore: number;
  /** For `stale-write-accepted` with an equal token: the lease that first presented it. */
  readonly firstLease?: string;
  /** For `holder-refused`: the writer's grant, and the latest grant and highest token granted so far. */
  readonly holder?: TokenGrant;
  readonly highestGranted?: number;
}

export type FencingViolation = TokenGrantViolation | FencingWriteViolation;

/** The grant an acquire `ok` event is, if it carries a fencing token. */
export function grantOf(e: HistoryEvent): TokenGrant | null {
  if (e.kind !== 'acquire' || e.phase !== 'ok' || e.lease?.fencingToken === undefined) return null;
  return { at: e.at, process: e.process, lease: e.lease.value, token: e.lease.fencingToken };
}

/**
 * The fencing checks above, online: feed it events and resource writes in true-time order.
 * It keeps the first grant of each token (to tell a reused one), the highest and the latest
 * grant, and the highest accepted token with the lease that first presented it.
 */
export class FencingChecker {
  private readonly byToken = new Map<number, { grant: TokenGrant; shared: boolean }>();
  private highestGrant: TokenGrant | null = null;
  private latestGrant: TokenGrant | null = null;
  private highestAccepted = Number.NEGATIVE_INFINITY;
  private highestAcceptedLease: string | undefined;
  private readonly found: FencingViolation[] = [];

  /** A history event; returns the violation it is, if any (only acquire `ok` events with a token count). */
  event(e: HistoryEvent): FencingViolation | null {
    const grant = grantOf(e);
    return grant === null ? null : this.grant(grant);
  }

  /** A token handed out; returns the violation it is, if any. */
  grant(grant: TokenGrant): FencingViolation | null {
    const first = this.byToken.get(grant.token);
    if (first !== undefined && first.grant.lease === grant.lease) return null; // the same lease again: not a new grant
    let violation: FencingViolation | null = null;
    const base = { property: 'fencing', at: grant.at, process: grant.process, token: grant.token, lease: grant.lease, grant } as const;
    if (first !== undefined) {
      first.shared = true;
      violation = { ...base, kind: 'token-reused', earlier: first.grant };
    } else if (this.highestGrant !== null && grant.token <= this.highestGrant.token) {
      violation = { ...base, kind: 'token-out-of-order', earlier: this.highestGrant };
    }
    if (first === undefined) this.byToken.set(grant.token, { grant, shared: false });
    if (this.highestGrant === null || grant.token > this.highestGrant.token) this.highestGrant = grant;
    this.latestGrant = grant;
    if (violation !== null) this.found.push(violation);
    return violation;
  }

  /** A write as the resource applied or refused it; returns the violation it is, if any. */
  write(write: ResourceWrite): FencingViolation | null {
    const token = write.token;
    if (token === undefined) return null;
    const base = { property: 'fencing', at: write.at, process: write.process, token, lease: write.lease, write, highestBefore: this.highestAccepted } as const;
    let violation: FencingViolation | null = null;
    if (write.accepted) {
      if (token < this.highestAccepted) {
        violation = { ...base, kind: 'stale-write-accepted' };
      } else if (token === this.highestAccepted && write.lease !== undefined && this.highestAcceptedLease !== undefined && write.lease !== this.highestAcceptedLease) {
        violation = { ...base, kind: 'stale-write-accepted', firstLease: this.highestAcceptedLease };
      }
      if (token > this.highestAccepted) {
        this.highestAccepted = token;
        this.highestAcceptedLease = write.lease;
      }
    } else if (write.lease !== undefined) {
      const holder = this.currentHolder(write.lease, token);
      if (holder !== null) violation = { ...base, kind: 'holder-refused', holder, highestGranted: this.highestGrant?.token };
    }
    if (violation !== null) this.found.push(violation);
    return violation;
  }

  finish(): FencingViolation[] {
    return [...this.found];
  }

  /** The grant of `lease` if it is the current holder with this token: the latest grant, or the sole holder of the highest token. */
  private currentHolder(lease: string, token: number): TokenGrant | null {
    const latest = this.latestGrant;
    if (latest !== null && latest.lease === lease && latest.token === token) return latest;
    const highest = this.highestGrant;
    if (highest !== null && highest.lease === lease && highest.token === token && this.byToken.get(token)?.shared !== true) return highest;
    return null;
  }
}

/** Judges a stored history's fencing: events and writes merged in true-time order (an event before a write at the same instant). */
export function checkFencing(history: History): FencingViolation[] {
  const checker = new FencingChecker();
  let w = 0;
  for (const e of history.events) {
    while (w < history.writes.length && (history.writes[w] as ResourceWrite).at < e.at) checker.write(history.writes[w++] as ResourceWrite);
    checker.event(e);
  }
  while (w < history.writes.length) checker.write(history.writes[w++] as ResourceWrite);
  return checker.finish();
}

/** The writes the resource refused (with a fencing resource: the safeguard working, or a `holder-refused` violation). */
export function refusedStaleWrites(history: History): ResourceWrite[] {
  return history.writes.filter((w) => !w.accepted);
}

/** A lease value, cut short for a readable line (values are long random hex). */
function leaseText(lease: string): string {
  return lease.length > 12 ? `${lease.slice(0, 8)}…` : lease;
}

function tokenText(token: number): string {
  return Number.isFinite(token) ? String(token) : 'none';
}

/** One readable line for a fencing violation (timeline, tooltips, lists). */
export function fencingViolationText(v: FencingViolation): string {
  switch (v.kind) {
    case 'token-reused':
      return `fencing token reused: ${v.process} was granted token ${v.token}, already granted to ${v.earlier.process}'s lease ${leaseText(v.earlier.lease)}`;
    case 'token-out-of-order':
      return `fencing token went back: ${v.process} was granted token ${v.token} after token ${v.earlier.token} (${v.earlier.process})`;
    case 'stale-write-accepted':
      return v.firstLease === undefined
        ? `stale write accepted: ${v.process}'s write with token ${v.token} after token ${tokenText(v.highestBefore)}`
        : `stale write accepted: ${v.process}'s write with token ${v.token}, first presented by another lease (${leaseText(v.firstLease)})`;
    case 'holder-refused':
      return `current holder refused: ${v.process}'s write with token ${v.token} was refused${v.write.reason === undefined ? '' : ` (${v.write.reason})`}, though its lease is the current holder`;
  }
}
