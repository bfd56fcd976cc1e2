/**
 * A sorted set: member -> score, plus the members kept ordered by (score, member) as Redis orders
 * them. A sorted array with binary search: O(log n) lookups, O(n) inserts, which is fast for the
 * sizes lock algorithms use (fencing counters, semaphores, queues of waiters).
 *
 * Members compare by UTF-16 code unit (Redis compares bytes; the two agree for ASCII and for
 * any text without characters above U+FFFF).
 */

export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

export class ZSet {
  readonly scores = new Map<string, number>();
  /** Members in ascending (score, member) order. */
  private readonly order: string[] = [];

  get size(): number {
    return this.order.length;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  /** Inserts or moves `member` to `score`. */
  set(member: string, score: number): void {
    // Redis stores small sorted sets as listpacks, where a score of -0 comes back as 0.
    if (score === 0) score = 0;
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (old === score) return;
      this.order.splice(this.indexOf(old, member), 1);
    }
    this.scores.set(member, score);
    this.order.splice(this.lowerBound(score, member), 0, member);
  }

  delete(member: string): boolean {
    const old = this.scores.get(member);
    if (old === undefined) return false;
    this.order.splice(this.indexOf(old, member), 1);
    this.scores.delete(member);
    return true;
  }

  /** Member at rank `i` (ascending). */
  at(i: number): string {
    return this.order[i];
  }

  rank(member: string): number | undefined {
    const s = this.scores.get(member);
    return s === undefined ? undefined : this.indexOf(s, member);
  }

  /** [first, end) rank interval of the members whose score is inside `range`. */
  scoreInterval(range: ScoreRange): [number, number] {
    const first = this.firstInRange(range.min, range.minExclusive);
    const end = this.firstAbove(range.max, range.maxExclusive);
    return [first, Math.max(first, end)];
  }

  clone(): ZSet {
    const copy = new ZSet();
    for (const [m, s] of this.scores) copy.scores.set(m, s);
    for (const m of this.order) copy.order.push(m);
    return copy;
  }

  /** Index of the first element not less than (score, member). */
  private lowerBound(score: number, member: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.order[mid];
      const s = this.scores.get(m) as number;
      if (s < score || (s === score && m < member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(score: number, member: string): number {
    return this.lowerBound(score, member);
  }

  /** First rank whose score is >= min (or > min when exclusive). */
  private firstInRange(min: number, exclusive: boolean): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.scores.get(this.order[mid]) as number;
      if (exclusive ? s <= min : s < min) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First rank whose score is > max (or >= max when exclusive). */
  private firstAbove(max: number, exclusive: boolean): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.scores.get(this.order[mid]) as number;
      if (exclusive ? s < max : s <= max) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
