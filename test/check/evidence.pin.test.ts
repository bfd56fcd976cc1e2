/**
 * The evidence a verdict rests on (src/check/evidence.ts), from small hand-built histories: what
 * each event counts as, why a run without evidence is invalid (each reason, word for word), and
 * how that invalidity overrides a verdict. Written to pin what mutation testing (issue #23) found
 * unpinned.
 */
import { describe, expect, it } from 'vitest';
import { EvidenceTally, evidenceText, isLibraryCrash, verdictWithEvidence, type ProcessErrorRecord } from '../../src/check/evidence.ts';
import { emptyHistory, type HistoryEvent, type ResourceWrite } from '../../src/check/history.ts';
import type { Verdict } from '../../src/check/online.ts';

let index = 0;
function ev(process: string, kind: HistoryEvent['kind'], phase: HistoryEvent['phase'], reason?: string): HistoryEvent {
  const at = index * 1_000;
  return { index: index++, process, kind, phase, at, wallMs: at / 1000, monoMs: at / 1000, reason };
}

function write(process: string, accepted: boolean): ResourceWrite {
  return { at: 0, process, value: 1, readValue: 0, accepted, before: 0 };
}

function tally(events: HistoryEvent[], writes: ResourceWrite[] = [], clients = ['a', 'b']): EvidenceTally {
  const h = emptyHistory();
  h.events.push(...events);
  h.writes.push(...writes);
  return EvidenceTally.of(h, clients);
}

const isClient = (p: string): boolean => p !== 'nemesis';

describe('what each event counts as', () => {
  it('a section is a read that answered; acquires count by outcome; writes by whether the resource took them', () => {
    const t = tally(
      [
        ev('a', 'acquire', 'invoke'),
        ev('a', 'acquire', 'ok'),
        ev('a', 'read', 'invoke'),
        ev('a', 'read', 'ok'),
        ev('a', 'read', 'fail'),
        ev('a', 'write', 'ok'),
        ev('b', 'acquire', 'invoke'),
        ev('b', 'acquire', 'fail', 'not acquired'),
        ev('b', 'read', 'ok'),
      ],
      [write('a', true), write('a', false), write('b', true)],
    );
    const e = t.evidence(7);
    expect(e.perClient).toEqual({
      a: { acquisitions: 1, acquireFailures: 0, acquireErrors: 0, sections: 1, writesAccepted: 1, writesRefused: 1 },
      b: { acquisitions: 0, acquireFailures: 1, acquireErrors: 0, sections: 1, writesAccepted: 1, writesRefused: 0 },
    });
    expect(e.acquisitions).toBe(1);
    expect(e.sections).toBe(2);
    expect(e.writes).toEqual({ accepted: 2, refused: 1 });
    expect(e.redisCommands).toBe(7);
  });

  it('an acquire that rejected is counted once, though the workload records it twice (the error, then not acquired)', () => {
    const t = tally([
      ev('a', 'acquire', 'invoke'),
      ev('a', 'acquire', 'fail', 'ERR boom'),
      ev('a', 'acquire', 'fail', 'not acquired'),
      // A plain failure after it counts again.
      ev('a', 'acquire', 'invoke'),
      ev('a', 'acquire', 'fail', 'not acquired'),
      // So does one without a reason, after an error and an invoke in between.
      ev('a', 'acquire', 'invoke'),
      ev('a', 'acquire', 'fail', 'ERR second'),
      ev('a', 'acquire', 'invoke'),
      ev('a', 'acquire', 'fail'),
    ]);
    expect(t.evidence(0).perClient['a']).toMatchObject({ acquireFailures: 4, acquireErrors: 2 });
  });

  it('every client the run listed appears, even one that did nothing; a one-off fact about an acquire is no failure', () => {
    const t = tally([ev('a', 'acquire', 'invoke'), ev('a', 'acquire', 'info')], [], ['a', 'idle']);
    expect(t.evidence(0).perClient).toEqual({
      a: { acquisitions: 0, acquireFailures: 0, acquireErrors: 0, sections: 0, writesAccepted: 0, writesRefused: 0 },
      idle: { acquisitions: 0, acquireFailures: 0, acquireErrors: 0, sections: 0, writesAccepted: 0, writesRefused: 0 },
    });
  });

  it('clients the history names but the run did not list are counted too', () => {
    const t = tally([ev('z', 'acquire', 'ok')], [write('z', true)], []);
    expect(t.evidence(1).perClient).toEqual({ z: { acquisitions: 1, acquireFailures: 0, acquireErrors: 0, sections: 0, writesAccepted: 1, writesRefused: 0 } });
  });
});

