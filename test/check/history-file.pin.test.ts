/**
 * Reading a stored history document (src/check/history-file.ts): what each omitted field
 * defaults to, what every present field reads as, a run's JSON report, the end state the judge
 * is given, and the error each malformed field gets. Written to pin what mutation testing
 * (issue #23) found unpinned.
 */
import { describe, expect, it } from 'vitest';
import { judgeHistory, parseHistoryDocument } from '../../src/check/history-file.ts';

const parse = (doc: unknown) => parseHistoryDocument(JSON.stringify(doc), 'h.json');
const acquired = { process: 'a', kind: 'acquire', phase: 'ok', at: 2_000, lease: { value: 'va', validUntil: 50 } };
const minimal = (history: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ format: 'locksim-history/1', history: { events: [acquired], ...history }, ...extra });

describe('a history document', () => {
  it('omitted fields take their defaults', () => {
    const doc = parse(minimal({ writes: [{ at: 3_000, process: 'a', value: 1, readValue: 0, accepted: true, before: 0 }, { at: 1_000, process: 'b', value: 1, readValue: 0, accepted: false, before: 0 }] }));
    expect(doc.properties).toEqual(['mutex', 'lost-updates', 'fencing', 'liveness']);
    expect(doc.livenessBoundMs).toBe(30_000);
    expect(doc.end).toEqual({ blocked: [], stillTrying: [] });
    expect(doc.run).toBeUndefined();
    expect(doc.history.events).toEqual([{ index: 0, process: 'a', kind: 'acquire', phase: 'ok', at: 2_000, wallMs: 2, monoMs: 2, lease: { value: 'va', validUntil: 50, timeSource: 'monotonic' } }]);
    expect(doc.history.writes.map((w) => w.at)).toEqual([1_000, 3_000]);
    expect([doc.history.keys, doc.history.faults, doc.history.endedAt, doc.history.healedAt]).toEqual([[], [], 3_000, null]);
    expect(doc.history).not.toHaveProperty('lockNodes');
    expect(parse(minimal({ events: [] })).history.endedAt).toBe(0);
  });

  it('present fields are read as given', () => {
    const doc = parse({
      format: 'locksim-history/1',
      properties: ['mutex'],
      livenessBoundMs: 5,
      end: { blocked: ['a'], stillTrying: ['b'] },
      run: { scenario: 's', variant: 'v', seed: 3, verdict: 'safe' },
      history: {
        events: [
          { index: 7, process: 'a', kind: 'acquire', phase: 'ok', at: 2_000, wallMs: 9, monoMs: 8, resource: 'r', lease: { value: 'va', validUntil: 50, timeSource: 'wall', fencingToken: 4 }, value: 1, readValue: 0, token: 4, accepted: true, reason: 'x' },
          { process: 'a', kind: 'read', phase: 'ok', at: 3_000, lease: null, value: null },
        ],
        keys: [{ node: 'n1', key: 'k', from: 0, to: 10, holder: 'a', endedBy: 'deleted' }, { node: 'n1', key: 'k', from: 20, to: null }, { node: 'n2', key: 'k', from: 20 }],
        faults: [{ at: 1, description: 'd', kind: 'pause', fired: false, effect: 'e', endedAt: 5 }, { at: 2, description: 'd2', kind: 'crash' }],
        writes: [{ at: 2_500, process: 'a', value: 1, readValue: 0, accepted: true, before: 0, token: 4, lease: 'va', reason: 'ok' }],
        endedAt: 9_000,
        healedAt: 100,
        lockNodes: ['n1', 'n2'],
      },
    });
    expect(doc.properties).toEqual(['mutex']);
    expect([doc.livenessBoundMs, doc.end, doc.run]).toEqual([5, { blocked: ['a'], stillTrying: ['b'] }, { scenario: 's', variant: 'v', seed: 3, verdict: 'safe' }]);
    expect(doc.history.events).toEqual([
      { index: 7, process: 'a', kind: 'acquire', phase: 'ok', at: 2_000, wallMs: 9, monoMs: 8, resource: 'r', lease: { value: 'va', validUntil: 50, timeSource: 'wall', fencingToken: 4 }, value: 1, readValue: 0, token: 4, accepted: true, reason: 'x' },
      { index: 1, process: 'a', kind: 'read', phase: 'ok', at: 3_000, wallMs: 3, monoMs: 3 },
    ]);
    expect(Object.keys(doc.history.events[1]!)).toEqual(['index', 'process', 'kind', 'phase', 'at', 'wallMs', 'monoMs']);
    expect(doc.history.keys).toEqual([
      { node: 'n1', key: 'k', from: 0, to: 10, holder: 'a', endedBy: 'deleted' },
      { node: 'n1', key: 'k', from: 20, to: null },
      { node: 'n2', key: 'k', from: 20, to: null },
    ]);
    expect(doc.history.faults).toEqual([
      { at: 1, description: 'd', kind: 'pause', fired: false, effect: 'e', endedAt: 5 },
      { at: 2, description: 'd2', kind: 'crash', fired: true, effect: '' },
    ]);
    expect(doc.history.writes).toEqual([{ at: 2_500, process: 'a', value: 1, readValue: 0, accepted: true, before: 0, token: 4, lease: 'va', reason: 'ok' }]);
    expect([doc.history.endedAt, doc.history.healedAt, doc.history.lockNodes]).toEqual([9_000, 100, ['n1', 'n2']]);
    expect(parse(minimal({ healedAt: null })).history.healedAt).toBeNull();
    expect(parse(minimal({}, { end: {} })).end).toEqual({ blocked: [], stillTrying: [] });
  });

  it("a run's JSON report: its history and properties, liveness left out, the run named", () => {
    const doc = parse({ format: 'locksim-run/1', scenario: 's', variant: 'v', seed: 2, verdict: 'unsafe', properties: ['mutex', 'liveness'], history: { events: [acquired] } });
    expect(doc).toMatchObject({ format: 'locksim-history/1', properties: ['mutex'], livenessBoundMs: 30_000, end: { blocked: [], stillTrying: [] }, run: { scenario: 's', variant: 'v', seed: 2, verdict: 'unsafe' } });
    expect(doc.history.events).toHaveLength(1);
    expect(parse({ format: 'locksim-run/1', history: { events: [] } }).properties).toEqual(['mutex', 'lost-updates', 'fencing']);
    // Today's report files: a result (schema locksim-result/1) with its history.
    const result = parse({ schema: 'locksim-result/1', command: 'run', scenario: 's', variant: 'v', seed: 3, verdict: 'safe', properties: ['mutex', 'fencing'], history: { events: [acquired] } });
    expect(result).toMatchObject({ properties: ['mutex', 'fencing'], run: { scenario: 's', variant: 'v', seed: 3, verdict: 'safe' } });
  });

  it('the judge is told who was blocked or still trying at the end', () => {
    const judged = (end: unknown) => judgeHistory(parse({ format: 'locksim-history/1', properties: ['liveness'], livenessBoundMs: 1_000, end, history: { events: [{ process: 'a', kind: 'acquire', phase: 'invoke', at: 0 }], endedAt: 60_000_000 } }));
    expect(judged({}).violations.map((v) => v.property === 'liveness' && v.stuck.length)).toEqual([1]);
    expect(judged({ blocked: ['a'] }).verdict).toBe('safe');
    // Still trying: not stuck, though nobody acquired within the bound.
    expect(judged({ stillTrying: ['a'] }).violations.map((v) => v.property === 'liveness' && v.stuck.length)).toEqual([0]);
  });
});

