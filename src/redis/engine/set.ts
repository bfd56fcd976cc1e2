/**
 * A Redis set, with the two encodings Redis 7.0 has, because they decide the order in which
 * SMEMBERS, SPOP and SRANDMEMBER list members:
 * - `intset`: every member is an integer in Redis's canonical form (`string2ll`) and there are
 *   at most 512 of them (`set-max-intset-entries`). Redis keeps them sorted, so they list in
 *   ascending numeric order, exactly as here.
 * - hash table: any other set, and a set that was once an intset and grew past 512 members or
 *   received a non-integer member (Redis never converts back). Redis lists these in hash-table
 *   order, which depends on a per-process random hash seed; locksim lists them in insertion
 *   order (deterministic, and as arbitrary as Redis's from a client's point of view).
 */
import { parseInt64, parseInt64Exact } from './numbers.ts';

/** Redis's default `set-max-intset-entries`. */
export const SET_MAX_INTSET_ENTRIES = 512;

export class RedisSet {
  readonly members = new Set<string>();
  /** Still in the intset encoding (see the file comment). */
  private intset: boolean;
  /** Members in the order they list, while nothing changed since it was computed. */
  private ordered: string[] | null = null;

  /** `setTypeCreate`: an intset when the first member to be added is an integer. */
  constructor(firstMember: string) {
    this.intset = isIntsetMember(firstMember);
  }

  get size(): number {
    return this.members.size;
  }

  get isIntset(): boolean {
    return this.intset;
  }

  has(member: string): boolean {
    return this.members.has(member);
  }

  /** `setTypeAdd`: true when `member` was not there. */
  add(member: string): boolean {
    if (this.members.has(member)) return false;
    if (this.intset && (!isIntsetMember(member) || this.members.size + 1 > SET_MAX_INTSET_ENTRIES)) this.convertToHashTable();
    this.members.add(member);
    this.ordered = null;
    return true;
  }

  /** `setTypeRemove`: true when `member` was there. */
  delete(member: string): boolean {
    if (!this.members.delete(member)) return false;
    this.ordered = null;
    return true;
  }

  /** The members in Redis's iteration order for this encoding (a shared array: do not modify). */
  list(): readonly string[] {
    if (this.ordered === null) {
      const out = [...this.members];
      if (this.intset) out.sort(compareInt64Text);
      this.ordered = out;
    }
    return this.ordered;
  }

  /** A copy with the same encoding (`setTypeDup`). */
  clone(): RedisSet {
    const copy = new RedisSet('');
    copy.intset = this.intset;
    for (const m of this.members) copy.members.add(m);
    return copy;
  }

  /**
   * An intset converted to a hash table lists its members in the intset's (sorted) order and
   * then in insertion order: Redis inserts them into the new table in that order.
   */
  private convertToHashTable(): void {
    const sorted = [...this.members].sort(compareInt64Text);
    this.members.clear();
    for (const m of sorted) this.members.add(m);
    this.intset = false;
  }
}

/** `isSdsRepresentableAsLongLong`. */
function isIntsetMember(member: string): boolean {
  return parseInt64(member) !== null;
}

/** Orders canonical int64 texts by value (exactly, also beyond 2^53). */
function compareInt64Text(a: string, b: string): number {
  if (a.length <= 15 && b.length <= 15) return Number(a) - Number(b);
  const x = parseInt64Exact(a) as bigint;
  const y = parseInt64Exact(b) as bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}
