/**
 * Real mode end to end (src/real/runner.ts, `locksim real`): catalog scenarios replayed against
 * real redis-server processes (under the clock shim), Toxiproxy and one Node process per client
 * reach the verdict the simulation reaches for the same scenario, variant, seed and schedule;
 * the command line prints the same JSON shape as `locksim run` and writes the real-mode HTML
 * report; a missing tool gets an install hint; what real mode cannot do is refused up front; and
 * an interrupted `locksim real` leaves no process, listening port or data folder behind.
 *
 * Real time runs 1:1, so each scenario runs with a shortened duration that still contains its
 * whole story (the violation, or the moment it would happen). The tests run one after another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildClockShim } from '../../src/real/clock-shim.ts';
import { processAlive } from '../../src/real/process-group.ts';
import { RedisServerMissingError, portListening } from '../../src/real/redis-process.ts';
import { MessageLink, ResourceServer, connectResource } from '../../src/real/resource-server.ts';
import { RealModeUnsupportedError, runReal, type RealRunResult } from '../../src/real/runner.ts';
import { RealClock } from '../../src/real/clock.ts';
import { ToxiproxyMissingError } from '../../src/real/toxiproxy.ts';
import { renderTimeline } from '../../src/report/timeline.ts';
import { violationText } from '../../src/report/words.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { findVariant } from '../../src/scenario/run.ts';
import { shimTestsEnabled, sleep, toxiproxyTestsEnabled } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/** redis-server, gcc and toxiproxy-server: under CI=true always (a missing one fails loudly). */
function realModeTestsEnabled(): boolean {
  return shimTestsEnabled() && toxiproxyTestsEnabled();
}

/** What to print when a verdict is not the one wanted: enough to see why without rerunning. */
function explain(result: RealRunResult): string {
  return [
    `${result.scenario}/${result.variant}: real ${result.verdict}, simulated ${result.simulated?.verdict}, expected ${result.expected}`,
    ...result.violations.slice(0, 3).map((v) => `  - ${violationText(v)}`),
    ...result.faultsFired.map((f, i) => `  fault ${f.description}: ${f.effect} (lag ${result.faultTimings[i]?.lagMs.toFixed(1)} ms)`),
    ...result.processErrors.map((e) => `  error in ${e.process}: ${e.message}`),
    renderTimeline(result, { maxLines: 60 }),
  ].join('\n');
}

