/**
 * Key lifetimes from the nodes' observations (src/check/keys.ts) and who holds a lock value
 * (holders.ts): how each lifetime ends, when it is handed on, and what is remembered. Written to
 * pin what mutation testing (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent, KeyLifetime } from '../../src/check/history.ts';
import { Holders } from '../../src/check/holders.ts';
import { KeyLifetimeTracker, type KeySample } from '../../src/check/keys.ts';

let index = 0;
function ev(process: string, kind: HistoryEvent['kind'], phase: HistoryEvent['phase'], at: number, value?: string): HistoryEvent {
  const lease = value === undefined ? undefined : { value, validUntil: 1, timeSource: 'monotonic' as const };
  return { index: index++, process, kind, phase, at, wallMs: 0, monoMs: 0, lease };
}

const sample = (at: number, value: string | null, expiresAt: number | null = null, cause: KeySample['cause'] = 'command'): KeySample => ({ at, key: 'r', value, expiresAt, cause });

function tracker(): { t: KeyLifetimeTracker; out: Array<[KeyLifetime, number]> } {
  const out: Array<[KeyLifetime, number]> = [];
  return { t: new KeyLifetimeTracker((l, seq) => out.push([l, seq])), out };
}

describe('who holds a lock value', () => {
  it('the client whose acquire returned it; only each client\'s latest eight values are remembered', () => {
    const h = new Holders();
    for (let i = 1; i <= 9; i++) h.event(ev('a', 'acquire', 'ok', i, `v${i}`));
    expect(h.holderOf('v1')).toBeUndefined();
    expect(h.holderOf('v2')).toBe('a');
    expect(h.holderOf('v9')).toBe('a');
    h.event(ev('a', 'acquire', 'ok', 10)); // no lease: nothing remembered, nothing forgotten
    expect(h.holderOf('v2')).toBe('a');
  });

  it('a value forgotten by one client stays with another that got it since, or with the same client that got it again', () => {
    const h = new Holders();
    h.event(ev('a', 'acquire', 'ok', 1, 'shared'));
    h.event(ev('b', 'acquire', 'ok', 2, 'shared'));
    for (let i = 1; i <= 8; i++) h.event(ev('a', 'acquire', 'ok', 2 + i, `a${i}`));
    expect(h.holderOf('shared')).toBe('b');

    const again = new Holders();
    again.event(ev('a', 'acquire', 'ok', 1, 'x'));
    for (let i = 1; i <= 7; i++) again.event(ev('a', 'acquire', 'ok', 1 + i, `a${i}`));
    again.event(ev('a', 'acquire', 'ok', 9, 'x'));
    expect(again.holderOf('x')).toBe('a');
  });

  it('an acquire running since at or before a moment may still claim its value; completing or crashing ends that', () => {
    const h = new Holders();
    expect(h.mayStillClaim(1_000)).toBe(false);
    h.event(ev('a', 'acquire', 'invoke', 100));
    h.event(ev('a', 'acquire', 'invoke', 50)); // the first invocation stands
    expect([h.mayStillClaim(99), h.mayStillClaim(100)]).toEqual([false, true]);
    h.event(ev('a', 'acquire', 'fail', 200));
    expect(h.mayStillClaim(1_000)).toBe(false);
    h.event(ev('a', 'acquire', 'invoke', 300));
    h.event(ev('a', 'acquire', 'ok', 400, 'va'));
    expect(h.mayStillClaim(1_000)).toBe(false);
    h.event(ev('a', 'acquire', 'invoke', 500));
    h.event(ev('a', 'read', 'ok', 550));
    expect(h.mayStillClaim(1_000)).toBe(true);
    h.event(ev('a', 'crash', 'info', 600));
    expect(h.mayStillClaim(1_000)).toBe(false);
    h.event(ev('a', 'acquire', 'info', 700));
    expect(h.mayStillClaim(1_000)).toBe(false);
    // A one-off fact about an acquire does not complete it.
    h.event(ev('a', 'acquire', 'invoke', 800));
    h.event(ev('a', 'acquire', 'info', 850, 'vi'));
    expect(h.mayStillClaim(1_000)).toBe(true);
    expect(h.holderOf('vi')).toBeUndefined();
  });

  it('a failed acquire claims no value, even one it names', () => {
    const h = new Holders();
    h.event(ev('a', 'acquire', 'invoke', 0));
    h.event(ev('a', 'acquire', 'fail', 10, 'vf'));
    expect(h.holderOf('vf')).toBeUndefined();
  });
});

describe('key lifetimes', () => {
  it('a renewal extends the lifetime; it ends at its latest expiry, as soon as true time passes it', () => {
    const { t, out } = tracker();
    t.sample('n1', sample(100, 'v', 1_000));
    t.sample('n1', sample(500, 'v', 2_000));
    t.advance(1_500);
    expect(out).toEqual([]);
    t.advance(2_000);
    expect(out).toEqual([[{ node: 'n1', key: 'r', holder: undefined, from: 100, to: 2_000, endedBy: 'expired' }, 0]]);
  });

  it('overwritten, deleted, or lost in a crash: ended there; past its expiry: ended at its expiry', () => {
    const { t, out } = tracker();
    t.sample('n1', sample(100, 'v1', 10_000));
    t.sample('n1', sample(200, 'v2', null));
    t.sample('n1', sample(300, null));
    t.sample('n2', sample(100, 'w', null));
    t.sample('n2', sample(400, null, null, 'crash'));
    t.sample('n3', sample(100, 'x', 450));
    t.sample('n3', sample(450, 'y', null, 'restart')); // the node's clock passed x's expiry at this very instant
    t.sample('n3', sample(460, null, null, 'crash'));
    t.sample('n4', sample(500, null, null, 'crash')); // nothing there: nothing ends
    expect(out.map(([l, seq]) => [l.node, l.from, l.to, l.endedBy, seq])).toEqual([
      ['n1', 100, 200, 'overwritten', 0],
      ['n1', 200, 300, 'deleted', 1],
      ['n2', 100, 400, 'crash', 2],
      ['n3', 100, 450, 'expired', 3],
      ['n3', 450, 460, 'crash', 4],
    ]);
  });

  it('the earliest expiry is tracked across nodes and keys, and kept up to date as keys come and go', () => {
    const { t, out } = tracker();
    t.sample('n1', sample(0, 'a', 5_000));
    t.sample('n2', sample(0, 'b', 3_000));
    t.sample('n2', { at: 0, key: 'other', value: 'c', expiresAt: 4_000, cause: 'command' });
    t.sample('n2', sample(10, null)); // b deleted: the earliest expiry is now 4000
    t.advance(4_000);
    expect(out.map(([l]) => [l.node, l.key, l.to, l.endedBy])).toEqual([
      ['n2', 'r', 10, 'deleted'],
      ['n2', 'other', 4_000, 'expired'],
    ]);
    t.sample('n1', sample(4_100, 'a', null)); // renewed without an expiry
    t.advance(9_000);
    expect(out).toHaveLength(2);
    t.finish(10_000);
    expect(out[2]?.[0]).toEqual({ node: 'n1', key: 'r', holder: undefined, from: 0, to: null });
    expect(Object.keys(out[2]?.[0] ?? {})).not.toContain('endedBy');
  });

  it('time never goes back: an earlier moment expires nothing', () => {
    const { t, out } = tracker();
    t.advance(5_000);
    t.sample('n1', sample(1_000, 'v', 2_000));
    t.advance(3_000);
    expect(out).toEqual([]);
    t.advance(5_001);
    expect(out.map(([l]) => l.to)).toEqual([2_000]);
  });

  it('the low-water mark: the earliest start of a lifetime not yet handed on', () => {
    const { t } = tracker();
    t.advance(700);
    expect(t.lowWater()).toBe(700);
    t.sample('n1', sample(800, 'v', null));
    t.sample('n2', sample(900, 'w', null));
    expect(t.lowWater()).toBe(800);
    t.event(ev('a', 'acquire', 'invoke', 950));
    t.sample('n3', sample(1_000, 'x', null));
    t.sample('n3', sample(1_100, null)); // ended, but a's acquire may still claim x
    t.sample('n1', sample(1_200, null));
    expect(t.lowWater()).toBe(900);
    t.sample('n2', sample(1_300, null));
    expect(t.lowWater()).toBe(1_000);
    t.event(ev('a', 'acquire', 'fail', 1_400));
    expect(t.lowWater()).toBe(1_400);
  });

  it('a lifetime waits for its holder while an acquire that may claim it runs; handed on when it returns or its client crashes', () => {
    const { t, out } = tracker();
    t.event(ev('a', 'acquire', 'invoke', 0));
    t.event(ev('b', 'acquire', 'invoke', 0));
    t.sample('n1', sample(100, 'vb', null));
    t.sample('n1', sample(200, null));
    t.event(ev('a', 'read', 'ok', 250));
    expect(out).toEqual([]);
    t.event(ev('a', 'acquire', 'ok', 300, 'va'));
    expect(out).toEqual([]); // b may still claim it
    t.event(ev('b', 'acquire', 'ok', 400, 'vb'));
    expect(out.map(([l]) => l.holder)).toEqual(['b']);

    // Once its holder is known it goes on, though another client's acquire is still running.
    const other = tracker();
    other.t.event(ev('c', 'acquire', 'invoke', 0));
    other.t.event(ev('b', 'acquire', 'invoke', 0));
    other.t.sample('n1', sample(100, 'vb', null));
    other.t.sample('n1', sample(200, null));
    other.t.event(ev('b', 'acquire', 'ok', 400, 'vb'));
    expect(other.out.map(([l]) => l.holder)).toEqual(['b']);

    const crash = tracker();
    crash.t.event(ev('a', 'acquire', 'invoke', 0));
    crash.t.sample('n1', sample(100, 'v', null));
    crash.t.sample('n1', sample(200, null));
    crash.t.event(ev('a', 'crash', 'info', 300));
    expect(crash.out.map(([l]) => [l.holder, l.to])).toEqual([[undefined, 200]]);

    // A value whose holder is already known is handed on at once, acquires running or not.
    const known = tracker();
    known.t.event(ev('a', 'acquire', 'ok', 0, 'va'));
    known.t.event(ev('b', 'acquire', 'invoke', 10));
    known.t.sample('n1', sample(100, 'va', null));
    known.t.sample('n1', sample(200, null));
    expect(known.out.map(([l]) => l.holder)).toEqual(['a']);

    // A lifetime that began before every running acquire was invoked cannot be theirs.
    const before = tracker();
    before.t.sample('n1', sample(100, 'old', null));
    before.t.event(ev('b', 'acquire', 'invoke', 150));
    before.t.sample('n1', sample(200, null));
    expect(before.out).toHaveLength(1);
  });

  it('at the end of the run: keys past their expiry end there, the others outlive it, and every waiting lifetime is handed on', () => {
    const { t, out } = tracker();
    t.event(ev('a', 'acquire', 'invoke', 0));
    t.sample('n1', sample(100, 'x', null));
    t.sample('n1', sample(200, null));
    t.sample('n1', sample(300, 'y', 5_000));
    t.sample('n2', sample(300, 'z', 5_001));
    t.sample('n3', sample(300, 'w', null));
    t.finish(5_000);
    // a's acquire never returned: all of them waited for it, and go in the order they ended.
    expect(out.map(([l, seq]) => [l.node, l.to, l.endedBy, seq])).toEqual([
      ['n1', 200, 'deleted', 0],
      ['n1', 5_000, 'expired', 1],
      ['n2', null, undefined, 2],
      ['n3', null, undefined, 3],
    ]);
  });
});
