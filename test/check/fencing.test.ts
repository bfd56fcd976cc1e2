/**
 * The fencing checks, from a user's side: hand-built histories that break each token check, and
 * their correct twins that must not; the checks through the judge (events and writes merged in
 * true time) and through a whole run of the catalog; every violation shape rendered.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { checkFencing, fencingViolationText, FENCING_VIOLATION_KINDS, type FencingViolation } from '../../src/check/fencing.ts';
import { emptyHistory, type History, type HistoryEvent, type ResourceWrite } from '../../src/check/history.ts';
import { judge } from '../../src/check/judge.ts';
import { toJsonValue } from '../../src/report/json.ts';
import { renderTimelineSvg } from '../../src/report/svg.ts';
import { renderTimeline } from '../../src/report/timeline.ts';
import { violationSummary, violationText } from '../../src/report/words.ts';
import { runScenario } from '../../src/scenario/run.ts';

/** An acquire that completed at `atMs` with lease `lease` and fencing token `token`. */
function grant(process: string, atMs: number, lease: string, token: number): Omit<HistoryEvent, 'index'> {
  const at = atMs * 1000;
  return { process, kind: 'acquire', phase: 'ok', at, wallMs: atMs, monoMs: atMs, resource: 'r', lease: { value: lease, validUntil: atMs + 10_000, timeSource: 'monotonic', fencingToken: token } };
}

/** A write the resource accepted (or refused, with `accepted: false`) at `atMs`. */
function write(process: string, atMs: number, lease: string | undefined, token: number | undefined, accepted = true): ResourceWrite {
  return { at: atMs * 1000, process, value: 1, readValue: 0, token, lease, accepted, before: 0, reason: accepted ? undefined : 'refused' };
}

function history(events: ReadonlyArray<Omit<HistoryEvent, 'index'>>, writes: readonly ResourceWrite[] = []): History {
  const h = emptyHistory();
  events.forEach((e, index) => h.events.push({ ...e, index }));
  h.writes.push(...writes);
  h.endedAt = 100_000_000;
  return h;
}

const kinds = (h: History): string[] => checkFencing(h).map((v) => v.kind);

/** The judge's verdict with the fenced resource's default properties. */
const verdict = (h: History): string => judge(h, ['fencing', 'lost-updates'], { boundMs: 1_000, blocked: () => false }).verdict;

describe('token checks on grants', () => {
  it('a token granted to two different leases is a reused token; the same lease seen twice is not', () => {
    const reused = history([grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 1)]);
    const found = checkFencing(reused);
    expect(found.map((v) => v.kind)).toEqual(['token-reused']);
    expect(found[0]).toMatchObject({ property: 'fencing', process: 'client-2', token: 1, lease: 'L2', earlier: { process: 'client-1', lease: 'L1' } });
    expect(verdict(reused)).toBe('unsafe');

    expect(kinds(history([grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 2)]))).toEqual([]);
    expect(kinds(history([grant('client-1', 10, 'L1', 1), grant('client-1', 20, 'L1', 1)]))).toEqual([]);
  });

  it('a grant whose token is not above the highest granted before it went back; increasing grants are fine', () => {
    const back = history([grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 3), grant('client-3', 30, 'L3', 2)]);
    expect(kinds(back)).toEqual(['token-out-of-order']);
    expect(checkFencing(back)[0]).toMatchObject({ token: 2, earlier: { token: 3, lease: 'L2' } });
    expect(verdict(back)).toBe('unsafe');

    const gaps = history([grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 3), grant('client-3', 30, 'L3', 7)]);
    expect(kinds(gaps)).toEqual([]);
    expect(verdict(gaps)).toBe('safe');
  });

  it('acquires without a fencing token are not grants', () => {
    const plain = { ...grant('client-1', 10, 'L1', 1), lease: { value: 'L1', validUntil: 1, timeSource: 'monotonic' as const } };
    expect(kinds(history([plain, { ...plain, process: 'client-2', lease: { ...plain.lease, value: 'L2' } }]))).toEqual([]);
  });
});

