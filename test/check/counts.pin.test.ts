/**
 * Lost updates and the work counts (src/check/damage.ts, tally.ts) and the mechanisms a run's
 * violations show (mechanism.ts), from hand-built histories. Written to pin what mutation testing
 * (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { checkLostUpdates, counterSummary, historyCounts, LostUpdateChecker } from '../../src/check/damage.ts';
import type { FencingViolation } from '../../src/check/fencing.ts';
import { emptyHistory, type HistoryEvent, type ResourceWrite } from '../../src/check/history.ts';
import { mechanismOf, mechanismsOf, MECHANISMS } from '../../src/check/mechanism.ts';
import type { Violation } from '../../src/check/online.ts';
import { Tally } from '../../src/check/tally.ts';

function write(partial: Partial<ResourceWrite>): ResourceWrite {
  return { at: 0, process: 'a', value: 1, readValue: 0, accepted: true, before: 0, ...partial };
}

function ev(kind: HistoryEvent['kind'], phase: HistoryEvent['phase']): HistoryEvent {
  return { index: 0, process: 'a', kind, phase, at: 0, wallMs: 0, monoMs: 0 };
}

describe('lost updates', () => {
  it('an accepted write based on a stale read wiped out the increments since: the violation says how many', () => {
    const checker = new LostUpdateChecker();
    const stale = write({ value: 3, readValue: 2, before: 5 });
    expect(checker.write(stale)).toEqual({ property: 'lost-update', write: stale, lost: 3 });
    // A read from the future (the counter went back) still lost at least one update.
    const odd = write({ value: 9, readValue: 8, before: 4 });
    expect(checker.write(odd)).toEqual({ property: 'lost-update', write: odd, lost: 1 });
    expect(checker.write(write({ value: 6, readValue: 5, before: 5 }))).toBeNull();
    expect(checker.write(write({ value: 3, readValue: 2, before: 5, accepted: false }))).toBeNull();
    expect(checker.finish().map((v) => v.lost)).toEqual([3, 1]);
  });

  it('finish hands out a copy: the checker keeps its own list', () => {
    const checker = new LostUpdateChecker();
    checker.write(write({ before: 2 }));
    checker.finish().pop();
    expect(checker.finish()).toHaveLength(1);
  });

  it('over a stored history, in order', () => {
    const h = emptyHistory();
    h.writes.push(write({ process: 'a', before: 1 }), write({ process: 'b', readValue: 1, before: 1 }), write({ process: 'c', before: 2 }));
    expect(checkLostUpdates(h).map((v) => v.write.process)).toEqual(['a', 'c']);
  });
});

describe('work counts', () => {
  it('acquires by outcome, writes by whether they were taken, and the counter after the last accepted write', () => {
    const h = emptyHistory();
    h.events.push(ev('acquire', 'invoke'), ev('acquire', 'ok'), ev('acquire', 'ok'), ev('acquire', 'fail'), ev('acquire', 'info'), ev('read', 'ok'), ev('release', 'fail'));
    h.writes.push(write({ value: 4 }), write({ value: 7, accepted: false }), write({ value: 5 }), write({ value: 9, accepted: false }));
    expect(historyCounts(h)).toEqual({ acquired: 2, acquireFailures: 1, writesAccepted: 2, writesRefused: 2, finalValue: 5 });
    expect(counterSummary(h)).toEqual({ acceptedWrites: 2, finalValue: 5, refusedWrites: 2 });
    expect(new Tally().counts()).toEqual({ acquired: 0, acquireFailures: 0, writesAccepted: 0, writesRefused: 0, finalValue: 0 });
  });
});

describe('mechanisms', () => {
  const fencing = (kind: FencingViolation['kind']): Violation => ({ property: 'fencing', kind }) as unknown as Violation;
  const of = (property: string): Violation => ({ property }) as unknown as Violation;

  it('a fencing violation is named by its kind, the others by their property; listed once each, in a fixed order', () => {
    expect(mechanismOf(fencing('holder-refused'))).toBe('holder-refused');
    expect(mechanismOf(of('lost-update'))).toBe('lost-update');
    expect(mechanismsOf([of('liveness'), fencing('token-reused'), of('mutex'), of('liveness'), of('lost-update'), fencing('stale-write-accepted')])).toEqual([
      'mutex',
      'lost-update',
      'token-reused',
      'stale-write-accepted',
      'liveness',
    ]);
    expect(mechanismsOf(MECHANISMS.map((m) => (m === 'mutex' || m === 'lost-update' || m === 'liveness' ? of(m) : fencing(m))))).toEqual([...MECHANISMS]);
  });
});
