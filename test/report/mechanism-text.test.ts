/**
 * The text timeline shows the mechanism (issue #20): a column per Redis node with the commands
 * that touched the lock key and what each did, renewals with the validity they bought, leases in
 * times relative to the run's start, a lease granted already expired, and one incident per
 * failure. Each test reads real runs' timelines by column, as a user reads them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import clockDrift from '../../scenarios/clock-drift.ts';
import sesamecare from '../../scenarios/libraries/sesamecare-redlock.ts';
import pauseInFlight from '../../scenarios/pause-in-flight.ts';
import plainDel from '../../scenarios/plain-del-release.ts';
import renewalTooLate from '../../scenarios/renewal-too-late.ts';
import { lease, singleInstance, type Scenario } from '../../src/index.ts';
import { renderTimeline } from '../../src/report/timeline.ts';
import { violationSummary } from '../../src/report/words.ts';
import { runScenario, type RunResult } from '../../src/scenario/run.ts';
import { readTimeline, type ReadTimeline } from './read-timeline.ts';

/** One node without persistence that restarts empty at 1 s under the holder of a 2 s lease renewed every third of it. */
function nodeLoss(name: string, lock: Scenario['variants'][number]['lock'], clients: number): Scenario {
  return {
    name: 'node-loss-under-a-lease',
    title: 'A renewed lease whose key a node restart loses',
    explanation: 'The node restarts empty under the holder; what its renewal does next is the mechanism.',
    tags: [],
    world: { nodes: [{ name: 'redis-1', persistence: 'none' }], clients: Array.from({ length: clients }, (_, i) => ({ name: `client-${i + 1}`, startMs: i * 100 })), durationMs: 6_000 },
    workload: { resource: 'lock:counter', ttlMs: 2_000, workMs: { min: 4_000, max: 4_000 }, thinkMs: { min: 10, max: 20 } },
    faults: [{ kind: 'crash', at: 1_000, process: 'redis-1', restartAfterMs: 10 }],
    variants: [{ name, lock, expected: 'unsafe' }],
  };
}
const patient = { retryCount: 100, retryDelayMs: 20, retryJitterMs: 20 };

const runs: Record<string, RunResult> = {};
const timelines: Record<string, ReadTimeline> = {};
beforeAll(async () => {
  const todo: Array<[string, Scenario, string | undefined]> = [
    ['del', plainDel, 'release=del'],
    ['cad', plainDel, 'compare-and-delete'],
    ['drift', clockDrift, 'drift-2%'],
    ['sesamecare', sesamecare, 'using-cut-off'],
    ['in-flight', pauseInFlight, 'redlock(checkValidity=false)'],
    ['renewal', renewalTooLate, 'signal-ignored'],
    ['recreate', nodeLoss('recreate-missing', lease(singleInstance(patient), { renewal: 'recreate-missing' }), 1), undefined],
    ['pexpire', nodeLoss('extend=pexpire', lease(singleInstance({ ...patient, extend: 'pexpire' })), 2), undefined],
  ];
  for (const [key, scenario, variant] of todo) {
    runs[key] = await runScenario(scenario, { seed: 1, variant });
    timelines[key] = readTimeline(renderTimeline(runs[key]!, { maxLines: 100_000 }));
  }
}, 120_000);

const cellsOf = (key: string, column: string): Array<{ at: number; text: string }> =>
  timelines[key]!.rows.filter((r) => r.cells[column] !== undefined).map((r) => ({ at: r.at, text: r.cells[column] as string }));