describe('real mode without servers', () => {
  it('refuses what it cannot replay (message loss on a link to Redis), naming why', async () => {
    const control = await loadScenario('control');
    const faults = [{ kind: 'loss', at: 100, from: ['client-1'], to: ['redis-1'], probability: 0.5, durationMs: 500 }] as const;
    const run = () => runReal(control, { seed: 1, variant: 'redlock', faults, simulate: false });
    await expect(run()).rejects.toThrow(RealModeUnsupportedError);
    await expect(run()).rejects.toThrow(/faults\[0\] .*a TCP link to Redis cannot lose single messages/);
  });

  it('says how to install redis-server and toxiproxy-server when they are missing', async () => {
    const control = await loadScenario('control');
    const saved = { redis: process.env.LOCKSIM_REDIS_SERVER, toxiproxy: process.env.LOCKSIM_TOXIPROXY_SERVER };
    try {
      process.env.LOCKSIM_REDIS_SERVER = '/nonexistent/redis-server';
      await expect(runReal(control, { seed: 1, durationMs: 1000, simulate: false })).rejects.toThrow(RedisServerMissingError);
      await expect(runReal(control, { seed: 1, durationMs: 1000, simulate: false })).rejects.toThrow(/apt-get install redis-server/);
      if (saved.redis === undefined) delete process.env.LOCKSIM_REDIS_SERVER;
      else process.env.LOCKSIM_REDIS_SERVER = saved.redis;
      if (!realModeTestsEnabled()) return; // the redis-server check comes first; the next needs one
      process.env.LOCKSIM_TOXIPROXY_SERVER = '/nonexistent/toxiproxy-server';
      await expect(runReal(control, { seed: 1, durationMs: 1000, simulate: false })).rejects.toThrow(ToxiproxyMissingError);
      await expect(runReal(control, { seed: 1, durationMs: 1000, simulate: false })).rejects.toThrow(/go install github\.com\/Shopify\/toxiproxy/);
    } finally {
      if (saved.redis === undefined) delete process.env.LOCKSIM_REDIS_SERVER;
      else process.env.LOCKSIM_REDIS_SERVER = saved.redis;
      if (saved.toxiproxy === undefined) delete process.env.LOCKSIM_TOXIPROXY_SERVER;
      else process.env.LOCKSIM_TOXIPROXY_SERVER = saved.toxiproxy;
    }
  });

  it('the resource links deliver in order, drop, hold until heal, and delay', async () => {
    const delivered: string[] = [];
    const link = new MessageLink(() => 0.5);
    link.send(() => delivered.push('a'));
    expect(delivered).toEqual(['a']);
    link.setMode('drop');
    link.send(() => delivered.push('dropped'));
    link.setMode('hold');
    link.send(() => delivered.push('b'));
    link.send(() => delivered.push('c'));
    expect(delivered).toEqual(['a']);
    link.setMode('up');
    await sleep(5);
    expect(delivered).toEqual(['a', 'b', 'c']);
    link.delay = { kind: 'fixed', ms: 40 };
    link.send(() => delivered.push('slow'));
    link.delay = null;
    link.send(() => delivered.push('behind it'));
    await sleep(10);
    expect(delivered).toEqual(['a', 'b', 'c']);
    await sleep(80);
    expect(delivered).toEqual(['a', 'b', 'c', 'slow', 'behind it']);
    expect(link.stats).toEqual({ sent: 6, dropped: 1, held: 2, delayed: 1 });
    link.close();
  });

  it('the resource server is the simulated resource: a fenced one refuses a stale token, and logs both writes', async () => {
    let now = 0;
    const server = await ResourceServer.start({ mode: 'fenced', now: () => now, random: () => 0.5 });
    const clock = new RealClock();
    const a = await connectResource(server.port, 'client-1', clock);
    const b = await connectResource(server.port, 'client-2', clock);
    try {
      expect(await a.link({ op: 'read' }, 1000)).toEqual({ op: 'read', value: 0 });
      now = 10;
      expect(await b.link({ op: 'write', value: 1, readValue: 0, token: 2 }, 1000)).toEqual({ op: 'write', accepted: true });
      now = 20;
      expect(await a.link({ op: 'write', value: 1, readValue: 0, token: 1 }, 1000)).toEqual({ op: 'write', accepted: false, reason: 'stale token 1 < 2' });
      expect(server.writes.map((w) => [w.at, w.process, w.accepted])).toEqual([[10, 'client-2', true], [20, 'client-1', false]]);
      server.link('client-1', 'in').setMode('drop');
      expect(await a.link({ op: 'read' }, 50)).toBeNull();
    } finally {
      a.close();
      b.close();
      await server.close();
    }
  });
});

