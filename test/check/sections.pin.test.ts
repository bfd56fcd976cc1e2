/**
 * Critical sections (src/check/sections.ts), the quorum a section's lock was held on (quorum.ts)
 * and how pairwise overlaps group into incidents (incidents.ts), from hand-built histories.
 * Written to pin what mutation testing (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { emptyHistory, type History, type HistoryEvent, type KeyLifetime, type LeaseView } from '../../src/check/history.ts';
import { mutexIncidents } from '../../src/check/incidents.ts';
import type { MutexViolation } from '../../src/check/mutex.ts';
import { coversStart, pastQuorumMs, quorumEnd, quorumLoss, type HeldKey } from '../../src/check/quorum.ts';
import { compareSections, criticalSections, SectionTracker, type ClosedSection, type Section } from '../../src/check/sections.ts';

const lease = (value: string, validUntil = 100, timeSource: LeaseView['timeSource'] = 'monotonic'): LeaseView => ({ value, validUntil, timeSource });

type EventSpec = Partial<HistoryEvent> & Pick<HistoryEvent, 'process' | 'kind' | 'phase' | 'at'>;

function history(events: EventSpec[], endedAt = 1_000_000): History {
  const h = emptyHistory();
  events.forEach((e, index) => h.events.push({ index, wallMs: 5_000 + e.at / 1000, monoMs: e.at / 1000, ...e }));
  h.endedAt = endedAt;
  return h;
}

const ok = (process: string, at: number, l: LeaseView = lease('v')): EventSpec => ({ process, kind: 'acquire', phase: 'ok', at, resource: 'r', lease: l });

describe('critical sections', () => {
  it('each way a section ends, with its times on the client clock of the lease', () => {
    const sections = criticalSections(
      history([
        ok('a', 1_000, lease('va', 4)),
        ok('b', 2_000, lease('vb', 5_010, 'wall')),
        ok('c', 3_000),
        ok('d', 4_000),
        ok('e', 5_000),
        { process: 'a', kind: 'release', phase: 'invoke', at: 6_000 },
        { process: 'b', kind: 'abandon', phase: 'info', at: 7_000 },
        { process: 'c', kind: 'lost', phase: 'info', at: 8_000 },
        { process: 'd', kind: 'crash', phase: 'info', at: 9_000 },
      ]),
    );
    expect(sections.map((s) => [s.process, s.start, s.end, s.endedBy, s.localEndMs, s.pastValidityMs, s.acquiredEvent])).toEqual([
      ['a', 1_000, 6_000, 'release', 6, 2, 0],
      ['b', 2_000, 7_000, 'abandon', 5_007, -3, 1],
      ['c', 3_000, 8_000, 'abandon', 8, -92, 2],
      ['d', 4_000, 9_000, 'crash', 9, -91, 3],
      ['e', 5_000, 1_000_000, 'run-end', Number.NaN, Number.NaN, 4],
    ]);
  });

  it('only a completed acquire with a lease opens one; other phases and kinds neither open nor close it', () => {
    const sections = criticalSections(
      history([
        { process: 'a', kind: 'acquire', phase: 'ok', at: 500 }, // no lease
        { process: 'a', kind: 'acquire', phase: 'invoke', at: 900, lease: lease('v') },
        { process: 'a', kind: 'acquire', phase: 'ok', at: 1_000, lease: lease('v') }, // no resource
        { process: 'a', kind: 'release', phase: 'ok', at: 1_500 },
        { process: 'a', kind: 'release', phase: 'fail', at: 1_600 },
        { process: 'a', kind: 'read', phase: 'ok', at: 1_700 },
        { process: 'a', kind: 'extend', phase: 'ok', at: 1_800 },
        { process: 'a', kind: 'release', phase: 'invoke', at: 2_000 },
        { process: 'a', kind: 'release', phase: 'invoke', at: 3_000 }, // nothing open: nothing closes
        { process: 'b', kind: 'crash', phase: 'info', at: 3_500 },
      ]),
    );
    expect(sections.map((s) => [s.process, s.resource, s.start, s.end])).toEqual([['a', '', 1_000, 2_000]]);
  });

  it('a new acquire by the same client ends its open section there, as a release', () => {
    const sections = criticalSections(history([ok('a', 1_000, lease('v1')), ok('a', 2_000, lease('v2')), { process: 'a', kind: 'release', phase: 'invoke', at: 3_000 }]));
    expect(sections.map((s) => [s.lease.value, s.start, s.end, s.endedBy])).toEqual([
      ['v1', 1_000, 2_000, 'release'],
      ['v2', 2_000, 3_000, 'release'],
    ]);
  });

  it('the validity is the latest a later event of the same lease told (a renewal); another lease tells nothing', () => {
    const [s] = criticalSections(
      history([
        ok('a', 1_000, lease('v', 10)),
        { process: 'a', kind: 'extend', phase: 'ok', at: 2_000, lease: lease('v', 50) },
        { process: 'a', kind: 'extend', phase: 'ok', at: 2_500, lease: lease('other', 900) },
        { process: 'a', kind: 'release', phase: 'invoke', at: 60_000 },
      ]),
    );
    expect([s?.validUntil, s?.pastValidityMs]).toEqual([50, 10]);
    const [t] = criticalSections(history([ok('a', 1_000, lease('v', 10)), { process: 'a', kind: 'release', phase: 'invoke', at: 60_000, lease: lease('v', 70) }]));
    expect([t?.validUntil, t?.pastValidityMs]).toEqual([70, -10]);
  });

  it('are listed by start, then end, then the order they closed', () => {
    const sections = criticalSections(
      history([
        ok('a', 1_000),
        ok('b', 1_000),
        ok('c', 1_000),
        ok('d', 500),
        { process: 'c', kind: 'release', phase: 'invoke', at: 2_000 },
        { process: 'b', kind: 'release', phase: 'invoke', at: 3_000 },
        { process: 'a', kind: 'release', phase: 'invoke', at: 3_000 },
      ]),
    );
    expect(sections.map((s) => s.process)).toEqual(['d', 'c', 'b', 'a']);
    const closed = (start: number, end: number, closedSeq: number): ClosedSection => ({ section: { start, end } as Section, closedSeq });
    expect(compareSections(closed(1, 5, 0), closed(2, 3, 0))).toBeLessThan(0);
    expect(compareSections(closed(1, 5, 0), closed(1, 3, 0))).toBeGreaterThan(0);
    expect(compareSections(closed(1, 3, 0), closed(1, 3, 1))).toBeLessThan(0);
  });

  it('the earliest open start is +∞ with none open, and moves on as sections close', () => {
    const closed: ClosedSection[] = [];
    const tracker = new SectionTracker((c) => closed.push(c));
    expect(tracker.earliestOpenStart()).toBe(Number.POSITIVE_INFINITY);
    const h = history([ok('a', 3_000), ok('b', 1_000), ok('c', 2_000), { process: 'b', kind: 'release', phase: 'invoke', at: 4_000 }]);
    for (const e of h.events) tracker.event(e);
    expect(tracker.earliestOpenStart()).toBe(2_000);
    tracker.finish(9_000);
    expect(tracker.earliestOpenStart()).toBe(Number.POSITIVE_INFINITY);
    // The run's end closes the open ones in the order they opened, and numbers every close.
    expect(closed.map((c) => [c.section.process, c.closedSeq, c.section.endedBy])).toEqual([
      ['b', 0, 'release'],
      ['a', 1, 'run-end'],
      ['c', 2, 'run-end'],
    ]);
  });
});

const section = (process: string, start: number, end = start + 1_000): Section =>
  ({ process, resource: 'r', lease: lease('v'), validUntil: 0, start, end, endedBy: 'release', localEndMs: 0, pastValidityMs: 0, acquiredEvent: 0 }) as Section;

const key = (node: string, from: number, to: number | null, endedBy?: KeyLifetime['endedBy'], holder = 'a'): KeyLifetime => ({ node, key: 'r', holder, from, to, endedBy });

describe('the quorum a section held', () => {
  it('a key covers a section if it is the holder\'s and alive at its start (1 µs of slack before it)', () => {
    const s = section('a', 1_000);
    expect(coversStart(key('n1', 1_001, null), s)).toBe(true);
    expect(coversStart(key('n1', 1_002, null), s)).toBe(false);
    expect(coversStart(key('n1', 0, 1_000), s)).toBe(true);
    expect(coversStart(key('n1', 0, 999), s)).toBe(false);
    expect(coversStart(key('n1', 0, null, undefined, 'b'), s)).toBe(false);
  });

  it('is lost at the majority-th latest end among the nodes, and says how that key ended', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const s = section('a', 1_000);
    const held = (keys: KeyLifetime[]): HeldKey[] => keys.map((lifetime, seq) => ({ lifetime, seq }));
    // Five nodes: a quorum is three. Ends: n1 +∞, n2 9000 (deleted), n3 7000 (no cause: expired), n4 5000, n5 never.
    const keys = held([key('n1', 0, null), key('n2', 0, 9_000, 'deleted'), key('n3', 0, 7_000), key('n4', 0, 5_000, 'crash'), key('n9', 0, 8_000, 'overwritten')]);
    expect(quorumLoss(nodes, keys, s)).toEqual({ at: 7_000, cause: 'expired' });
    expect(quorumEnd(nodes, keys, s)).toBe(7_000);
    expect(quorumLoss(nodes.slice(0, 2), keys, s)).toEqual({ at: 9_000, cause: 'deleted' });
    expect(quorumLoss(nodes.slice(0, 4), keys, s)).toEqual({ at: 7_000, cause: 'expired' });
    expect(quorumLoss(['n1'], keys, s)).toEqual({ at: Number.POSITIVE_INFINITY, cause: 'outlived-run' });
    expect(quorumLoss(['n4'], keys, s)).toEqual({ at: 5_000, cause: 'crash' });
    expect(quorumLoss(['n5', 'n4', 'n5'], keys, s)).toEqual({ at: 1_000, cause: 'never-held' });
    expect(quorumLoss([], keys, s)).toEqual({ at: 1_000, cause: 'never-held' });
  });

  it('on each node the earliest covering lifetime counts (ties: the one that ended first in the canonical order)', () => {
    const s = section('a', 1_000);
    const keys: HeldKey[] = [
      { lifetime: key('n1', 500, 8_000, 'deleted'), seq: 2 },
      { lifetime: key('n1', 200, 3_000, 'overwritten'), seq: 3 },
      { lifetime: key('n1', 800, 2_000, 'crash'), seq: 1 },
      { lifetime: key('n2', 100, 4_000, 'deleted'), seq: 5 },
      { lifetime: key('n2', 100, 6_000, 'crash'), seq: 4 },
      { lifetime: key('n2', 100, 9_000, 'expired'), seq: 6 },
      { lifetime: key('n3', 5_000, 9_000, 'expired'), seq: 0 },
    ];
    expect(quorumLoss(['n1'], keys, s)).toEqual({ at: 3_000, cause: 'overwritten' });
    expect(quorumLoss(['n2'], keys, s)).toEqual({ at: 6_000, cause: 'crash' });
    expect(quorumLoss(['n3'], keys, s)).toEqual({ at: 1_000, cause: 'never-held' });
  });

  it('how far past it a section ran, ms', () => {
    const s = section('a', 1_000, 9_000);
    expect(pastQuorumMs(s, null)).toBeNull();
    expect(pastQuorumMs(s, Number.POSITIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(pastQuorumMs(s, 4_000)).toBe(5);
    expect(pastQuorumMs(s, 10_000)).toBe(-1);
  });
});

describe('incidents', () => {
  const pair = (first: Section, second: Section): MutexViolation => ({
    property: 'mutex',
    resource: 'r',
    first,
    second,
    overlapStart: Math.max(first.start, second.start),
    overlapEnd: Math.min(first.end, second.end),
    faultsActive: [],
    firstPastQuorumMs: null,
    secondPastQuorumMs: null,
  });

  it('pairs that share a section, directly or through others, are one incident; others are their own', () => {
    const x = section('x', 0, 100_000);
    const y = section('y', 50_000, 60_000);
    const z = section('z', 55_000, 58_000);
    const w = section('w', 57_000, 59_000);
    const y2 = section('y', 20_000, 30_000);
    const far1 = section('p', 500_000, 600_000);
    const far2 = section('q', 550_000, 700_000);
    // x–y, then z–y (y's root becomes z's), then w–y walks y → x → z.
    const violations = [pair(x, y), pair(z, y), pair(far1, far2), pair(w, y), pair(x, y2)];
    const incidents = mutexIncidents(violations);
    expect(incidents.map((i) => i.pairs.length)).toEqual([4, 1]);
    const [big, small] = incidents;
    expect(big?.pairs).toEqual([violations[0], violations[1], violations[3], violations[4]]);
    expect([...(big?.sections.keys() ?? [])]).toEqual(['x', 'y', 'z', 'w']);
    expect(big?.sections.get('y')?.map((s) => s.start)).toEqual([20_000, 50_000]);
    expect(big?.sections.get('x')).toEqual([x]);
    expect([big?.from, big?.to]).toEqual([20_000, 60_000]);
    expect([small?.from, small?.to]).toEqual([550_000, 600_000]);
    expect(mutexIncidents([])).toEqual([]);
  });
});
