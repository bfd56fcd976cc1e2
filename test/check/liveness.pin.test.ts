/**
 * The liveness checker (src/check/liveness.ts) at its edges: which pending acquire is stuck,
 * when the phase after the last heal begins and ends, who counts as waiting, and what the
 * violation says. Hand-built histories; written to pin what mutation testing (issue #23) found
 * unpinned.
 */
import { describe, expect, it } from 'vitest';
import { emptyHistory, type History, type HistoryEvent } from '../../src/check/history.ts';
import { checkLiveness, LivenessChecker, type LivenessEnd } from '../../src/check/liveness.ts';

const lease = { value: 'v', validUntil: 1, timeSource: 'monotonic' as const };
const s = (seconds: number): number => seconds * 1_000_000;

let index = 0;
function ev(process: string, kind: HistoryEvent['kind'], phase: HistoryEvent['phase'], at: number): HistoryEvent {
  return { index: index++, process, kind, phase, at, wallMs: at / 1000, monoMs: at / 1000, ...(kind === 'acquire' && phase === 'ok' ? { lease, resource: 'r' } : {}) };
}

function history(events: HistoryEvent[], endedAt: number, healedAt: number | null = null): History {
  const h = emptyHistory();
  h.events.push(...events);
  h.endedAt = endedAt;
  h.healedAt = healedAt;
  return h;
}

const nobody = (): boolean => false;

describe('an acquire that never returned', () => {
  it('is stuck once pending longer than the bound at the end; the violation names the clients and the longest wait, and why, if known', () => {
    const checker = new LivenessChecker(10_000);
    checker.heal(s(0.5));
    const a = ev('a', 'acquire', 'invoke', s(2));
    const b = ev('b', 'acquire', 'invoke', s(1));
    checker.event(a);
    checker.event(b);
    const end: LivenessEnd = { endedAt: s(60), blocked: nobody, why: (p) => (p === 'a' ? 'waiting on n1' : p === 'b' ? '' : null) };
    expect(checker.finish(end)).toEqual([
      { property: 'liveness', healedAt: s(0.5), healed: true, at: s(60), boundMs: 10_000, stuck: [a, b], message: 'a, b: acquire never returned (waiting 59000 ms by the end of the run): waiting on n1' },
    ]);
    const both = { ...end, why: (p: string) => `${p} waits` };
    expect(checker.finish(both)[0]?.message).toBe('a, b: acquire never returned (waiting 59000 ms by the end of the run): a waits; b waits');
    expect(checker.finish({ ...end, why: () => null })[0]?.message).toBe('a, b: acquire never returned (waiting 59000 ms by the end of the run)');
    expect(checker.finish({ endedAt: s(60), blocked: nobody })[0]?.message).toBe('a, b: acquire never returned (waiting 59000 ms by the end of the run)');
  });

  it('pending exactly the bound is not stuck yet (though no one acquired in the phase)', () => {
    const at = s(10);
    const exactly = checkLiveness(history([ev('a', 'acquire', 'invoke', at)], s(20)), 10_000, nobody);
    expect(exactly.map((v) => [v.stuck.length, v.at, v.message])).toEqual([[0, s(10), 'no client acquired within 10000 ms of the start of the run (no fault healed)']]);
    const longer = checkLiveness(history([ev('a', 'acquire', 'invoke', at - 1)], s(20)), 10_000, nobody);
    expect(longer.map((v) => v.stuck.length)).toEqual([1]);
  });

  it('only a crash or a completion ends the wait: other events of the client, or a one-off fact about its acquire, do not', () => {
    for (const [kind, phase] of [
      ['lost', 'info'],
      ['extend', 'fail'],
      ['acquire', 'info'],
    ] as const) {
      const h = history([ev('a', 'acquire', 'invoke', s(1)), ev('a', kind, phase, s(2)), ev('b', 'acquire', 'ok', s(3))], s(60));
      expect(checkLiveness(h, 10_000, nobody).map((v) => v.stuck.map((e) => e.process))).toEqual([['a']]);
    }
  });

  it('not if the client is blocked, still trying, crashed, or its acquire completed either way', () => {
    const pending = history([ev('a', 'acquire', 'invoke', s(1)), ev('b', 'acquire', 'invoke', s(1)), ev('b', 'acquire', 'ok', s(2))], s(60));
    expect(checkLiveness(pending, 10_000, nobody).map((v) => v.stuck.map((e) => e.process))).toEqual([['a']]);
    expect(checkLiveness(pending, 10_000, (p) => p === 'a')).toEqual([]);
    expect(checkLiveness(pending, 10_000, nobody, (p) => p === 'a')).toEqual([]);
    expect(checkLiveness(pending, 10_000, nobody, (p) => p === 'b').map((v) => v.stuck.length)).toEqual([1]);
    const crashed = history([ev('a', 'acquire', 'invoke', s(1)), ev('a', 'crash', 'info', s(3)), ev('b', 'acquire', 'ok', s(2))], s(60));
    expect(checkLiveness(crashed, 10_000, nobody)).toEqual([]);
    const failed = history([ev('a', 'acquire', 'invoke', s(1)), ev('a', 'acquire', 'fail', s(3)), ev('b', 'acquire', 'ok', s(2))], s(60));
    expect(checkLiveness(failed, 10_000, nobody)).toEqual([]);
  });
});

