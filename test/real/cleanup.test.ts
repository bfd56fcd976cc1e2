/**
 * Process hygiene (src/real/process-group.ts): a Node process that started redis-server,
 * toxiproxy-server and a shimmed redis-server is interrupted midway (Ctrl-C = SIGINT, SIGTERM,
 * an uncaught error, even SIGKILL); afterwards none of those servers is alive, none of their ports is
 * listening, and (except after SIGKILL) their temporary data folders are gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildClockShim } from '../../src/real/clock-shim.ts';
import { processAlive } from '../../src/real/process-group.ts';
import { portListening } from '../../src/real/redis-process.ts';
import { shimTestsEnabled, sleep, toxiproxyTestsEnabled } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

interface ChildReport {
  pids: number[];
  ports: number[];
  dirs: string[];
}

/** Processes (any parent) whose command line names redis-server or toxiproxy-server and one of `ports`. */
function serversOnPorts(ports: readonly number[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (!/redis-server|toxiproxy-server/.test(cmdline)) continue;
    if (!processAlive(Number(entry))) continue;
    if (ports.some((port) => new RegExp(`[ :]${port}\\b`).test(cmdline))) found.push(`${entry}: ${cmdline.trim()}`);
  }
  return found;
}

describe.runIf(shimTestsEnabled() && toxiproxyTestsEnabled())('no server outlives an interrupted run', () => {
  let child: ChildProcess | undefined;
  let report: ChildReport | undefined;

  beforeAll(async () => {
    await buildClockShim(); // so the child does not race another test file's build
  });

  afterEach(() => {
    // Whatever happened, leave nothing behind.
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of report?.pids ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of report?.dirs ?? []) rmSync(dir, { recursive: true, force: true });
    child = undefined;
    report = undefined;
  });

  it.each([
    ['SIGINT', 'Ctrl-C'],
    ['SIGTERM', 'kill'],
    ['SIGUSR2', 'an uncaught error'],
    ['SIGKILL', 'no handler runs: the kernel kills the children (setpriv --pdeathsig)'],
  ] as const)('after %s (%s)', async (signal, _how) => {
    const started = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'cleanup-child.ts')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child = started;
    let stderr = '';
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      started.once('exit', (code, sig) => done({ code, signal: sig })),
    );

    const line = await new Promise<string>((done, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`child did not report within 30 s:\n${out}\n${stderr}`)), 30_000);
      started.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const newline = out.indexOf('\n');
        if (newline >= 0) {
          clearTimeout(timer);
          done(out.slice(0, newline));
        }
      });
      void exited.then((info) => {
        clearTimeout(timer);
        fail(new Error(`child exited early (${JSON.stringify(info)}):\n${out}\n${stderr}`));
      });
    });
    const reported = JSON.parse(line) as ChildReport;
    report = reported;
    expect(reported.pids).toHaveLength(3);
    expect(reported.ports).toHaveLength(4);

    // Midway: everything is up.
    for (const pid of reported.pids) expect(processAlive(pid), `pid ${pid}`).toBe(true);
    for (const port of reported.ports) expect(await portListening(port), `port ${port}`).toBe(true);
    expect(serversOnPorts(reported.ports)).toHaveLength(3);

    started.kill(signal);
    const info = await exited;
    if (signal === 'SIGUSR2') {
      expect(info.code).toBe(1);
      expect(stderr).toContain('boom');
    } else {
      expect(info.signal).toBe(signal);
    }

    // The kills are sent synchronously before the child dies; give the kernel a moment to reap.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && reported.pids.some((pid) => processAlive(pid))) await sleep(50);
    for (const pid of reported.pids) expect(processAlive(pid), `pid ${pid} still alive`).toBe(false);
    // A port may stay open a moment longer than its process on a loaded machine (a server's forked
    // child holding the socket); it must still close within the same deadline.
    const listening = async (): Promise<number[]> => (await Promise.all(reported.ports.map(async (port) => ((await portListening(port)) ? [port] : [])))).flat();
    while (Date.now() < deadline && (await listening()).length > 0) await sleep(50);
    for (const port of reported.ports) expect(await portListening(port), `port ${port} still listening`).toBe(false);
    expect(serversOnPorts(reported.ports)).toEqual([]);
    // (After SIGKILL no code of the child runs, so its temporary folders stay: afterEach removes them.)
    if (signal !== 'SIGKILL') for (const dir of reported.dirs) expect(existsSync(dir), `${dir} left behind`).toBe(false);
  });
});