describe('a malformed document names the field and what it must be', () => {
  it('text that is not JSON', () => {
    expect(() => parseHistoryDocument('{"format": ', 'h.json')).toThrow(/^h\.json: the file is not JSON: /);
  });

  const error = (doc: unknown): string => {
    try {
      parse(doc);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  const ev = (fields: Record<string, unknown>) => minimal({ events: [{ ...acquired, ...fields }] });

  it.each([
    [null, '$ must be an object, got null'],
    [3, '$ must be an object, got 3'],
    [minimal({}, { history: 'h' }), '$.history must be an object, got "h"'],
    [[], '$ must be an object, got []'],
    [{ format: 'x' }, '$.format must be "locksim-history/1" (or a run\'s JSON report, with schema "locksim-result/1"), got "x"'],
    [{ schema: 'locksim-result/1', command: 'run' }, '$.history is missing: this is a result printed with --json, which leaves the history out'],
    [minimal({ events: {} }), '$.history.events must be an array, got {}'],
    [ev({ process: '' }), '$.history.events[0].process must be a non-empty string, got ""'],
    [ev({ process: 3 }), '$.history.events[0].process must be a non-empty string, got 3'],
    [ev({ at: -1 }), '$.history.events[0].at must be at least 0 (0), got -1'],
    [ev({ at: '1' }), '$.history.events[0].at must be a finite number, got "1"'],
    [ev({ index: -1 }), '$.history.events[0].index must be a whole number ≥ 0, got -1'],
    [ev({ index: 1.5 }), '$.history.events[0].index must be a whole number ≥ 0, got 1.5'],
    [ev({ index: '1' }), '$.history.events[0].index must be a whole number ≥ 0, got "1"'],
    [ev({ accepted: 'yes' }), '$.history.events[0].accepted must be true or false, got "yes"'],
    [ev({ kind: 'grab' }), '$.history.events[0].kind must be one of "acquire", "release", "extend", "read", "write", "abandon", "crash", "lost", got "grab"'],
    [ev({ kind: 3 }), '$.history.events[0].kind must be one of'],
    [ev({ lease: { value: 'v', validUntil: 1, timeSource: 'sun' } }), '$.history.events[0].lease.timeSource must be one of "monotonic", "wall", got "sun"'],
    [minimal({ endedAt: 1_999 }), '$.history.endedAt must be at least the last event or write (2000), got 1999'],
    [minimal({ healedAt: -5 }), '$.history.healedAt must be at least 0 (0), got -5'],
    [minimal({ writes: [{ at: -1, process: 'a', value: 1, readValue: 0, accepted: true, before: 0 }] }), '$.history.writes[0].at must be at least 0 (0), got -1'],
    [minimal({ keys: [{ node: 'n', key: 'k', from: -1 }] }), '$.history.keys[0].from must be at least 0 (0), got -1'],
    [minimal({ keys: [{ node: 'n', key: 'k', from: 0, to: -1 }] }), '$.history.keys[0].to must be at least 0 (0), got -1'],
    [minimal({ faults: [{ at: -1, description: 'd', kind: 'k' }] }), '$.history.faults[0].at must be at least 0 (0), got -1'],
    [minimal({ faults: [{ at: 0, description: 'd', kind: 'k', fired: 1 }] }), '$.history.faults[0].fired must be true or false, got 1'],
    [minimal({ faults: [{ at: 0, description: 'd', kind: 'k', effect: '' }] }), '$.history.faults[0].effect must be a non-empty string'],
    [minimal({}, { livenessBoundMs: -1 }), '$.livenessBoundMs must be at least 0 (0), got -1'],
    [minimal({}, { end: { blocked: [''] } }), '$.end.blocked[0] must be a non-empty string'],
    [minimal({}, { end: { stillTrying: 'a' } }), '$.end.stillTrying must be an array, got "a"'],
    [minimal({}, { run: { scenario: 's', variant: 'v', seed: 'x', verdict: 'safe' } }), '$.run.seed must be a finite number, got "x"'],
  ])('%j', (doc, message) => {
    expect(error(doc)).toContain(message);
    expect(error(doc)).toMatch(/^h\.json: .*\(the format is in docs\/history-format\.md\)$/);
  });
});
