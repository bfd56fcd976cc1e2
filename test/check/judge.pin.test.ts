/**
 * The online judge (src/check/online.ts) and judge() over a stored history (judge.ts): which
 * checkers run, the verdict, the order of the violations, when a finding is announced, and what
 * reaches the key-lifetime hook. Hand-built histories; written to pin what mutation testing
 * (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { emptyHistory, type History, type HistoryEvent, type KeyLifetime, type ResourceWrite } from '../../src/check/history.ts';
import { judge } from '../../src/check/judge.ts';
import { mechanismOf } from '../../src/check/mechanism.ts';
import type { FindingSpan } from '../../src/check/mutex.ts';
import { OnlineJudge, type Property } from '../../src/check/online.ts';

let index = 0;
type Spec = Partial<HistoryEvent> & Pick<HistoryEvent, 'process' | 'kind' | 'phase' | 'at'>;
const ev = (e: Spec): HistoryEvent => ({ index: index++, wallMs: e.at / 1000, monoMs: e.at / 1000, ...e });
const lease = (value: string, token?: number) => ({ value, validUntil: 1, timeSource: 'monotonic' as const, fencingToken: token });
const ok = (process: string, at: number, value: string, token?: number): HistoryEvent => ev({ process, kind: 'acquire', phase: 'ok', at, resource: 'r', lease: lease(value, token) });
const invoke = (process: string, at: number): HistoryEvent => ev({ process, kind: 'acquire', phase: 'invoke', at });
const rel = (process: string, at: number): HistoryEvent => ev({ process, kind: 'release', phase: 'invoke', at });
const write = (process: string, at: number, partial: Partial<ResourceWrite> = {}): ResourceWrite => ({ at, process, value: 1, readValue: 0, accepted: true, before: 0, ...partial });

const ALL: Property[] = ['mutex', 'lost-updates', 'fencing', 'liveness'];
const end = { endedAt: 100_000_000, faults: [], blocked: () => false };

/** A history that breaks every property: overlapping sections, a lost update, a reused token (and a write with it), a stuck acquire. */
function broken(): History {
  const h = emptyHistory();
  h.events.push(invoke('c', 0), ok('a', 1_000, 'L1', 1), ok('b', 2_000, 'L2', 1), rel('a', 3_000), rel('b', 4_000));
  h.writes.push(write('a', 2_500, { token: 1, lease: 'L1' }), write('b', 2_600, { token: 1, lease: 'L2', before: 1 }));
  h.endedAt = 100_000_000;
  return h;
}

