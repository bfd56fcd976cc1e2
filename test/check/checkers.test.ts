import { describe, expect, it } from 'vitest';
import { checkFencing } from '../../src/check/fencing.ts';
import { checkLostUpdates } from '../../src/check/damage.ts';
import { emptyHistory, type History, type HistoryEvent, type ResourceWrite } from '../../src/check/history.ts';
import { checkLiveness } from '../../src/check/liveness.ts';
import { checkMutex } from '../../src/check/mutex.ts';
import { criticalSections } from '../../src/check/sections.ts';

const lease = { value: 'v', validUntil: 10_000, timeSource: 'monotonic' as const };

function history(events: Array<Partial<HistoryEvent> & Pick<HistoryEvent, 'process' | 'kind' | 'phase' | 'at'>>, extra: Partial<History> = {}): History {
  const h = emptyHistory();
  events.forEach((e, index) => h.events.push({ index, wallMs: e.at / 1000, monoMs: e.at / 1000, ...e }));
  h.endedAt = extra.endedAt ?? 100_000_000;
  h.healedAt = extra.healedAt ?? null;
  h.writes.push(...(extra.writes ?? []));
  return h;
}

describe('critical sections and mutual exclusion', () => {
  it('a section runs from the acquire completing to the release starting', () => {
    const h = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 1_000, resource: 'r', lease },
      { process: 'a', kind: 'release', phase: 'invoke', at: 5_000, resource: 'r' },
    ]);
    expect(criticalSections(h).map((s) => [s.start, s.end, s.endedBy])).toEqual([[1_000, 5_000, 'release']]);
  });

  it('back-to-back sections do not overlap; a paused holder still inside its section does', () => {
    const ok = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 0, resource: 'r', lease },
      { process: 'a', kind: 'release', phase: 'invoke', at: 10, resource: 'r' },
      { process: 'b', kind: 'acquire', phase: 'ok', at: 10, resource: 'r', lease },
      { process: 'b', kind: 'release', phase: 'invoke', at: 20, resource: 'r' },
    ]);
    expect(checkMutex(ok)).toEqual([]);
    const paused = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 0, resource: 'r', lease },
      { process: 'b', kind: 'acquire', phase: 'ok', at: 11_000_000, resource: 'r', lease },
      // a was paused; it resumes and releases at 15 s: its section ran 5 s past its validity.
      { process: 'a', kind: 'release', phase: 'invoke', at: 15_000_000, resource: 'r', monoMs: 15_000 },
      { process: 'b', kind: 'release', phase: 'invoke', at: 16_000_000, resource: 'r' },
    ]);
    const [v] = checkMutex(paused);
    expect(v?.first.process).toBe('a');
    expect(v?.second.process).toBe('b');
    expect([v?.overlapStart, v?.overlapEnd]).toEqual([11_000_000, 15_000_000]);
    expect(v?.first.pastValidityMs).toBe(5_000);
  });

  it('sections that only touch do not overlap, even while a third section overlaps both', () => {
    // c's long section keeps a's in view when b's starts exactly where a's ended: a and b only
    // touch (a's release and b's acquire at the same instant); c overlaps each of them.
    const h = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 0, resource: 'r', lease },
      { process: 'c', kind: 'acquire', phase: 'ok', at: 5, resource: 'r', lease },
      { process: 'a', kind: 'release', phase: 'invoke', at: 10, resource: 'r' },
      { process: 'b', kind: 'acquire', phase: 'ok', at: 10, resource: 'r', lease },
      { process: 'b', kind: 'release', phase: 'invoke', at: 20, resource: 'r' },
      { process: 'c', kind: 'release', phase: 'invoke', at: 30, resource: 'r' },
    ]);
    const pairs = checkMutex(h).map((v) => [v.first.process, v.second.process, v.overlapStart, v.overlapEnd]);
    expect(pairs).toEqual([
      ['a', 'c', 5, 10],
      ['c', 'b', 10, 20],
    ]);
  });

  it('learning the lock was lost ends the section; so does a crash', () => {
    const h = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 0, resource: 'r', lease },
      { process: 'a', kind: 'lost', phase: 'info', at: 9_000_000 },
      { process: 'c', kind: 'acquire', phase: 'ok', at: 0, resource: 'q', lease },
      { process: 'c', kind: 'crash', phase: 'info', at: 9_000_000 },
      { process: 'b', kind: 'acquire', phase: 'ok', at: 10_000_000, resource: 'r', lease },
      { process: 'd', kind: 'acquire', phase: 'ok', at: 10_000_000, resource: 'q', lease },
    ]);
    expect(checkMutex(h)).toEqual([]);
  });

  it('different resources never conflict', () => {
    const h = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 0, resource: 'r1', lease },
      { process: 'b', kind: 'acquire', phase: 'ok', at: 5, resource: 'r2', lease },
    ]);
    expect(checkMutex(h)).toEqual([]);
  });
});

