import { describe, expect, it } from 'vitest';
import { emptyHistory, type HistoryEvent, type KeyLifetime } from '../../src/check/history.ts';
import { judge } from '../../src/check/judge.ts';
import { KeyLifetimeTracker } from '../../src/check/keys.ts';
import { checkLiveness } from '../../src/check/liveness.ts';
import { OnlineJudge } from '../../src/check/online.ts';
import { HistoryRecorder } from '../../src/check/recorder.ts';

const lease = (value: string) => ({ value, validUntil: 10_000, timeSource: 'monotonic' as const });
let index = 0;
function ev(e: Partial<HistoryEvent> & Pick<HistoryEvent, 'process' | 'kind' | 'phase' | 'at'>): HistoryEvent {
  return { index: index++, wallMs: e.at / 1000, monoMs: e.at / 1000, ...e };
}

describe('key lifetimes, online', () => {
  it('names the holder even when the key ended before the acquire returned', () => {
    const out: KeyLifetime[] = [];
    const tracker = new KeyLifetimeTracker((l) => out.push(l));
    tracker.event(ev({ process: 'a', kind: 'acquire', phase: 'invoke', at: 0 }));
    tracker.sample('n1', { at: 100, key: 'r', value: 'va', expiresAt: 1_100, cause: 'command' });
    tracker.sample('n1', { at: 500, key: 'r', value: null, expiresAt: null, cause: 'crash' });
    expect(out).toEqual([]); // a's acquire is still running: it may yet claim 'va'
    tracker.event(ev({ process: 'a', kind: 'acquire', phase: 'ok', at: 900, resource: 'r', lease: lease('va') }));
    expect(out).toEqual([{ node: 'n1', key: 'r', holder: 'a', from: 100, to: 500, endedBy: 'crash' }]);
  });

  it('ends an expired key when true time passes its expiry, and hands on a value no acquire claims', () => {
    const out: KeyLifetime[] = [];
    const tracker = new KeyLifetimeTracker((l) => out.push(l));
    tracker.sample('n1', { at: 100, key: 'r', value: 'orphan', expiresAt: 1_000, cause: 'command' });
    expect(tracker.lowWater()).toBe(100);
    tracker.advance(2_000);
    expect(out).toEqual([{ node: 'n1', key: 'r', holder: undefined, from: 100, to: 1_000, endedBy: 'expired' }]);
    expect(tracker.lowWater()).toBe(2_000);
  });
});

describe('the online judge', () => {
  it('settles a violation\'s quorum explanation when a key lifetime ends after the overlap is found', () => {
    const live = new OnlineJudge({ properties: ['mutex'], lockNodes: ['n1'], boundMs: 1 });
    const events: HistoryEvent[] = [];
    const event = (e: HistoryEvent): void => {
      events.push(e);
      live.event(e);
    };
    // In true-time order. a's key stays on n1 until it expires at 4.5 ms (its delete never
    // arrived); b's key went to n2, which is not one of the lock's nodes here.
    event(ev({ process: 'a', kind: 'acquire', phase: 'invoke', at: 0 }));
    live.keySample('n1', { at: 500, key: 'r', value: 'va', expiresAt: 4_500, cause: 'command' });
    event(ev({ process: 'a', kind: 'acquire', phase: 'ok', at: 1_000, resource: 'r', lease: lease('va') }));
    event(ev({ process: 'b', kind: 'acquire', phase: 'invoke', at: 2_000 }));
    live.keySample('n2', { at: 2_900, key: 'r', value: 'vb', expiresAt: 50_000, cause: 'command' });
    event(ev({ process: 'b', kind: 'acquire', phase: 'ok', at: 3_000, resource: 'r', lease: lease('vb') }));
    event(ev({ process: 'a', kind: 'release', phase: 'invoke', at: 4_000, resource: 'r' })); // the overlap is found here
    event(ev({ process: 'b', kind: 'release', phase: 'invoke', at: 5_000, resource: 'r' })); // a's key has expired by now
    const online = live.finish({ endedAt: 10_000, faults: [], blocked: () => false });
    const [v] = online.violations;
    expect(v?.property).toBe('mutex');
    if (v?.property !== 'mutex') return;
    expect([v.overlapStart, v.overlapEnd]).toEqual([3_000, 4_000]);
    expect(v.firstPastQuorumMs).toBe(-0.5); // a released at 4 ms; its key held on until 4.5 ms
    expect(v.secondPastQuorumMs).toBe(2); // b never held n1: its quorum was lost from the start

    const stored = emptyHistory();
    stored.events.push(...events);
    stored.lockNodes = ['n1'];
    stored.endedAt = 10_000;
    stored.keys.push({ node: 'n1', key: 'r', holder: 'a', from: 500, to: 4_500, endedBy: 'expired' }, { node: 'n2', key: 'r', holder: 'b', from: 2_900, to: null });
    expect(judge(stored, ['mutex'], { boundMs: 1, blocked: () => false })).toEqual(online);
  });

  it('counts an acquire at the very instant of the last heal, whichever was recorded first', () => {
    const live = new OnlineJudge({ properties: ['liveness'], boundMs: 1_000 });
    live.event(ev({ process: 'a', kind: 'acquire', phase: 'invoke', at: 0 }));
    live.event(ev({ process: 'a', kind: 'acquire', phase: 'ok', at: 5_000_000, resource: 'r', lease: lease('v') }));
    live.heal(5_000_000);
    const end = { endedAt: 60_000_000, faults: [], blocked: () => false };
    expect(live.finish(end).verdict).toBe('safe');
    const h = emptyHistory();
    h.events.push(ev({ process: 'a', kind: 'acquire', phase: 'invoke', at: 0 }), ev({ process: 'a', kind: 'acquire', phase: 'ok', at: 5_000_000, resource: 'r', lease: lease('v') }));
    h.endedAt = 60_000_000;
    h.healedAt = 5_000_000;
    expect(checkLiveness(h, 1_000, () => false)).toEqual([]);
    h.healedAt = 5_000_001;
    expect(checkLiveness(h, 1_000, () => false)).toHaveLength(1);
  });

  it('forgets sections no later one can overlap', () => {
    const live = new OnlineJudge({ properties: ['mutex'], boundMs: 1 });
    expect(live.referencedFrom()).toBe(Number.POSITIVE_INFINITY);
    live.event(ev({ process: 'a', kind: 'acquire', phase: 'ok', at: 1_000, resource: 'r', lease: lease('v') }));
    expect(live.referencedFrom()).toBe(1_000);
    live.event(ev({ process: 'a', kind: 'release', phase: 'invoke', at: 2_000, resource: 'r' }));
    expect(live.referencedFrom()).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('the history recorder', () => {
  it('keeps everything by default, and only the window (plus what is referenced) when asked', () => {
    const all = new HistoryRecorder(undefined);
    let referenced = Number.POSITIVE_INFINITY;
    const windowed = new HistoryRecorder({ lastMs: 10 }, () => referenced);
    for (let t = 0; t < 100; t++) {
      if (t === 40) referenced = 40_000; // a section opened at 40 ms and is still open
      const e = ev({ process: 'a', kind: 'read', phase: 'invoke', at: t * 1_000 });
      all.event(e);
      windowed.event(e);
    }
    const [h1, h2] = [emptyHistory(), emptyHistory()];
    all.finish(h1, []);
    windowed.finish(h2, []);
    expect(h1.events).toHaveLength(100);
    expect(h2.events.map((e) => e.at / 1000)).toEqual(Array.from({ length: 70 }, (_, i) => i + 30));
    expect(h2.dropped).toEqual({ events: 30, writes: 0, keys: 0 });
  });
});