describe.runIf(realModeTestsEnabled())('real mode reaches the simulated verdict', () => {
  beforeAll(async () => {
    await buildClockShim();
  });

  // [scenario, variant, real ms]: each duration still holds the scenario's whole story.
  const cases: ReadonlyArray<readonly [string, string, number]> = [
    // The fault-free control (60 s in the catalog): five clients contend.
    ['control', 'redlock', 6_000],
    // A 15 s stop-the-world pause (SIGSTOP) of the holder; the overlap starts at ~10 s.
    ['gc-pause', 'redlock', 17_000],
    // The same pause, but the fenced resource refuses the stale write when the holder resumes at 15.1 s.
    ['gc-pause', 'redlock+fencing', 17_000],
    // Kleppmann's timeline: partitions through Toxiproxy and a +20 s jump of redis-3's clock shim; overlap from 1.5 s.
    ['clock-jump-partition', 'redlock', 8_000],
    // redis-3 SIGKILLed at 800 ms and restarted empty (no persistence); overlap from 1.5 s.
    ['node-restart', 'persistence-none', 8_000],
    // The holder is partitioned from its only node at 2 s; its key expires at 10 s; it writes at 15 s.
    ['renewal-too-late', 'signal-ignored', 17_000],
    // A client's wall clock stepped back 10 s over IPC; the lease it watches on that clock overstays.
    ['client-clock-step', 'wall-clock', 14_000],
    // The holder's write is held 15 s on its way to the resource (the runner's own link) and lands at ~15.3 s.
    ['delayed-write', 'redlock', 17_000],
    // Replication to the replica is 2 s behind (a latency toxic on its own proxy); the primary is
    // SIGKILLed at 500 ms and the replica promoted at 600 ms without the key or the token counter.
    ['failover', 'single-instance+fencing', 6_000],
  ];

  it.each(cases)('%s / %s', async (name, variantName, durationMs) => {
    const scenario = await loadScenario(name);
    const expected = findVariant(scenario, variantName).expected;
    const result = await runReal(scenario, { seed: 1, variant: variantName, durationMs });
    expect(result.simulated?.verdict, 'the shortened scenario still means the same in simulation').toBe(expected);
    expect(result.verdict, explain(result)).toBe(result.simulated?.verdict);
    expect(result.agrees).toBe(true);
    // A real run is itself (its run id), and its trace hash is its simulated twin's.
    expect(result.traceHash).toBe(result.simulated?.traceHash);
    expect(result.runId).toMatch(/^real-\d{8}T\d{6}Z-\d+-[0-9a-f]{6}$/);
    // Every fault of the schedule took effect, and the history is in true time.
    expect(result.faultsFired).toHaveLength(result.faults.length);
    for (const f of result.faultsFired) expect(f.fired, `${f.description}: ${f.effect}`).toBe(true);
    const times = result.history.events.map((e) => e.at);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(result.stats.acquired).toBeGreaterThan(0);
  }, 120_000);

  // A pause while the acquire's replies are in flight: the real SIGSTOP must land after client-1
  // sent its requests and before it read any reply, as in the simulation, and the late "yes" must
  // then be taken (a Node process resumed after a pause runs its expired timers first: these
  // clients have none that would win). [scenario, variant, real ms]
  const inFlight: ReadonlyArray<readonly [string, string, number]> = [
    ['pause-in-flight', 'single-instance', 17_000],
    ['library-redlock5', 'acquire-3-nodes', 11_000],
  ];
  it.each(inFlight)('%s / %s: the pause lands with the replies in flight, and the late "yes" is taken', async (name, variantName, durationMs) => {
    const scenario = await loadScenario(name);
    const result = await runReal(scenario, { seed: 1, variant: variantName, durationMs });
    expect(result.simulated?.verdict).toBe('unsafe');
    expect(result.verdict, explain(result)).toBe('unsafe');
    const pause = result.faultsFired.find((f) => f.kind === 'pause');
    expect(pause?.fired, explain(result)).toBe(true);
    const events = result.history.events.filter((e) => e.process === 'client-1' && e.kind === 'acquire');
    const invoked = events.find((e) => e.phase === 'invoke');
    const completed = events.find((e) => e.phase !== 'invoke');
    // Asked before the pause, answered "yes" only after the resume: the replies were in flight.
    expect(invoked?.at, explain(result)).toBeLessThan(pause?.at ?? 0);
    expect(completed?.phase, explain(result)).toBe('ok');
    // (The runner stamps the resume once SIGCONT is sent; the resumed client may stamp first: 50 ms slack.)
    expect(completed?.at ?? 0, explain(result)).toBeGreaterThanOrEqual((pause?.endedAt ?? Infinity) - 50_000);
    // client-2 held the lock meanwhile: the keys client-1 was told about had expired.
    expect(result.history.events.some((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok' && e.at < (completed?.at ?? 0))).toBe(true);
  }, 120_000);

  it('a client crash and restart, a held partition, node drift, resource faults and a heal: the verdict agrees', async () => {
    const ref = join(here, 'fixtures', 'real-faults.ts');
    const scenario = await loadScenario(ref);
    const result = await runReal(scenario, { seed: 1, scenarioRef: ref });
    expect(result.simulated?.verdict).toBe('safe');
    expect(result.verdict, explain(result)).toBe('safe');
    expect(result.agrees).toBe(true);
    // The crash is in the history (it ends client-1's section, as simulated), and the restarted
    // client-1 — a new process — took part again.
    const events = result.history.events;
    const crash = events.find((e) => e.process === 'client-1' && e.kind === 'crash');
    expect(crash, explain(result)).toBeDefined();
    const crashAt = crash?.at ?? 0;
    expect(crashAt).toBeGreaterThanOrEqual(300_000);
    expect(events.some((e) => e.process === 'client-1' && e.kind === 'acquire' && e.at > crashAt + 1_000_000), explain(result)).toBe(true);
    const byKind = new Map(result.faultsFired.map((f) => [f.kind, f]));
    expect(byKind.get('crash')?.fired).toBe(true);
    expect(byKind.get('drift')?.effect).toContain('clock shim');
    expect(byKind.get('partition')?.effect).toContain('held');
    expect(byKind.get('heal')?.fired).toBe(true);
    expect(result.processErrors).toEqual([]);
  }, 120_000);
});

/** Every process whose parent chain leads to `root`. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (ppid !== undefined) parent.set(Number(entry), Number(ppid));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** TCP ports in LISTEN state whose sockets belong to `pids`. */
function listeningPorts(pids: readonly number[]): number[] {
  const inodes = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      inodes.set(fields[9] as string, parseInt((fields[1] as string).split(':')[1] as string, 16));
    }
  }
  const ports = new Set<number>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        const port = inode === undefined ? undefined : inodes.get(inode);
        if (port !== undefined) ports.add(port);
      } catch {
        // closed meanwhile
      }
    }
  }
  return [...ports];
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

