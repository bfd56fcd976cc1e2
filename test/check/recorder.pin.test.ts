/**
 * The history recorder's window (src/check/recorder.ts): what it keeps, what it drops, what a
 * violation pins, and the order it writes a history in. Written to pin what mutation testing
 * (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { droppedText, emptyHistory, type History, type HistoryEvent, type KeyLifetime, type ResourceWrite } from '../../src/check/history.ts';
import { HistoryRecorder } from '../../src/check/recorder.ts';

function ev(at: number): HistoryEvent {
  return { index: at, process: 'a', kind: 'read', phase: 'invoke', at, wallMs: 0, monoMs: 0 };
}
const write = (at: number): ResourceWrite => ({ at, process: 'a', value: 1, readValue: 0, accepted: true, before: 0 });
const key = (node: string, from: number, to: number | null): KeyLifetime => ({ node, key: 'r', from, to });

function finish(r: HistoryRecorder, nodes: readonly string[] = []): History {
  const h = emptyHistory();
  r.finish(h, nodes);
  return h;
}

describe('the window', () => {
  it('must be a number of ms >= 0', () => {
    expect(() => new HistoryRecorder({ lastMs: -1 })).toThrow(RangeError);
    expect(() => new HistoryRecorder({ lastMs: Number.NaN })).toThrow('historyWindow.lastMs must be a number >= 0, got NaN');
    expect(() => new HistoryRecorder({ lastMs: 0 })).not.toThrow();
  });

  it('keeps what was recorded within the window of the latest event, inclusive; writes and keys are trimmed as events come', () => {
    const r = new HistoryRecorder({ lastMs: 1 });
    for (const at of [0, 500, 999, 1_000, 2_000]) r.event(ev(at));
    for (const at of [0, 999, 1_000]) r.write(write(at));
    r.keyLifetime(key('n1', 0, 10), 0, 999);
    r.keyLifetime(key('n1', 0, 10), 1, 1_000);
    expect(finish(r).events.map((e) => e.at)).toEqual([1_000, 2_000]);
    r.event(ev(2_000)); // trims what came since the last event
    const h = finish(r);
    expect(h.writes.map((w) => w.at)).toEqual([1_000]);
    expect(h.keys).toHaveLength(1);
    expect(h.dropped).toEqual({ events: 3, writes: 2, keys: 1 });
  });

  it('reaches back to what a later violation may still refer to', () => {
    let referenced = 1_500;
    const r = new HistoryRecorder({ lastMs: 1 }, () => referenced);
    for (const at of [0, 499, 500, 3_000]) r.event(ev(at));
    expect(finish(r).events.map((e) => e.at)).toEqual([500, 3_000]);
    referenced = Number.POSITIVE_INFINITY;
    r.event(ev(3_001));
    expect(finish(r).events.map((e) => e.at)).toEqual([3_000, 3_001]);
  });

  it("keeps the context of the first violations found: a window's length either side of what each refers to", () => {
    const r = new HistoryRecorder({ lastMs: 1, violationContexts: 1 });
    r.violationFound({ from: 10_000, to: 12_000 });
    r.violationFound({ from: 20_000, to: 20_000 }); // past the first one: not kept
    for (let at = 0; at <= 30_000; at += 500) {
      r.write(write(at + 1));
      r.event(ev(at));
    }
    r.keyLifetime(key('n1', 0, 8_999), 0, 0);
    r.keyLifetime(key('n1', 0, 9_000), 1, 0);
    r.keyLifetime(key('n1', 13_000, null), 2, 0);
    r.keyLifetime(key('n1', 13_001, 14_000), 3, 0);
    r.event(ev(30_000));
    const h = finish(r, ['n1']);
    expect(h.events.map((e) => e.at / 1000)).toEqual([9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 29, 29.5, 30, 30]);
    expect(h.keys.map((k) => k.to)).toEqual([9_000, null]);
    expect(h.writes.map((w) => (w.at - 1) / 1000)).toEqual([9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 29, 29.5, 30]); // written 1 µs after each event: 13 ms + 1 µs is past the context
  });

  it('ten violations keep their context by default; no window keeps everything and says nothing was dropped', () => {
    const r = new HistoryRecorder({ lastMs: 0 });
    for (let i = 0; i < 11; i++) r.violationFound({ from: i * 10_000, to: i * 10_000 });
    for (let i = 0; i <= 11; i++) r.event(ev(i * 10_000));
    expect(finish(r).events.map((e) => e.at / 10_000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
    const all = new HistoryRecorder(undefined);
    all.violationFound({ from: 0, to: 0 });
    for (let i = 0; i < 5; i++) all.event(ev(i * 1_000_000));
    const h = finish(all);
    expect(h.events).toHaveLength(5);
    expect(h.dropped).toBeUndefined();
  });

  it('a long run keeps exactly its window (the kept arrays are compacted as they go)', () => {
    const r = new HistoryRecorder({ lastMs: 1 });
    for (let i = 0; i < 5_000; i++) r.event(ev(i * 100));
    const h = finish(r);
    expect(h.events.map((e) => e.at)).toEqual(Array.from({ length: 11 }, (_, i) => 498_900 + i * 100));
    expect(h.dropped?.events).toBe(4_989);
  });

  it('a violation\'s context survives the compaction of the kept arrays', () => {
    // Events every ms, a 1 ms window: the 1025th trimmed event compacts the arrays, right at the last event.
    const r = new HistoryRecorder({ lastMs: 1 });
    r.violationFound({ from: 0, to: 0 });
    for (let i = 0; i <= 1_026; i++) r.event(ev(i * 1_000));
    expect(finish(r).events.map((e) => e.at / 1000)).toEqual([0, 1, 1_025, 1_026]);
  });
});

describe('the history it writes', () => {
  it('appends to what the history holds; key lifetimes by node in the given order (others last), then start, then the order they ended', () => {
    const r = new HistoryRecorder(undefined);
    r.event(ev(1));
    r.write(write(2));
    r.keyLifetime(key('zz', 0, 1), 0, 0);
    r.keyLifetime(key('n2', 5, 6), 1, 0);
    r.keyLifetime(key('n1', 9, 10), 2, 0);
    r.keyLifetime(key('n2', 3, 4), 4, 0);
    r.keyLifetime(key('n2', 3, 7), 3, 0);
    r.keyLifetime(key('aa', 0, 2), 5, 0);
    const h = emptyHistory();
    h.events.push(ev(0));
    h.writes.push(write(0));
    r.finish(h, ['n2', 'n1']);
    expect(h.events.map((e) => e.at)).toEqual([0, 1]);
    expect(h.writes.map((w) => w.at)).toEqual([0, 2]);
    expect(h.keys.map((k) => `${k.node}:${k.from}-${k.to}`)).toEqual(['n2:3-7', 'n2:3-4', 'n2:5-6', 'n1:9-10', 'zz:0-1', 'aa:0-2']);
  });
});

describe('a history as data', () => {
  it('starts empty, with nothing healed, and says what a window left out', () => {
    expect(emptyHistory()).toEqual({ events: [], keys: [], writes: [], faults: [], endedAt: 0, healedAt: null });
    expect(emptyHistory().events).not.toBe(emptyHistory().events);
    expect(droppedText({ events: 1, writes: 2, keys: 3 })).toBe('history windowed: 1 events, 2 writes and 3 key lifetimes not kept (the checkers saw them all)');
  });
});