describe('the judge', () => {
  it('runs the checkers asked for; lists violations by checker (mutex, lost updates, fencing, liveness); unsafe over stuck over safe', () => {
    const judged = (properties: Property[]) => judge(broken(), properties, { boundMs: 1_000, blocked: () => false });
    const all = judged(ALL);
    expect(all.violations.map(mechanismOf)).toEqual(['mutex', 'lost-update', 'token-reused', 'stale-write-accepted', 'liveness']);
    expect(all.verdict).toBe('unsafe');
    expect(judged(['mutex']).violations.map(mechanismOf)).toEqual(['mutex']);
    expect(judged(['lost-updates']).violations.map(mechanismOf)).toEqual(['lost-update']);
    expect(judged(['fencing']).violations.map(mechanismOf)).toEqual(['token-reused', 'stale-write-accepted']);
    const live = judged(['liveness']);
    expect([live.verdict, live.violations.map(mechanismOf)]).toEqual(['stuck', ['liveness']]);
    expect(judged([])).toEqual({ violations: [], verdict: 'safe' });
  });

  it('a stuck client is not stuck when blocked or still trying', () => {
    expect(judge(broken(), ['liveness'], { boundMs: 1_000, blocked: (p) => p === 'c' }).verdict).toBe('safe');
    expect(judge(broken(), ['liveness'], { boundMs: 1_000, blocked: () => false, stillTrying: (p) => p === 'c' }).verdict).toBe('safe');
  });

  it("starts the liveness phase at the history's last heal, and has none without one", () => {
    const h = emptyHistory();
    h.events.push(invoke('a', 0), ev({ process: 'a', kind: 'acquire', phase: 'fail', at: 1 }), invoke('a', 50_000_000), ok('a', 50_000_001, 'L'));
    h.endedAt = 100_000_000;
    expect(judge(h, ['liveness'], { boundMs: 1_000, blocked: () => false }).verdict).toBe('stuck');
    h.healedAt = 49_500_000;
    expect(judge(h, ['liveness'], { boundMs: 1_000, blocked: () => false }).verdict).toBe('safe');
  });

  it('merges writes and events in true time, an event first at the same instant', () => {
    const h = emptyHistory();
    h.events.push(ok('a', 10, 'L1', 1), ok('b', 20, 'L2', 2), ok('c', 30, 'L3', 3));
    h.writes.push(write('a', 15, { token: 1, lease: 'L1', accepted: false }), write('b', 20, { token: 2, lease: 'L2', accepted: false }), write('c', 40, { token: 3, lease: 'L3', accepted: false }));
    h.endedAt = 100;
    const found = judge(h, ['fencing'], { boundMs: 1, blocked: () => false }).violations;
    expect(found.map((v) => v.property === 'fencing' && v.process)).toEqual(['a', 'b', 'c']);
    h.writes.splice(1, 1, write('b', 30, { token: 2, lease: 'L2', accepted: false }));
    expect(judge(h, ['fencing'], { boundMs: 1, blocked: () => false }).violations.map((v) => v.property === 'fencing' && v.process)).toEqual(['a', 'c']);
  });

  it("explains a mutex violation from the history's key lifetimes, in their stored order", () => {
    const h = emptyHistory();
    h.events.push(ok('a', 1_000, 'L1'), ok('b', 2_000, 'L2'), rel('a', 5_000), rel('b', 6_000));
    h.lockNodes = ['n1'];
    h.keys.push({ node: 'n1', key: 'r', holder: 'a', from: 900, to: 3_000, endedBy: 'deleted' }, { node: 'n1', key: 'r', holder: 'a', from: 900, to: 4_000, endedBy: 'crash' });
    h.endedAt = 10_000;
    const [v] = judge(h, ['mutex'], { boundMs: 1, blocked: () => false }).violations;
    expect(v).toMatchObject({ property: 'mutex', firstPastQuorumMs: 2, firstQuorumLostBy: 'deleted' });
  });
});

