/**
 * The fencing checks (src/check/fencing.ts) at their edges: which grant is the highest and the
 * latest, when a shared token stops a lease being the current holder, how the resource's highest
 * token moves, the merge order of a stored history, and every line a violation reads as.
 * Written to pin what mutation testing (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { checkFencing, FencingChecker, fencingViolationText, grantOf, refusedStaleWrites, type FencingViolation } from '../../src/check/fencing.ts';
import { emptyHistory, type History, type HistoryEvent, type ResourceWrite } from '../../src/check/history.ts';

let index = 0;
function grant(process: string, at: number, lease: string, token: number | undefined): HistoryEvent {
  return { index: index++, process, kind: 'acquire', phase: 'ok', at, wallMs: 0, monoMs: 0, resource: 'r', lease: { value: lease, validUntil: 1, timeSource: 'monotonic', fencingToken: token } };
}

function write(process: string, at: number, lease: string | undefined, token: number | undefined, accepted = true, reason?: string): ResourceWrite {
  return { at, process, value: 1, readValue: 0, token, lease, accepted, before: 0, reason };
}

function history(events: HistoryEvent[], writes: ResourceWrite[] = []): History {
  const h = emptyHistory();
  h.events.push(...events);
  h.writes.push(...writes);
  return h;
}

const kinds = (vs: FencingViolation[]): string[] => vs.map((v) => v.kind);

describe('grants', () => {
  it('only an acquire that completed with a token is one', () => {
    expect(grantOf(grant('a', 5, 'L', 3))).toEqual({ at: 5, process: 'a', lease: 'L', token: 3 });
    expect(grantOf(grant('a', 5, 'L', 0))).toEqual({ at: 5, process: 'a', lease: 'L', token: 0 });
    expect(grantOf(grant('a', 5, 'L', undefined))).toBeNull();
    expect(grantOf({ ...grant('a', 5, 'L', 3), phase: 'invoke' })).toBeNull();
    expect(grantOf({ ...grant('a', 5, 'L', 3), kind: 'extend' })).toBeNull();
    const { lease: _none, ...bare } = grant('a', 5, 'L', 3);
    expect(grantOf(bare)).toBeNull();
  });

  it('a token that went back is compared with the first, highest grant (not a later one of the same number)', () => {
    const found = checkFencing(history([grant('a', 10, 'L1', 5), grant('b', 20, 'L2', 5), grant('c', 30, 'L3', 3)]));
    expect(kinds(found)).toEqual(['token-reused', 'token-out-of-order']);
    expect(found[1]).toMatchObject({ process: 'c', token: 3, lease: 'L3', earlier: { lease: 'L1', token: 5 }, grant: { lease: 'L3' } });
  });

  it('a reused token is compared with its first grant, even after a third lease got it', () => {
    const found = checkFencing(history([grant('a', 10, 'L1', 5), grant('b', 20, 'L2', 5), grant('c', 30, 'L3', 5)]));
    expect(found.map((v) => (v.kind === 'token-reused' ? v.earlier.lease : ''))).toEqual(['L1', 'L1']);
  });

  it('the same lease again is not a new grant: the latest grant stays who it was', () => {
    // L2 is the latest grant; L1 renewing with its old token does not make it the holder again.
    const h = history([grant('a', 10, 'L1', 1), grant('b', 20, 'L2', 2), grant('a', 30, 'L1', 1)], [write('b', 40, 'L2', 2, false), write('a', 50, 'L1', 1, false)]);
    const found = checkFencing(h);
    expect(kinds(found)).toEqual(['holder-refused']);
    expect(found[0]).toMatchObject({ process: 'b', highestGranted: 2, holder: { lease: 'L2' }, highestBefore: Number.NEGATIVE_INFINITY });
  });
});

describe('the current holder', () => {
  it('the latest grant, with the token it was granted', () => {
    const h = history([grant('a', 10, 'L1', 7)], [write('a', 20, 'L1', 6, false)]);
    expect(checkFencing(h)).toEqual([]);
  });

  it('also the lease holding the highest token granted, unless another lease was granted that token too', () => {
    const alone = history([grant('a', 10, 'L1', 2), grant('b', 20, 'L2', 1)], [write('a', 30, 'L1', 2, false)]);
    expect(kinds(checkFencing(alone))).toEqual(['token-out-of-order', 'holder-refused']);
    expect(checkFencing(alone)[1]).toMatchObject({ holder: { lease: 'L1', token: 2 }, highestGranted: 2 });
    const shared = history([grant('a', 10, 'L1', 2), grant('b', 20, 'L2', 2), grant('c', 30, 'L3', 1)], [write('a', 40, 'L1', 2, false)]);
    expect(kinds(checkFencing(shared))).toEqual(['token-reused', 'token-out-of-order']);
    // A lease that holds the highest token, but not with the token it writes, is not the holder.
    const other = history([grant('a', 10, 'L1', 2), grant('b', 20, 'L2', 1)], [write('a', 30, 'L1', 1, false)]);
    expect(kinds(checkFencing(other))).toEqual(['token-out-of-order']);
    // Nor is a lease that presents the highest token granted to another lease.
    const borrowed = history([grant('a', 10, 'L1', 2), grant('b', 20, 'L2', 1)], [write('b', 30, 'L2', 2, false)]);
    expect(kinds(checkFencing(borrowed))).toEqual(['token-out-of-order']);
  });

  it('a refused write that does not say its lease, or carries no token, is left alone', () => {
    const h = history([grant('a', 10, 'L1', 1)], [write('a', 20, undefined, 1, false), write('a', 30, 'L1', undefined, false), write('a', 40, 'L1', undefined)]);
    expect(checkFencing(h)).toEqual([]);
  });

  it('before any grant, nobody is', () => {
    const checker = new FencingChecker();
    expect(checker.write(write('a', 20, 'L1', 1, false))).toBeNull();
  });
});

describe('the highest accepted token', () => {
  it('moves only up, and keeps the lease that first presented it', () => {
    const checker = new FencingChecker();
    expect(checker.write(write('a', 10, 'L1', 4))).toBeNull();
    expect(checker.write(write('b', 20, 'L2', 4))).toMatchObject({ kind: 'stale-write-accepted', firstLease: 'L1', highestBefore: 4 });
    expect(checker.write(write('a', 30, 'L1', 4))).toBeNull();
    expect(checker.write(write('b', 40, 'L2', 5))).toBeNull();
    const lower = checker.write(write('a', 50, 'L1', 4));
    expect(lower).toMatchObject({ kind: 'stale-write-accepted', highestBefore: 5 });
    expect(lower).not.toHaveProperty('firstLease');
    expect(checker.write(write('c', 60, 'L3', 5))).toMatchObject({ kind: 'stale-write-accepted', firstLease: 'L2' });
    expect(checker.finish().map((v) => v.at)).toEqual([20, 50, 60]);
    checker.finish().pop();
    expect(checker.finish()).toHaveLength(3);
  });

  it('an equal token from a write that does not say its lease, after one that did, cannot be told apart', () => {
    const checker = new FencingChecker();
    checker.write(write('a', 10, 'L1', 4));
    expect(checker.write(write('b', 20, undefined, 4))).toBeNull();
    const unnamed = new FencingChecker();
    unnamed.write(write('a', 10, undefined, 4));
    expect(unnamed.write(write('b', 20, 'L2', 4))).toBeNull();
  });
});

describe('a stored history', () => {
  it('a write at the same instant as a grant is judged after it', () => {
    const h = history([grant('a', 10, 'L1', 1), grant('b', 20, 'L2', 2)], [write('a', 20, 'L1', 1, false)]);
    expect(checkFencing(h)).toEqual([]);
    const before = history([grant('a', 10, 'L1', 1), grant('b', 20, 'L2', 2)], [write('a', 19, 'L1', 1, false)]);
    expect(kinds(checkFencing(before))).toEqual(['holder-refused']);
  });

  it('the refused writes', () => {
    const w = [write('a', 1, 'L', 1), write('a', 2, 'L', 1, false)];
    expect(refusedStaleWrites(history([], w))).toEqual([w[1]]);
  });
});

describe('what a violation reads as', () => {
  it('each kind, with long lease values cut and a missing token shown as none', () => {
    const longLease = 'abcdef0123456'; // 13 characters: cut
    const twelve = 'abcdef012345';
    const reused = checkFencing(history([grant('a', 10, longLease, 1), grant('b', 20, 'L2', 1)]));
    expect(fencingViolationText(reused[0]!)).toBe("fencing token reused: b was granted token 1, already granted to a's lease abcdef01…");
    const reused12 = checkFencing(history([grant('a', 10, twelve, 1), grant('b', 20, 'L2', 1)]));
    expect(fencingViolationText(reused12[0]!)).toBe("fencing token reused: b was granted token 1, already granted to a's lease abcdef012345");
    const back = checkFencing(history([grant('a', 10, 'L1', 3), grant('b', 20, 'L2', 2)]));
    expect(fencingViolationText(back[0]!)).toBe('fencing token went back: b was granted token 2 after token 3 (a)');
    const stale = checkFencing(history([], [write('a', 10, 'L1', 3), write('b', 20, 'L2', 2)]));
    expect(fencingViolationText(stale[0]!)).toBe("stale write accepted: b's write with token 2 after token 3");
    const none = { ...stale[0]!, highestBefore: Number.NEGATIVE_INFINITY } as FencingViolation;
    expect(fencingViolationText(none)).toBe("stale write accepted: b's write with token 2 after token none");
    const equal = checkFencing(history([], [write('a', 10, longLease, 3), write('b', 20, 'L2', 3)]));
    expect(fencingViolationText(equal[0]!)).toBe("stale write accepted: b's write with token 3, first presented by another lease (abcdef01…)");
    const refused = checkFencing(history([grant('a', 10, 'L1', 1)], [write('a', 20, 'L1', 1, false, 'token 1 < 5'), write('a', 30, 'L1', 1, false)]));
    expect(refused.map(fencingViolationText)).toEqual([
      "current holder refused: a's write with token 1 was refused (token 1 < 5), though its lease is the current holder",
      "current holder refused: a's write with token 1 was refused, though its lease is the current holder",
    ]);
  });
});
