/**
 * Starts Azurite's Blob service (the npm devDependency `azurite`, 3.35.0: the last release whose
 * engines field accepts Node 20) for tests: 127.0.0.1, a free port, a fresh folder in the
 * temporary directory, telemetry off (Azurite otherwise sends it to Microsoft; this machine may
 * only talk to itself), stopped and removed when the test ends (register `stop` in afterAll; it is
 * idempotent, and a process exit kills what is left).
 *
 * It is a devDependency, so after `npm ci` it is always there. With CI=true a missing package is a
 * failure; elsewhere the tests that need it are skipped with a message that says how to install it.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnUntilReady } from './server-process.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../src/real/redis-process.ts';

/** Azurite's well-known development account (its documentation publishes the key). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The Blob service's entry point in the installed package, or null. */
export function azuriteBlobMain(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('azurite/package.json');
    return join(dirname(pkg), 'dist', 'src', 'blob', 'main.js');
  } catch {
    return null;
  }
}

/** Whether tests that need Azurite run: always under CI (a missing package fails), else when it is installed. */
export function azuriteTestsEnabled(): boolean {
  if (process.env.CI === 'true') return true;
  if (azuriteBlobMain() !== null) return true;
  console.warn('skipping Azurite tests: the azurite package is not installed (npm ci)');
  return false;
}

export interface AzuriteServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The Blob service URL of the development account. */
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const running = new Set<AzuriteServer>();
process.once('exit', () => {
  for (const server of running) server.process.kill('SIGKILL');
});

/** Starts Azurite's Blob service and resolves once it listens. */
export async function startAzurite(): Promise<AzuriteServer> {
  const main = azuriteBlobMain();
  if (main === null) throw new Error('Azurite is not installed: run npm ci (it is a devDependency of locksim)');
  const dir = mkdtempSync(join(tmpdir(), 'locksim-azurite-'));
  const port = await freePort();
  // --skipApiVersionCheck: @azure/storage-blob 12.32 speaks a newer API version than Azurite 3.35 knows.
  const args = [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dir, '--silent', '--skipApiVersionCheck', '--disableTelemetry'];
  let child: ChildProcess;
  try {
    child = await spawnUntilReady(process.execPath, args, { name: 'Azurite', ready: 'successfully listens on' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server: AzuriteServer = {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
    process: child,
    async stop() {
      running.delete(server);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}