describe('token checks on writes', () => {
  it('an accepted write with a token lower than one accepted before is a stale write accepted; refused, it is the safeguard working', () => {
    const grants = [grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 2)];
    const stale = history(grants, [write('client-2', 25, 'L2', 2), write('client-1', 30, 'L1', 1)]);
    expect(kinds(stale)).toEqual(['stale-write-accepted']);
    expect(checkFencing(stale)[0]).toMatchObject({ process: 'client-1', token: 1, highestBefore: 2 });
    expect(verdict(stale)).toBe('unsafe');

    const refused = history(grants, [write('client-2', 25, 'L2', 2), write('client-1', 30, 'L1', 1, false)]);
    expect(kinds(refused)).toEqual([]);
    expect(verdict(refused)).toBe('safe');
  });

  it('an equal token is fine from the lease that first presented it, stale from any other lease', () => {
    const grants = [grant('client-1', 10, 'L1', 4)];
    // The same holder writes twice with its token: never flagged.
    const again = history(grants, [write('client-1', 20, 'L1', 4), write('client-1', 30, 'L1', 4)]);
    expect(kinds(again)).toEqual([]);
    expect(verdict(again)).toBe('safe');
    // Another lease presenting the same number (a counter that went back) must not pass.
    const other = history(grants, [write('client-1', 20, 'L1', 4), write('client-2', 30, 'L2', 4)]);
    expect(kinds(other)).toEqual(['stale-write-accepted']);
    expect(checkFencing(other)[0]).toMatchObject({ process: 'client-2', firstLease: 'L1' });
    // A history that does not say the writes' leases (older ones) cannot tell: not flagged.
    expect(kinds(history(grants, [write('client-1', 20, undefined, 4), write('client-2', 30, undefined, 4)]))).toEqual([]);
  });

  it('a refused write from the current holder (the latest grant) is the safeguard turned against it; a stale holder refused is not', () => {
    // The counter went back: client-2's lease is the latest grant, token 1; the resource has seen 5.
    const regression = history(
      [grant('client-1', 10, 'L1', 5), grant('client-2', 30, 'L2', 1)],
      [write('client-1', 20, 'L1', 5), write('client-2', 40, 'L2', 1, false)],
    );
    expect(kinds(regression)).toEqual(['token-out-of-order', 'holder-refused']);
    expect(checkFencing(regression)[1]).toMatchObject({ kind: 'holder-refused', process: 'client-2', holder: { lease: 'L2', token: 1 } });

    // The sole holder of the highest token granted, refused (here: the resource forgot the same lease's token).
    const highest = history([grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 2)], [write('client-2', 30, 'L2', 2), write('client-2', 40, 'L2', 2, false)]);
    expect(kinds(highest)).toEqual(['holder-refused']);
    expect(verdict(highest)).toBe('unsafe');

    // A paused client-1 (token 1) writes after client-2 (token 2) took over: refusing it is right.
    const stale = history([grant('client-1', 10, 'L1', 1), grant('client-2', 20, 'L2', 2)], [write('client-2', 30, 'L2', 2), write('client-1', 40, 'L1', 1, false)]);
    expect(kinds(stale)).toEqual([]);
    expect(verdict(stale)).toBe('safe');
  });

  it('the judge merges events and writes in true time: a write is judged against the grants before it', () => {
    // client-1's write is refused at 20 ms while it is the latest grant; client-2's grant comes at 30 ms.
    const h = history(
      [grant('client-1', 10, 'L1', 1), grant('client-2', 30, 'L2', 2)],
      [write('client-1', 20, 'L1', 1, false)],
    );
    expect(judge(h, ['fencing'], { boundMs: 1_000, blocked: () => false }).violations.map((v) => (v.property === 'fencing' ? v.kind : v.property))).toEqual(['holder-refused']);
  });
});

describe('the fencing checks on whole runs', () => {
  const scenario = catalog.find((s) => s.name === 'fencing-regression');
  if (scenario === undefined) throw new Error('fencing-regression missing from the catalog');

  it('a token counter that restarts empty: reused tokens and the current holder refused, at every seed tried', async () => {
    for (const seed of [1, 2, 3]) {
      const result = await runScenario(scenario, { seed, variant: 'persistence-none' });
      expect(result.verdict).toBe('unsafe');
      const found = result.violations.filter((v): v is FencingViolation => v.property === 'fencing');
      expect(new Set(found.map((v) => v.kind))).toEqual(new Set(['token-reused', 'holder-refused']));
      // The crash fault took the counter with it, and every grant after it reused a token.
      expect(result.faultsFired.every((f) => f.fired)).toBe(true);
    }
  });

  it('the same crash with AOF always on the counter node: no fencing violation', async () => {
    for (const seed of [1, 2, 3]) {
      const result = await runScenario(scenario, { seed, variant: 'aof-always' });
      expect(result.violations).toEqual([]);
      expect(result.verdict).toBe('safe');
      expect(result.stats.writesAccepted).toBeGreaterThan(10);
    }
  });

  it('every fenced variant of the catalog reaches its expected verdict (seeds 1 to 3)', async () => {
    const fenced = catalog.flatMap((s) => s.variants.filter((v) => v.resource === 'fenced').map((v) => ({ s, v })));
    expect(fenced.length).toBeGreaterThanOrEqual(6);
    for (const { s, v } of fenced) {
      for (const seed of [1, 2, 3]) {
        const result = await runScenario(s, { seed, variant: v.name });
        expect(`${s.name}/${v.name} seed ${seed}: ${result.verdict}`).toBe(`${s.name}/${v.name} seed ${seed}: ${v.expected}`);
      }
    }
  });

  it('every violation shape renders in the text timeline, the SVG, the tooltips and the JSON', async () => {
    const result = await runScenario(scenario, { seed: 1, variant: 'persistence-none' });
    const text = renderTimeline(result);
    expect(text).toContain('XX fencing token reused: client-');
    expect(text).toContain('XX current holder refused: client-');
    const svg = renderTimelineSvg({ result });
    expect(svg).toContain('data-property="fencing"');
    expect(svg).toContain('<title>fencing token reused: client-');
    expect(svg).toContain('<title>current holder refused: client-');
    expect(JSON.stringify(toJsonValue(result.violations))).toContain('"kind":"holder-refused"');

    // The two kinds this run does not show, built by hand.
    const built = [
      ...checkFencing(history([grant('a', 10, 'L1', 1), grant('b', 20, 'L2', 3), grant('c', 30, 'L3', 2)])),
      ...checkFencing(history([], [write('a', 10, 'L1', 2), write('b', 20, 'L2', 1)])),
      ...checkFencing(history([], [write('a', 10, 'L1', 2), write('b', 20, 'L2', 2)])),
      ...result.violations.filter((v): v is FencingViolation => v.property === 'fencing').slice(0, 2),
    ];
    expect(new Set(built.map((v) => v.kind))).toEqual(new Set(FENCING_VIOLATION_KINDS));
    for (const v of built) {
      expect(violationText(v)).toBe(fencingViolationText(v));
      expect(violationSummary([v]).join('\n')).toContain(fencingViolationText(v));
      expect(fencingViolationText(v)).not.toMatch(/undefined|NaN/);
    }
    expect(built.map((v) => fencingViolationText(v).split(':')[0])).toEqual(['fencing token went back', 'stale write accepted', 'stale write accepted', 'fencing token reused', 'current holder refused']);
  });
});