describe('no acquisition within the bound of the last heal', () => {
  it('counts an acquire from the phase start up to its deadline, not outside it', () => {
    const run = (okAt: number): number =>
      checkLiveness(history([ev('a', 'acquire', 'invoke', s(1)), ev('a', 'acquire', 'ok', okAt)], s(60), s(5)), 10_000, nobody).length;
    expect([run(s(5) - 1), run(s(5)), run(s(15)), run(s(15) + 1)]).toEqual([1, 0, 0, 1]);
    const [v] = checkLiveness(history([ev('a', 'acquire', 'invoke', s(1))], s(60), s(5)), 10_000, (p) => p === 'z');
    expect(v).toMatchObject({ healedAt: s(5), healed: true, at: s(60), message: 'a: acquire never returned (waiting 59000 ms by the end of the run)' });
    const [w] = checkLiveness(history([ev('a', 'acquire', 'invoke', s(1))], s(60), s(5)), 10_000, nobody, () => true);
    expect(w).toEqual({ property: 'liveness', healedAt: s(5), healed: true, at: s(15), boundMs: 10_000, stuck: [], message: 'no client acquired within 10000 ms after the last fault healed' });
  });

  it('only if the run lasted to the deadline', () => {
    const h = (endedAt: number): History => history([ev('a', 'acquire', 'invoke', s(1)), ev('a', 'acquire', 'fail', s(2))], endedAt, s(5));
    expect(checkLiveness(h(s(15)), 10_000, nobody)).toHaveLength(1);
    expect(checkLiveness(h(s(15) - 1), 10_000, nobody)).toEqual([]);
  });

  it('only if someone who could progress was waiting by the deadline (since its first acquire)', () => {
    const h = (first: number): History =>
      history([ev('a', 'acquire', 'invoke', first), ev('a', 'acquire', 'fail', first + 1), ev('a', 'acquire', 'invoke', s(30)), ev('a', 'acquire', 'fail', s(31))], s(60), s(5));
    expect(checkLiveness(h(s(15)), 10_000, nobody)).toHaveLength(1);
    expect(checkLiveness(h(s(15) + 1), 10_000, nobody)).toEqual([]);
    expect(checkLiveness(h(s(1)), 10_000, (p) => p === 'a')).toEqual([]);
    expect(checkLiveness(history([], s(60), s(5)), 10_000, nobody)).toEqual([]);
  });

  it('a heal announced after an acquire counts that acquire only if it falls in the new phase', () => {
    const run = (acquiredAt: number, healAt: number): number => {
      const checker = new LivenessChecker(1_000);
      checker.event(ev('a', 'acquire', 'invoke', 0));
      checker.event(ev('a', 'acquire', 'ok', acquiredAt));
      checker.heal(healAt);
      return checker.finish({ endedAt: s(60), blocked: nobody }).length;
    };
    expect(run(s(5), s(5))).toBe(0);
    expect(run(s(5) - 1, s(5))).toBe(1);
    expect(run(s(6), s(5))).toBe(0);
    expect(run(s(6) + 1, s(5))).toBe(1);
    // A heal at the very start, before anyone acquired: the phase is not served yet.
    const start = new LivenessChecker(1_000);
    start.heal(0);
    start.event(ev('a', 'acquire', 'invoke', 1));
    start.event(ev('a', 'acquire', 'fail', 2));
    expect(start.finish({ endedAt: s(60), blocked: nobody }).map((v) => [v.healed, v.at])).toEqual([[true, s(1)]]);
    // Without any acquire, a heal leaves the phase unserved.
    const none = new LivenessChecker(1_000);
    none.event(ev('a', 'acquire', 'invoke', 0));
    none.event(ev('a', 'acquire', 'fail', 1));
    none.heal(s(5));
    expect(none.finish({ endedAt: s(60), blocked: nobody }).map((v) => [v.healedAt, v.at])).toEqual([[s(5), s(6)]]);
  });
});
