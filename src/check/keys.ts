import type { HistoryEvent, KeyLifetime } from './history.ts';
import { Holders } from './holders.ts';
import type { Micros } from '../sim/time.ts';

/** One observation of a watched key on a node (see RedisNode.onKeyObservation). */
export interface KeySample {
  readonly at: Micros;
  readonly key: string;
  readonly value: string | null;
  readonly expiresAt: Micros | null;
  readonly cause: 'command' | 'restart' | 'crash' | 'clock';
}

interface OpenKey {
  readonly value: string;
  readonly from: Micros;
  expiresAt: Micros | null;
}

/** A lifetime that ended before the client owning its value was known. */
interface Unclaimed {
  readonly node: string;
  readonly key: string;
  readonly value: string;
  readonly from: Micros;
  readonly to: Micros | null;
  readonly endedBy: KeyLifetime['endedBy'];
  readonly seq: number;
}

/**
 * Turns the nodes' key observations into lifetimes in true time, online: a lifetime starts when
 * the key takes a value and ends when it expires (at the true time the node's clock reached its
 * expiry), is deleted, is overwritten, or the node crashes. A renewal (same value, new expiry)
 * extends the same lifetime. The holder is the client whose lease carried that value; a lifetime
 * is handed on (with the order it ended in) once its holder is known or no running acquire can
 * still claim it. It keeps only the open lifetimes and those awaiting their holder.
 */
export class KeyLifetimeTracker {
  private readonly open = new Map<string, Map<string, OpenKey>>();
  private unclaimed: Unclaimed[] = [];
  private readonly holders = new Holders();
  private now: Micros = 0;
  private ended = 0;
  /** The earliest expiry among open keys (+∞: none), so that most calls to advance() are one comparison. */
  private nextExpiry: Micros = Number.POSITIVE_INFINITY;

  constructor(private readonly emit: (lifetime: KeyLifetime, seq: number) => void) {}

  /** History events name the holders (acquires that returned a lease) and the acquires still running. */
  event(e: HistoryEvent): void {
    this.advance(e.at);
    this.holders.event(e);
    if (this.unclaimed.length > 0 && (e.kind === 'acquire' || e.kind === 'crash')) this.handOn(false);
  }

  sample(node: string, s: KeySample): void {
    this.advance(s.at);
    let keys = this.open.get(node);
    if (keys === undefined) {
      keys = new Map();
      this.open.set(node, keys);
    }
    const current = keys.get(s.key);
    if (s.cause === 'crash') {
      this.close(node, keys, s.key, s.at, 'crash'); // nextExpiry may now be early: that costs one scan
      return;
    }
    if (current !== undefined && current.value === s.value) {
      current.expiresAt = s.expiresAt; // renewed (or re-timed by a clock change)
    } else {
      if (current !== undefined) this.close(node, keys, s.key, s.at, s.value === null ? 'deleted' : 'overwritten');
      if (s.value !== null) keys.set(s.key, { value: s.value, from: s.at, expiresAt: s.expiresAt });
    }
    this.nextExpiry = this.earliestExpiry();
  }

  /**
   * True time moved to `now`: keys whose expiry passed end there and then (a later observation
   * would have ended them at the same expiry; ending them now lets the checkers settle).
   */
  advance(now: Micros): void {
    if (now <= this.now) return;
    this.now = now;
    if (now < this.nextExpiry) return;
    for (const [node, keys] of this.open) {
      for (const [key, o] of keys) if (o.expiresAt !== null && o.expiresAt <= now) this.close(node, keys, key, now, 'expired');
    }
    this.nextExpiry = this.earliestExpiry();
  }

  /** Every lifetime starting before this has been handed on. */
  lowWater(): Micros {
    let low = this.now;
    for (const keys of this.open.values()) for (const o of keys.values()) low = Math.min(low, o.from);
    for (const u of this.unclaimed) low = Math.min(low, u.from);
    return low;
  }

  /** Ends the run: keys past their expiry end there; the others outlived the run. */
  finish(endedAt: Micros): void {
    this.advance(endedAt);
    for (const [node, keys] of this.open) {
      for (const [key, o] of [...keys]) {
        if (o.expiresAt !== null && o.expiresAt <= endedAt) this.close(node, keys, key, endedAt, 'expired');
        else {
          keys.delete(key);
          this.hold({ node, key, value: o.value, from: o.from, to: null, endedBy: undefined, seq: this.ended++ });
        }
      }
    }
    this.handOn(true);
  }

  private earliestExpiry(): Micros {
    let earliest = Number.POSITIVE_INFINITY;
    for (const keys of this.open.values()) for (const o of keys.values()) if (o.expiresAt !== null) earliest = Math.min(earliest, o.expiresAt);
    return earliest;
  }

  private close(node: string, keys: Map<string, OpenKey>, key: string, at: Micros, endedBy: KeyLifetime['endedBy']): void {
    const o = keys.get(key);
    if (o === undefined) return;
    keys.delete(key);
    const expired = o.expiresAt !== null && o.expiresAt <= at;
    this.hold({ node, key, value: o.value, from: o.from, to: expired ? o.expiresAt : at, endedBy: expired ? 'expired' : endedBy, seq: this.ended++ });
  }

  private hold(u: Unclaimed): void {
    if (this.holders.holderOf(u.value) !== undefined || !this.holders.mayStillClaim(u.from)) this.give(u);
    else this.unclaimed.push(u);
  }

  private handOn(all: boolean): void {
    const waiting = this.unclaimed;
    this.unclaimed = [];
    for (const u of waiting) {
      if (all || this.holders.holderOf(u.value) !== undefined || !this.holders.mayStillClaim(u.from)) this.give(u);
      else this.unclaimed.push(u);
    }
  }

  private give(u: Unclaimed): void {
    const lifetime: KeyLifetime =
      u.to === null
        ? { node: u.node, key: u.key, holder: this.holders.holderOf(u.value), from: u.from, to: null }
        : { node: u.node, key: u.key, holder: this.holders.holderOf(u.value), from: u.from, to: u.to, endedBy: u.endedBy };
    this.emit(lifetime, u.seq);
  }
}
