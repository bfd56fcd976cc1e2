/**
 * The mutual-exclusion checker (src/check/mutex.ts) at its edges: which sections are compared,
 * the faults a violation names, the quorum explanation with and without key data, the span it
 * reports, and the key lifetimes it keeps. Hand-built histories; written to pin what mutation
 * testing (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { emptyHistory, type FaultRecord, type History, type HistoryEvent, type KeyLifetime } from '../../src/check/history.ts';
import { checkMutex, MutexChecker, quorumLostAt, type FindingSpan } from '../../src/check/mutex.ts';
import { criticalSections } from '../../src/check/sections.ts';

const lease = { value: 'v', validUntil: 1, timeSource: 'monotonic' as const };

type Spec = Partial<HistoryEvent> & Pick<HistoryEvent, 'process' | 'kind' | 'phase' | 'at'>;
const ok = (process: string, at: number, resource = 'r'): Spec => ({ process, kind: 'acquire', phase: 'ok', at, resource, lease });
const rel = (process: string, at: number): Spec => ({ process, kind: 'release', phase: 'invoke', at });

function history(events: Spec[], extra: Partial<History> = {}): History {
  const h = emptyHistory();
  events.forEach((e, index) => h.events.push({ index, wallMs: e.at / 1000, monoMs: e.at / 1000, ...e }));
  h.endedAt = extra.endedAt ?? 1_000_000;
  h.keys.push(...(extra.keys ?? []));
  h.faults.push(...(extra.faults ?? []));
  if (extra.lockNodes !== undefined) h.lockNodes = extra.lockNodes;
  return h;
}

const fault = (description: string, at: number, endedAt?: number): FaultRecord => ({ at, description, kind: 'pause', endedAt, fired: true, effect: '' });
const key = (node: string, holder: string | undefined, from: number, to: number | null, endedBy?: KeyLifetime['endedBy']): KeyLifetime => ({ node, key: 'r', holder, from, to, endedBy });

describe('which sections conflict', () => {
  it('two clients on the same resource whose sections share time; the same client, other resources, or touching sections do not', () => {
    const h = history([ok('a', 0), ok('b', 100, 'other'), ok('c', 200), rel('a', 300), rel('b', 400), rel('c', 500), ok('a', 500), rel('a', 600)]);
    expect(checkMutex(h).map((v) => [v.resource, v.first.process, v.second.process, v.overlapStart, v.overlapEnd])).toEqual([['r', 'a', 'c', 200, 300]]);
  });

  it('lists the pairs in section order, each pair first to second, whichever closed first', () => {
    const h = history([ok('a', 0), ok('b', 100), ok('c', 150), rel('c', 160), rel('b', 200), rel('a', 300)]);
    expect(checkMutex(h).map((v) => [v.first.process, v.second.process])).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
  });

  it('a section that ended before every open one began is forgotten, but one that ends after a later start is not', () => {
    // b's section (0–1000) is still in view when c's (900–1100) closes, though a's section opened and closed in between.
    const h = history([ok('b', 0), ok('a', 100), rel('a', 200), ok('c', 900), rel('b', 1_000), rel('c', 1_100)]);
    expect(checkMutex(h).map((v) => [v.first.process, v.second.process])).toEqual([
      ['b', 'a'],
      ['b', 'c'],
    ]);
  });
});

describe('the faults a violation names', () => {
  it('those applied by the overlap\'s end and not healed before the first section began', () => {
    const h = history([ok('a', 1_000), ok('b', 2_000), rel('a', 3_000), rel('b', 4_000)], {
      faults: [fault('healed before', 0, 999), fault('healed at start', 0, 1_000), fault('never healed', 500), fault('at the end', 3_000, 9_000), fault('after', 3_001)],
    });
    expect(checkMutex(h)[0]?.faultsActive).toEqual(['healed at start', 'never healed', 'at the end']);
  });
});

describe('the quorum explanation', () => {
  const events = [ok('a', 1_000), ok('b', 2_000), rel('a', 5_000), rel('b', 6_000)];

  it('without key data (no lock nodes, or no lifetimes at all) it is null', () => {
    const keys = [key('n1', 'a', 900, 3_000, 'deleted'), key('n1', 'b', 1_900, null)];
    for (const v of [
      checkMutex(history(events, { keys })),
      checkMutex(history(events, { lockNodes: [], keys })),
      checkMutex(history(events, { keys: [key('n1', undefined, 900, 3_000)] })),
      checkMutex(history(events, { lockNodes: ['n1'] })),
    ]) {
      expect(v.map((x) => [x.firstPastQuorumMs, x.secondPastQuorumMs, x.firstQuorumLostBy, x.secondQuorumLostBy])).toEqual([[null, null, null, null]]);
    }
  });

  it("with key data: how far each section ran past its quorum's loss, and how that came", () => {
    const keys = [key('n1', 'a', 900, 3_000, 'deleted'), key('n2', 'a', 900, 4_000), key('n3', 'b', 1_900, null)];
    const [v] = checkMutex(history(events, { lockNodes: ['n1', 'n2', 'n3'], keys }));
    expect([v?.firstPastQuorumMs, v?.firstQuorumLostBy, v?.secondPastQuorumMs, v?.secondQuorumLostBy]).toEqual([2, 'deleted', 4, 'never-held']);
  });

  it('ignores lifetimes without a holder and on nodes that are not the lock\'s', () => {
    const keys = [key('n1', undefined, 900, 4_000), key('n9', 'a', 900, 4_000), key('n1', 'a', 900, 3_500)];
    const [v] = checkMutex(history(events, { lockNodes: ['n1'], keys }));
    expect([v?.firstPastQuorumMs, v?.firstQuorumLostBy]).toEqual([1.5, 'expired']);
  });

  it('quorumLostAt needs lock nodes and key lifetimes', () => {
    const h = history([ok('a', 1_000), rel('a', 5_000)], { lockNodes: ['n1'], keys: [key('n1', 'a', 900, 3_000)] });
    const [s] = criticalSections(h);
    expect(quorumLostAt(h, s!)).toBe(3_000);
    expect(quorumLostAt({ ...h, lockNodes: [] }, s!)).toBeNull();
    expect(quorumLostAt({ ...h, lockNodes: undefined }, s!)).toBeNull();
    expect(quorumLostAt({ ...h, keys: [] }, s!)).toBeNull();
  });
});

describe('online', () => {
  let index = 0;
  const ev = (e: Spec): HistoryEvent => ({ index: index++, wallMs: e.at / 1000, monoMs: e.at / 1000, ...e });

  it('reports the span a finding refers to: from the first section\'s start to the later end', () => {
    const spans: FindingSpan[] = [];
    const m = new MutexChecker(undefined, (s) => spans.push(s));
    for (const e of [ok('a', 1_000), ok('b', 2_000), rel('b', 3_000), ok('c', 3_500), rel('a', 4_000), rel('c', 9_000)]) m.event(ev(e));
    expect(spans).toEqual([
      { from: 1_000, to: 4_000 },
      { from: 1_000, to: 9_000 },
    ]);
    m.finish(10_000, []);
  });

  it('waits for key lifetimes until they are complete past a section\'s start (1 µs of slack)', () => {
    const m = new MutexChecker(['n1']);
    for (const e of [ok('a', 1_000), ok('b', 2_000), rel('a', 3_000)]) m.event(ev(e));
    expect(m.waitingForKeys).toBe(false); // nothing found yet
    m.event(ev(rel('b', 4_000)));
    expect(m.waitingForKeys).toBe(true);
    m.keysComplete(1_001);
    // A lifetime starting at 1001 may still cover a's start (1000): it counts.
    m.keyLifetime(key('n1', 'a', 1_001, 2_800, 'deleted'), 0);
    m.keysComplete(1_002);
    m.keysComplete(500); // the watermark never goes back
    expect(m.waitingForKeys).toBe(true); // b's start is still open to lifetimes
    m.keyLifetime(key('n1', 'b', 1_900, 2_500, 'overwritten'), 1);
    m.keysComplete(2_002);
    expect(m.waitingForKeys).toBe(false);
    const [v] = m.finish(10_000, []);
    expect([v?.firstPastQuorumMs, v?.firstQuorumLostBy, v?.secondPastQuorumMs, v?.secondQuorumLostBy]).toEqual([0.2, 'deleted', 1.5, 'overwritten']);
  });

  it('the earliest moment a later violation may name: open sections and closed ones still in view', () => {
    const m = new MutexChecker(undefined);
    m.event(ev(ok('a', 1_000)));
    m.event(ev(ok('b', 2_000)));
    m.event(ev(rel('a', 3_000)));
    expect(m.referencedFrom()).toBe(1_000);
    m.event(ev(rel('b', 4_000)));
    expect(m.referencedFrom()).toBe(Number.POSITIVE_INFINITY);
  });

  it('a section that ended where the earliest open one began is no longer referenced', () => {
    const m = new MutexChecker(undefined);
    m.event(ev(ok('a', 1_000)));
    m.event(ev(ok('b', 2_000)));
    m.event(ev(rel('a', 2_000)));
    expect(m.referencedFrom()).toBe(2_000);
  });

  it('pruning keeps the lifetimes that cover a section still in view: one that outlives the run, one that ends at its start', () => {
    const m = new MutexChecker(['n1']);
    m.event(ev(ok('a', 1_000)));
    m.event(ev(ok('b', 2_000)));
    m.keyLifetime(key('n1', 'a', 900, 1_000, 'deleted'), 0);
    m.keyLifetime(key('n1', 'b', 1_900, null), 1);
    // Enough short lifetimes of another client to make the checker prune (horizon: a's start).
    for (let i = 2; i < 80; i++) m.keyLifetime(key('n1', 'x', i, i + 1, 'expired'), i);
    const [v] = m.finish(10_000, []);
    expect([v?.firstQuorumLostBy, v?.firstPastQuorumMs, v?.secondQuorumLostBy, v?.secondPastQuorumMs]).toEqual(['deleted', 9, 'outlived-run', Number.NEGATIVE_INFINITY]);
  });

  it('keeps every key lifetime a section may still need, however many came before', () => {
    // 200 short lifetimes of other clients come and go; a's key, delivered first, must survive the pruning.
    const m = new MutexChecker(['n1']);
    m.event(ev(ok('a', 1_000)));
    m.keyLifetime(key('n1', 'a', 900, 50_000, 'deleted'), 0);
    for (let i = 1; i <= 200; i++) {
      m.keyLifetime(key('n1', 'x', i * 10, i * 10 + 5, 'expired'), i);
      m.event(ev({ process: 'x', kind: 'read', phase: 'ok', at: 1_000 + i }));
    }
    m.event(ev(ok('b', 2_000)));
    m.event(ev(rel('a', 60_000)));
    m.event(ev(rel('b', 61_000)));
    const [v] = m.finish(100_000, []);
    expect([v?.firstPastQuorumMs, v?.firstQuorumLostBy]).toEqual([10, 'deleted']);

    // And a lifetime that ended before the first section opened is dropped without harm.
    const n = new MutexChecker(['n1']);
    for (let i = 0; i < 200; i++) n.keyLifetime(key('n1', 'b', i, i + 1, 'expired'), i);
    n.event(ev(ok('b', 100_000)));
    n.keyLifetime(key('n1', 'b', 99_000, null), 200);
    n.event(ev(ok('a', 100_500)));
    n.event(ev(rel('b', 101_000)));
    n.event(ev(rel('a', 102_000)));
    const [w] = n.finish(200_000, []);
    expect([w?.firstPastQuorumMs, w?.firstQuorumLostBy]).toEqual([Number.NEGATIVE_INFINITY, 'outlived-run']);
  });
});
