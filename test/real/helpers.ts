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