describe.runIf(realModeTestsEnabled())('locksim real on the command line', () => {
  let child: ChildProcess | undefined;
  const leftovers: number[] = [];
  const tmpDirs: string[] = [];

  afterEach(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    child = undefined;
  });

  afterAll(() => {
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  });

  function locksim(args: readonly string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
    const started = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => started.once('exit', (code, signal) => done({ code, signal })));
    return { child: started, stdout: () => stdout, stderr: () => stderr, exited };
  }

  it('prints the JSON of `locksim run` with the simulated verdict beside it, and writes the real-mode HTML report', async () => {
    const reports = mkdtempSync(join(tmpdir(), 'locksim-real-reports-'));
    tmpDirs.push(reports);
    const run = locksim(['real', 'control', '--variant', 'single-instance', '--duration', '3s', '--json', '--reports', reports]);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const json = JSON.parse(run.stdout()) as Record<string, unknown>;
    expect(json).toMatchObject({ scenario: 'control', variant: 'single-instance', seed: 1, verdict: 'safe', expected: 'safe', matches: true, mode: 'real', agrees: true, violations: [], faultsFired: [] });
    expect(json.simulated).toMatchObject({ verdict: 'safe' });
    // The README's fields at the top level; the trace hash is the simulated twin's, the run id the real run's own.
    expect(json.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(json.traceHash).toBe((json.simulated as { traceHash: string }).traceHash);
    expect(json.runId).toMatch(/^real-\d{8}T\d{6}Z-\d+-[0-9a-f]{6}$/);
    const html = readFileSync(join(reports, 'control', 'single-instance.html'), 'utf8');
    expect(html).toContain('id="real-mode"');
  }, 120_000);

  it('leaves no process, listening port or data folder behind after Ctrl-C mid-run', async () => {
    const run = locksim(['real', 'gc-pause', '--variant', 'redlock', '--no-reports']);
    // Wait until the run is under way (the holder is paused by then).
    const deadline = Date.now() + 60_000;
    while (!run.stderr().includes('real: running') && Date.now() < deadline && run.child.exitCode === null) await sleep(50);
    expect(run.stderr()).toContain('real: running');
    await sleep(1_500);

    const pid = run.child.pid as number;
    const pids = descendants(pid);
    leftovers.push(...pids);
    const commands = pids.map(commandOf);
    expect(commands.filter((c) => c.includes('redis-server')), commands.join('\n')).toHaveLength(5);
    expect(commands.filter((c) => c.includes('toxiproxy-server')), commands.join('\n')).toHaveLength(1);
    expect(commands.filter((c) => c.includes('client-process.ts')), commands.join('\n')).toHaveLength(2);
    // Five nodes, the Toxiproxy API, ten proxies (2 clients x 5 nodes), the resource server.
    const ports = listeningPorts([pid, ...pids]);
    expect(ports.length).toBeGreaterThanOrEqual(17);
    const dataDirs = pids.filter((p) => commandOf(p).includes('redis-server')).map((p) => readlinkSync(`/proc/${p}/cwd`));
    expect(dataDirs).toHaveLength(5);
    for (const dir of dataDirs) expect(existsSync(join(dir, 'clock')), `${dir}/clock (the shim's control file)`).toBe(true);

    run.child.kill('SIGINT');
    const info = await run.exited;
    expect(info.signal ?? info.code).toBe('SIGINT');

    const until = Date.now() + 5_000;
    while (Date.now() < until && pids.some((p) => processAlive(p))) await sleep(50);
    for (const p of pids) expect(processAlive(p), `pid ${p} (${commands[pids.indexOf(p)]}) still alive`).toBe(false);
    for (const port of ports) expect(await portListening(port), `port ${port} still listening`).toBe(false);
    for (const dir of dataDirs) expect(existsSync(dir), `${dir} left behind`).toBe(false);
  }, 120_000);
});
