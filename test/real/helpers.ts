/**
 * Gating and small helpers for the real-mode infrastructure tests (test/real/).
 *
 * With CI=true every test here runs, and a missing binary (redis-server, gcc, toxiproxy-server)
 * fails it loudly. Without CI a test whose binary is missing is skipped with a message that says
 * how to install it.
 */
import { findExecutable } from '../../src/real/process-group.ts';
import { TOXIPROXY_INSTALL_HINT, findToxiproxyServer } from '../../src/real/toxiproxy.ts';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { runReal, type RealRunResult } from '../../src/real/runner.ts';
import { renderTimeline } from '../../src/report/timeline.ts';
import type { Scenario } from '../../src/scenario/types.ts';

const CI = process.env.CI === 'true';

export { realRedisTestsEnabled };

/** redis-server and gcc (for the clock shim). */
export function shimTestsEnabled(): boolean {
  if (CI) return true;
  if (!realRedisTestsEnabled()) return false;
  if (findExecutable('gcc') === undefined) {
    console.warn('skipping clock-shim tests: gcc not found (apt-get install gcc)');
    return false;
  }
  return true;
}

/** toxiproxy-server. */
export function toxiproxyTestsEnabled(): boolean {
  if (CI) return true;
  try {
    findToxiproxyServer();
    return true;
  } catch {
    console.warn(`skipping Toxiproxy tests:\n${TOXIPROXY_INSTALL_HINT}`);
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Retries `attempt` until it resolves, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 5000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await sleep(intervalMs);
    }
  }
}

/** What a real run did, for an assertion's message: both verdicts, the clients' errors, the timeline. */
function explainReal(r: RealRunResult): string {
  return [`${r.scenario}/${r.variant}: real ${r.verdict}, simulated ${r.simulated?.verdict}`, ...r.processErrors.map((e) => `  error in ${e.process}: ${e.message}`), renderTimeline(r, { maxLines: 40 })].join('\n');
}

/** Runs a catalog scenario's variant in real mode (seed 1, shortened to `durationMs`) and expects both worlds to reach `expected`, with no client error. */
export async function agree(scenario: Scenario, variant: string, durationMs: number, expected: string): Promise<RealRunResult> {
  const ref = resolve(import.meta.dirname, '..', '..', 'scenarios', `${scenario.name}.ts`);
  const r = await runReal(scenario, { seed: 1, variant, durationMs, scenarioRef: ref });
  expect(`${r.verdict}/${r.simulated?.verdict}`, explainReal(r)).toBe(`${expected}/${expected}`);
  expect(r.agrees).toBe(true);
  expect(r.processErrors).toEqual([]);
  return r;
}