function write(partial: Partial<ResourceWrite>): ResourceWrite {
  return { at: 0, process: 'a', value: 1, readValue: 0, accepted: true, before: 0, ...partial };
}

describe('damage and fencing', () => {
  it('counts an accepted write based on a stale read as a lost update', () => {
    const h = history([], { writes: [write({ value: 1, readValue: 0, before: 0 }), write({ process: 'b', value: 1, readValue: 0, before: 1 })] });
    expect(checkLostUpdates(h)).toHaveLength(1);
    expect(checkLostUpdates(history([], { writes: [write({}), write({ value: 2, readValue: 1, before: 1 })] }))).toEqual([]);
  });

  it('refused writes are no damage; accepted writes must come in token order', () => {
    const refused = history([], { writes: [write({ token: 2 }), write({ token: 1, accepted: false, before: 1 })] });
    expect(checkLostUpdates(refused)).toEqual([]);
    expect(checkFencing(refused)).toEqual([]);
    const outOfOrder = history([], { writes: [write({ token: 2 }), write({ token: 1, value: 2, readValue: 1, before: 1 })] });
    expect(checkFencing(outOfOrder)).toHaveLength(1);
  });
});

describe('liveness', () => {
  it('an acquire that never returns is stuck; a waiting client that acquires after the heal is fine', () => {
    const stuck = history([{ process: 'a', kind: 'acquire', phase: 'invoke', at: 1_000_000 }], { endedAt: 60_000_000, healedAt: 2_000_000 });
    expect(checkLiveness(stuck, 10_000, () => false)[0]?.message).toContain('a: acquire never returned');
    expect(checkLiveness(stuck, 10_000, () => true)).toEqual([]);
    const live = history(
      [
        { process: 'a', kind: 'acquire', phase: 'invoke', at: 1_000_000 },
        { process: 'a', kind: 'acquire', phase: 'ok', at: 3_000_000, resource: 'r', lease },
      ],
      { endedAt: 60_000_000, healedAt: 2_000_000 },
    );
    expect(checkLiveness(live, 10_000, () => false)).toEqual([]);
  });
});

describe('how far a section ran past its lock\'s expiry on a quorum', () => {
  it('uses the majority-th latest end of the holder\'s key lifetimes', async () => {
    const { quorumLostAt } = await import('../../src/check/mutex.ts');
    const h = history([
      { process: 'a', kind: 'acquire', phase: 'ok', at: 1_000, resource: 'r', lease },
      { process: 'a', kind: 'release', phase: 'invoke', at: 9_000_000, resource: 'r' },
    ]);
    h.lockNodes = ['n1', 'n2', 'n3'];
    h.keys.push(
      { node: 'n1', key: 'r', holder: 'a', from: 900, to: 2_000_000, endedBy: 'expired' },
      { node: 'n2', key: 'r', holder: 'a', from: 900, to: 5_000_000, endedBy: 'expired' },
      { node: 'n3', key: 'r', holder: 'a', from: 900, to: null },
    );
    const [section] = criticalSections(h);
    // Three nodes: a quorum is two. The key outlives the run on n3 and lasts until 5 s on n2.
    expect(quorumLostAt(h, section!)).toBe(5_000_000);
    h.keys.splice(1, 1);
    expect(quorumLostAt(h, section!)).toBe(2_000_000);
  });
});
