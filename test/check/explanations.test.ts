/**
 * What a violation says must be true (issue: explanations that mislead): the validity a section
 * ran past is the latest its client knew (after renewals); the quorum loss names how the key
 * went (deleted, not "expired"); a liveness violation without any heal says so and is stamped
 * at its deadline; one pause that overlaps many sections is one incident.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { lease, runScenario, singleInstance, type LockFactory, type Scenario } from '../../src/index.ts';
import type { MutexViolation } from '../../src/check/mutex.ts';
import type { LivenessViolation } from '../../src/check/liveness.ts';
import { mutexIncidents } from '../../src/check/incidents.ts';
import { violationSummary } from '../../src/report/words.ts';

const byName = (name: string): Scenario => {
  const s = catalog.find((c) => c.name === name);
  if (s === undefined) throw new Error(`${name} missing from the catalog`);
  return s;
};

describe('violation explanations', () => {
  it("measure a renewed lease's overrun from its latest validity, not the one at acquire", async () => {
    // client-1 renews every 1/3 TTL for 6 s, then a pause stops it past its latest validity.
    const scenario: Scenario = {
      name: 'renewed',
      title: 'a renewed lease paused',
      explanation: 'client-1 renews a 2 s lease for 6 s, then is paused for 5 s; client-2 takes the lock.',
      world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 6_500 }], durationMs: 20_000 },
      workload: { resource: 'lock:r', ttlMs: 2_000, workMs: { min: 9_000, max: 9_000 }, thinkMs: { min: 10, max: 10 }, iterations: 1, watchLeaseSignal: false },
      faults: [{ kind: 'pause', at: 6_000, process: 'client-1', durationMs: 5_000 }],
      variants: [{ name: 'lease', lock: lease(singleInstance()), expected: 'unsafe', properties: ['mutex'] }],
    };
    const result = await runScenario(scenario, { seed: 1 });
    const v = result.violations.find((x): x is MutexViolation => x.property === 'mutex');
    expect(v).toBeDefined();
    const section = v!.first.process === 'client-1' ? v!.first : v!.second;
    // Acquired at ~0 with validity ~2 s; renewed up to ~6 s (validity ~8 s); ended at ~11 s (after resume and the work).
    expect(section.validUntil - section.lease.validUntil).toBeGreaterThan(4_000);
    expect(section.pastValidityMs).toBeLessThan(section.localEndMs - section.lease.validUntil - 4_000);
  });

  it('say the key was deleted when a plain DEL took it, not that it expired', async () => {
    const result = await runScenario(byName('plain-del-release'), { seed: 1, variant: 'release=del' });
    const deleted = result.violations.filter((v): v is MutexViolation => v.property === 'mutex').flatMap((v) => [v.firstQuorumLostBy, v.secondQuorumLostBy]);
    expect(deleted).toContain('deleted');
    expect(violationSummary(result.violations).join('\n')).toMatch(/its key was deleted on a quorum/);
  });

  it('say a liveness violation came with no heal, stamped at its deadline', async () => {
    const never: LockFactory = () => ({ name: 'never', acquire: async () => null, release: async () => {} });
    const scenario: Scenario = {
      name: 'never-acquires',
      title: 'a lock that never grants',
      explanation: 'no fault; nobody ever acquires',
      world: { nodes: 1, clients: 2, durationMs: 10_000 },
      workload: { resource: 'lock:r', ttlMs: 1_000, workMs: { min: 10, max: 10 }, thinkMs: { min: 100, max: 100 } },
      faults: [],
      livenessBoundMs: 3_000,
      variants: [{ name: 'never', lock: never, expected: 'stuck', properties: ['liveness'] }],
    };
    const result = await runScenario(scenario, { seed: 1 });
    const v = result.violations.find((x): x is LivenessViolation => x.property === 'liveness');
    expect(v?.message).toBe('no client acquired within 3000 ms of the start of the run (no fault healed)');
    expect(v?.healed).toBe(false);
    expect(v?.at).toBe(3_000_000);
  });

  it('group the overlaps of one paused holder into one incident', async () => {
    const result = await runScenario(byName('gc-pause'), { seed: 1, variant: 'redlock' });
    const mutex = result.violations.filter((v): v is MutexViolation => v.property === 'mutex');
    expect(mutex.length).toBeGreaterThan(3);
    const incidents = mutexIncidents(mutex);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.sections.get('client-1')).toHaveLength(1);
    expect(incidents[0]?.pairs).toHaveLength(mutex.length);
    const summary = violationSummary(result.violations);
    expect(summary[0]).toMatch(new RegExp(`^mutual exclusion broken: one incident of ${mutex.length} overlapping pairs`));
  });

  it('keep separate incidents apart', () => {
    const section = (process: string, start: number, end: number) => ({ process, resource: 'r', lease: { value: process + start, validUntil: 0, timeSource: 'monotonic' as const }, validUntil: 0, start, end, endedBy: 'release' as const, localEndMs: 0, pastValidityMs: 0, acquiredEvent: 0 });
    const pair = (a: ReturnType<typeof section>, b: ReturnType<typeof section>): MutexViolation => ({ property: 'mutex', resource: 'r', first: a, second: b, overlapStart: b.start, overlapEnd: a.end, faultsActive: [], firstPastQuorumMs: null, secondPastQuorumMs: null });
    const a1 = section('a', 0, 100);
    const b1 = section('b', 50, 60);
    const b2 = section('b', 70, 80);
    const a2 = section('a', 1_000, 1_100);
    const c1 = section('c', 1_050, 1_200);
    const incidents = mutexIncidents([pair(a1, b1), pair(a1, b2), pair(a2, c1)]);
    expect(incidents.map((i) => i.pairs.length)).toEqual([2, 1]);
  });
});