describe('a column per Redis node', () => {
  it('plain-del-release/release=del: the late DEL from client-1 deleted the key of a client that still held it', () => {
    const t = timelines.del!;
    expect(t.columns).toEqual(['client-1', 'client-2', 'client-3', 'redis-1']);
    const stray = t.rows.find((r) => r.cells['client-1'] === 'DEL →' && /^DELETED client-\d's key$/.test(r.cells['redis-1'] ?? ''));
    expect(stray, 'a row: client-1 sends DEL, redis-1 deletes another client\'s key').toBeDefined();
    const owner = /^DELETED (client-\d)'s key$/.exec(stray!.cells['redis-1']!)![1]!;
    expect(owner).not.toBe('client-1');
    // The owner acquired before the DEL and had not released: its key was a live lock.
    const ownerCells = cellsOf('del', owner).filter((c) => c.at <= stray!.at);
    const lastAcquired = ownerCells.filter((c) => c.text.startsWith('ACQUIRED')).at(-1);
    expect(lastAcquired).toBeDefined();
    expect(ownerCells.filter((c) => c.at > lastAcquired!.at && c.text === 'release')).toEqual([]);
    // The node's column also says what the ordinary commands did.
    const node = cellsOf('del', 'redis-1').map((c) => c.text);
    expect(node).toContain('won');
    expect(node.some((text) => /^lost \(client-\d's\)$/.test(text))).toBe(true);
    expect(node).toContain('deleted');
    expect(node).toContain("client-1's key expired");
  });

  it('plain-del-release/compare-and-delete: the same late release finds another token and deletes nothing', () => {
    const node = cellsOf('cad', 'redis-1').map((c) => c.text);
    expect(node.filter((text) => text.startsWith('DELETED'))).toEqual([]);
    const late = timelines.cad!.rows.find((r) => r.cells['client-1'] === 'EVAL →' && /^no-op \(client-\d's\)$/.test(r.cells['redis-1'] ?? ''));
    expect(late, "client-1's compare-and-delete leaves another client's key alone").toBeDefined();
  });

  it('clock-drift/drift-2%: the key expires early on the fast nodes, and client-2 wins them while client-1 is still inside', () => {
    const t = timelines.drift!;
    for (const node of ['redis-1', 'redis-2']) {
      const expired = cellsOf('drift', node).find((c) => c.text === "client-1's key expired");
      const won = t.rows.find((r) => r.cells['client-2'] === 'SET NX PX 10000 →' && r.cells[node] === 'won: client-1 STILL IN');
      expect(expired, `${node}: client-1's key expired`).toBeDefined();
      expect(won, `${node}: client-2's vote won while client-1 was inside`).toBeDefined();
      // 2 % fast: the 10 s key is gone after about 9.8 s of true time, before client-1's section ended.
      expect(expired!.at).toBeGreaterThan(9_700);
      expect(expired!.at).toBeLessThan(9_850);
      expect(won!.at).toBeGreaterThan(expired!.at);
    }
    expect(cellsOf('drift', 'redis-3').some((c) => c.text === "client-1's key expired")).toBe(false);
  });

  it('a renewal by plain PEXPIRE that extends another client\'s key, and one that re-creates a gone key, say so', () => {
    const stray = timelines.pexpire!.rows.find((r) => r.cells['client-1'] === 'renew: PEXPIRE 2000 →' && r.cells['redis-1'] === "EXTENDED client-2's key");
    expect(stray).toBeDefined();
    expect(timelines.pexpire!.rows.find((r) => r.at === 1_000 && r.cells['redis-1'] === "crash: client-1's key")).toBeDefined();
    const recreated = timelines.recreate!.rows.find((r) => r.cells['client-1'] === 'renew: EVAL →' && r.cells['redis-1'] === 'RE-CREATED its gone key');
    expect(recreated).toBeDefined();
    expect(recreated!.at).toBeGreaterThan(1_000);
    // Before the crash the same renewal simply extended the key.
    expect(cellsOf('recreate', 'redis-1').find((c) => c.at < 1_000 && c.text.startsWith('extended to '))).toBeDefined();
  });

  it('only the commands that changed the key, when asked: no lost votes, the anomalies kept', () => {
    const changes = readTimeline(renderTimeline(runs.del!, { maxLines: 100_000, commands: 'changes' }));
    const node = changes.rows.map((r) => r.cells['redis-1']).filter((c): c is string => c !== undefined);
    expect(node.some((c) => c.startsWith('lost'))).toBe(false);
    expect(node.some((c) => c.startsWith('DELETED'))).toBe(true);
    const none = readTimeline(renderTimeline(runs.del!, { maxLines: 100_000, commands: 'none' }));
    expect(none.rows.some((r) => r.cells['client-1'] === 'DEL →')).toBe(false);
  });
});

describe('leases and renewals on the holder\'s column', () => {
  it('a library lease on the wall clock shows its validity relative to the run\'s start, not as an epoch timestamp', () => {
    const acquired = cellsOf('sesamecare', 'client-1').find((c) => c.text.startsWith('ACQUIRED'));
    // The library's lease: valid until 1767225604948 on the wall clock = 4 948 ms after the start.
    expect(acquired?.text).toBe('ACQUIRED valid<4948 (+4938)');
    expect(renderTimeline(runs.sesamecare!)).not.toMatch(/\d{13}/);
  });

  it('renewals: the renewing client sends them from inside its section, and the node says until when the key now lives', () => {
    const renewals = timelines.renewal!.rows.filter((r) => r.cells['client-2'] === 'renew: EVAL →');
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    for (const r of renewals) {
      const until = /^extended to (\d+)$/.exec(r.cells['redis-1'] ?? '');
      expect(until, `renewal at ${r.at}`).not.toBeNull();
      // A 10 s TTL: each renewal buys the key 10 s from when it arrived.
      expect(Number(until![1]) - r.at).toBeGreaterThan(9_990);
      expect(Number(until![1]) - r.at).toBeLessThan(10_010);
    }
  });

  it('a lock granted with its validity already spent is marked as such', () => {
    const expired = cellsOf('in-flight', 'client-1').filter((c) => c.text.startsWith('ACQUIRED'));
    expect(expired[0]?.text).toMatch(/^ACQUIRED, EXPIRED by \d+ ms$/);
    // It came back after the 15 s pause: about 5 s past a 10 s lease.
    const by = Number(/EXPIRED by (\d+) ms/.exec(expired[0]!.text)![1]);
    expect(by).toBeGreaterThan(4_000);
    expect(by).toBeLessThan(6_000);
    expect(cellsOf('in-flight', 'client-2').filter((c) => c.text.startsWith('ACQUIRED')).every((c) => /^ACQUIRED valid<\d+ \(\+\d+\)$/.test(c.text))).toBe(true);
  });
});

describe('one incident per failure', () => {
  it('plain-del-release: one ## line for the incident, counting its overlapping pairs and lost updates; each violation still XX', () => {
    const r = runs.del!;
    const t = timelines.del!;
    const mutex = r.violations.filter((v) => v.property === 'mutex').length;
    const lost = r.violations.filter((v) => v.property === 'lost-update').length;
    expect(mutex).toBeGreaterThan(5);
    expect(lost).toBeGreaterThan(2);
    const incidents = t.lines.filter((l) => l.mark === '##');
    expect(incidents.map((l) => l.text)).toEqual([expect.stringMatching(new RegExp(`^incident 1: ${mutex} overlapping pairs, ${lost} lost updates \\(client-\\d, client-\\d, client-\\d\\) from `))]);
    expect(t.lines.filter((l) => l.mark === 'XX')).toHaveLength(r.violations.length);
    const summary = violationSummary(r.violations);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(new RegExp(`^mutual exclusion broken: one incident of ${mutex} overlapping pairs .*; inside it: ${lost} lost updates \\(the first: lost update: `));
  });
});