describe('the online judge', () => {
  it('announces each safety finding with the span it refers to', () => {
    const spans: FindingSpan[] = [];
    const j = new OnlineJudge({ properties: ALL, boundMs: 1_000, onFound: (s) => spans.push(s) });
    const h = broken();
    j.event(h.events[0]!);
    j.event(h.events[1]!);
    j.event(h.events[2]!); // the reused token
    j.write(h.writes[0]!);
    j.write(h.writes[1]!); // a lost update, and a stale write from another lease
    j.write(write('z', 2_700, { token: 9, accepted: false })); // refused, unnamed lease: nothing
    j.event(h.events[3]!);
    j.event(h.events[4]!); // the overlap
    expect(spans).toEqual([
      { from: 2_000, to: 2_000 },
      { from: 2_600, to: 2_600 },
      { from: 1_000, to: 4_000 },
    ]);
    expect(j.finish(end).verdict).toBe('unsafe');
    const quiet = new OnlineJudge({ properties: ['mutex'], boundMs: 1_000 });
    for (const e of broken().events) quiet.event(e);
    for (const w of broken().writes) quiet.write(w);
    expect(quiet.finish(end).violations.map(mechanismOf)).toEqual(['mutex']);
  });

  it('without the fencing checker a grant is announced as nothing', () => {
    const spans: FindingSpan[] = [];
    const j = new OnlineJudge({ properties: ['mutex', 'lost-updates'], boundMs: 1, onFound: (s) => spans.push(s) });
    j.event(ok('a', 10, 'L1', 1));
    j.event(rel('a', 20));
    j.event(ok('b', 30, 'L2', 1));
    expect(spans).toEqual([]);
  });

  it('announces a write that only the lost-update checker flags, and one that only fencing flags', () => {
    const spans: FindingSpan[] = [];
    const lost = new OnlineJudge({ properties: ['lost-updates'], boundMs: 1, onFound: (s) => spans.push(s) });
    lost.write(write('a', 5, { before: 3 }));
    const fenced = new OnlineJudge({ properties: ['fencing'], boundMs: 1, onFound: (s) => spans.push(s) });
    fenced.write(write('a', 6, { token: 2 }));
    fenced.write(write('a', 7, { token: 1, before: 1, readValue: 1 }));
    expect(spans).toEqual([
      { from: 5, to: 5 },
      { from: 7, to: 7 },
    ]);
  });

  it('derives key lifetimes from samples, hands each to the hook, and settles explanations as they come', () => {
    const seen: Array<[KeyLifetime, number]> = [];
    const j = new OnlineJudge({ properties: ['mutex'], lockNodes: ['n1'], boundMs: 1, onKeyLifetime: (l, seq) => seen.push([l, seq]) });
    j.event(invoke('a', 0));
    j.keySample('n1', { at: 500, key: 'r', value: 'L1', expiresAt: 3_500, cause: 'command' });
    j.event(ok('a', 1_000, 'L1'));
    j.event(invoke('b', 1_500));
    j.keySample('n2', { at: 1_600, key: 'r', value: 'L2', expiresAt: null, cause: 'command' });
    j.event(ok('b', 2_000, 'L2'));
    j.event(rel('a', 3_000));
    j.event(rel('b', 4_000)); // a's key expired at 3500, handed on as time passed it
    expect(seen).toEqual([[{ node: 'n1', key: 'r', holder: 'a', from: 500, to: 3_500, endedBy: 'expired' }, 0]]);
    const { violations } = j.finish({ ...end, endedAt: 10_000 });
    expect(seen.map(([l]) => l.to)).toEqual([3_500, null]);
    expect(violations[0]).toMatchObject({ firstPastQuorumMs: -0.5, firstQuorumLostBy: 'expired', secondQuorumLostBy: 'never-held' });
  });

  it('settles an explanation as soon as no lifetime can still cover the sections, before the run ends', () => {
    const j = new OnlineJudge({ properties: ['mutex'], lockNodes: ['n1'], boundMs: 1 });
    j.keySample('n1', { at: 500, key: 'r', value: 'L1', expiresAt: null, cause: 'command' });
    j.event(ok('a', 1_000, 'L1'));
    j.event(ok('b', 2_000, 'L2'));
    j.event(rel('a', 3_000));
    j.event(rel('b', 4_000));
    // a's key is still open (it started at 500): the explanation waits. It ends; the next event settles it.
    j.keySample('n1', { at: 5_000, key: 'r', value: null, expiresAt: null, cause: 'command' });
    j.keySample('n1', { at: 5_500, key: 'r', value: 'L1', expiresAt: null, cause: 'command' }); // a later lifetime of a's value: too late to cover a's start
    const [v] = j.finish({ ...end, endedAt: 10_000 }).violations;
    expect(v).toMatchObject({ firstPastQuorumMs: -2, firstQuorumLostBy: 'deleted' });
  });

  it('without a mutex checker nothing is referenced, and no key lifetime reaches a checker', () => {
    const seen: KeyLifetime[] = [];
    const j = new OnlineJudge({ properties: ['fencing'], lockNodes: ['n1'], boundMs: 1, onKeyLifetime: (l) => seen.push(l) });
    j.event(ok('a', 1_000, 'L1'));
    expect(j.referencedFrom()).toBe(Number.POSITIVE_INFINITY);
    j.keyLifetime({ node: 'n1', key: 'r', holder: 'a', from: 0, to: null }, 0);
    j.keysComplete();
    j.heal(0);
    expect(seen).toHaveLength(1);
    expect(j.finish(end)).toEqual({ violations: [], verdict: 'safe' });
  });
});