describe('why a run cannot be judged', () => {
  const crash = (process: string, message: string): ProcessErrorRecord => ({ at: 0, process, message });

  it('a client that died of an error; other clients that died are counted, nemesis errors are not', () => {
    const t = tally([ev('a', 'acquire', 'ok')]);
    const e = t.evidence(5);
    expect(t.invalidity(e, [crash('a', 'TypeError: x')], isClient)).toEqual({ kind: 'error', reason: 'a died of an uncaught error: TypeError: x', firstError: 'TypeError: x' });
    expect(t.invalidity(e, [crash('nemesis', 'boom')], isClient)).toBeNull();
    expect(t.invalidity(e, [crash('a', 'x'), crash('b', 'y')], isClient)?.reason).toBe('a died of an uncaught error (and 1 other client): x');
    expect(t.invalidity(e, [crash('a', 'x'), crash('b', 'y'), crash('c', 'z'), crash('c', 'w')], isClient)?.reason).toBe('a died of an uncaught error (and 2 other clients): x');
    // The first error that is not a library's own crash is the one named.
    expect(t.invalidity(e, [crash('b', 'RealmCrash: lib'), crash('a', 'x')], isClient)?.reason).toBe('a died of an uncaught error (and 1 other client): x');
  });

  it("a library's own crash is a crash, not an invalid run, once something was acquired", () => {
    expect(isLibraryCrash(crash('a', 'RealmCrash: TypeError'))).toBe(true);
    expect(isLibraryCrash(crash('a', 'TypeError: RealmCrash: '))).toBe(false);
    const acquired = tally([ev('a', 'acquire', 'ok')]);
    expect(acquired.invalidity(acquired.evidence(1), [crash('a', 'RealmCrash: x')], isClient)).toBeNull();
    const none = tally([ev('a', 'acquire', 'invoke')]);
    expect(none.invalidity(none.evidence(1), [crash('nemesis', 'RealmCrash: y'), crash('a', 'RealmCrash: x')], isClient)).toEqual({
      kind: 'error',
      reason: 'no client ever acquired: a died of an uncaught error: RealmCrash: x',
      firstError: 'RealmCrash: x',
    });
  });

  it('no acquisition: each reason in words', () => {
    const reason = (events: HistoryEvent[]) => {
      const t = tally(events);
      return t.invalidity(t.evidence(3), [], isClient);
    };
    expect(reason([])).toEqual({ kind: 'no-progress', reason: 'no client ever acquired: no client even tried (is the run too short?)', firstError: null });
    expect(reason([ev('a', 'acquire', 'invoke'), ev('b', 'acquire', 'invoke')])).toEqual({ kind: 'no-progress', reason: 'no client ever acquired: 2 attempts, none returned', firstError: null });
    expect(reason([ev('a', 'acquire', 'invoke'), ev('a', 'acquire', 'fail', 'not acquired'), ev('b', 'acquire', 'invoke'), ev('b', 'acquire', 'fail')])).toEqual({
      kind: 'no-progress',
      reason: 'no client ever acquired: 2 attempts returned no lease',
      firstError: null,
    });
    expect(
      reason([
        ev('a', 'acquire', 'invoke'),
        ev('a', 'acquire', 'fail', 'not acquired'),
        ev('b', 'acquire', 'invoke'),
        ev('b', 'acquire', 'fail', 'ERR first'),
        ev('b', 'acquire', 'fail', 'not acquired'),
        ev('a', 'acquire', 'invoke'),
        ev('a', 'acquire', 'fail', 'ERR second'),
      ]),
    ).toEqual({ kind: 'no-progress', reason: 'no client ever acquired: 3 attempts failed; the first with b: ERR first', firstError: 'ERR first' });
  });

  it('acquisitions but no Redis command: the lock never used the service', () => {
    const t = tally([ev('a', 'acquire', 'ok')]);
    expect(t.invalidity(t.evidence(0), [], isClient)).toEqual({
      kind: 'no-progress',
      reason: "no request reached the lock's nodes (0 Redis commands): the lock never used the service it is supposed to lock with",
      firstError: null,
    });
    expect(t.invalidity(t.evidence(0, 'PostgreSQL queries'), [], isClient)?.reason).toBe("no request reached the lock's nodes (0 PostgreSQL queries): the lock never used the service it is supposed to lock with");
    expect(t.invalidity(t.evidence(1), [], isClient)).toBeNull();
  });
});

describe('the verdict with the evidence', () => {
  const error = { kind: 'error', reason: 'r', firstError: null } as const;
  const noProgress = { kind: 'no-progress', reason: 'r', firstError: null } as const;
  const realTime = { kind: 'real-time', reason: 'r', firstError: null } as const;
  const verdicts: Verdict[] = ['safe', 'unsafe', 'stuck'];

  it('stands without an invalidity; unsafe stands on anything but real time; stuck stands on no progress alone', () => {
    expect(verdicts.map((v) => verdictWithEvidence(v, null))).toEqual(['safe', 'unsafe', 'stuck']);
    expect(verdicts.map((v) => verdictWithEvidence(v, error))).toEqual(['invalid', 'unsafe', 'invalid']);
    expect(verdicts.map((v) => verdictWithEvidence(v, noProgress))).toEqual(['invalid', 'unsafe', 'stuck']);
    expect(verdicts.map((v) => verdictWithEvidence(v, realTime))).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('says in one line what it rests on', () => {
    const t = tally([ev('a', 'acquire', 'ok'), ev('a', 'read', 'ok')], [write('a', true), write('a', false)], ['a']);
    expect(evidenceText(t.evidence(9))).toBe(
      'judged on 1 acquisitions, 1 sections, 1 writes accepted and 1 refused, 9 Redis commands (acquisitions/sections/writes per client: a 1/1/2)',
    );
    expect(evidenceText(tally([], [], []).evidence(0))).toBe('judged on 0 acquisitions, 0 sections, 0 writes accepted and 0 refused, 0 Redis commands');
    // A stored history does not know the Redis commands: the line can leave them out.
    expect(evidenceText(t.evidence(9), { redisCommands: false })).toBe('judged on 1 acquisitions, 1 sections, 1 writes accepted and 1 refused (acquisitions/sections/writes per client: a 1/1/2)');
    expect(evidenceText(t.evidence(9), { redisCommands: true })).toContain(', 9 Redis commands (');
  });
});
