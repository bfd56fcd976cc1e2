/**
 * Real mode on servers it did not start (src/real/external.ts, `locksim real --external`): the
 * Redis nodes and the Toxiproxy server here are started by the test, as `docker compose up`
 * would start them for a user, and real mode must use them as they are: reach the simulated
 * verdict through its own proxies on that Toxiproxy, leave no proxy behind (after a run, and
 * after Ctrl-C), refuse nodes that hold keys unless told to flush them, and refuse faults it
 * cannot apply to a process it does not own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSE_TOPOLOGY, ExternalToxiproxy, parseTopology, TopologyError, type ExternalTopology } from '../../src/real/external.ts';
import { freePort, RedisProcess } from '../../src/real/redis-process.ts';
import { RealModeUnsupportedError, runReal } from '../../src/real/runner.ts';
import { ToxiproxyServer } from '../../src/real/toxiproxy.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { realRedisTestsEnabled, sleep, toxiproxyTestsEnabled } from './helpers.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('topology files', () => {
  it('reads a topology, with defaults for what it leaves out', () => {
    const t = parseTopology({ toxiproxy: { api: 'http://127.0.0.1:8474/', ports: '21000-21009' }, nodes: [{ address: '127.0.0.1:6381', upstream: 'redis1:6379' }, { address: '127.0.0.1:6382' }] }, 'topo.json');
    expect(t).toEqual({
      source: 'topo.json',
      toxiproxyApi: 'http://127.0.0.1:8474',
      proxyListen: '127.0.0.1',
      proxyHost: '127.0.0.1',
      proxyPorts: { first: 21000, last: 21009 },
      nodes: [
        { host: '127.0.0.1', port: 6381, upstream: 'redis1:6379' },
        { host: '127.0.0.1', port: 6382, upstream: '127.0.0.1:6382' },
      ],
    });
  });

  it('names every field that is wrong, and shows an example', () => {
    const bad = () => parseTopology({ toxiproxy: { api: 'localhost:8474', ports: '9-1' }, nodes: [{ address: 'redis' }], extra: true }, 'bad.json');
    expect(bad).toThrow(TopologyError);
    expect(bad).toThrow(/toxiproxy\.api: must be the API's URL/);
    expect(bad).toThrow(/toxiproxy\.ports: must be a range/);
    expect(bad).toThrow(/nodes\[0\]\.address: must be "host:port"/);
    expect(bad).toThrow(/extra: unknown field/);
    expect(bad).toThrow(/Example:/);
  });

  it("'compose' is the repository's docker-compose.yml: five nodes, the API on 8474, proxies on 21000-21099", () => {
    expect(COMPOSE_TOPOLOGY.nodes.map((n) => `${n.host}:${n.port}→${n.upstream}`)).toEqual([1, 2, 3, 4, 5].map((i) => `127.0.0.1:${6380 + i}→redis${i}:6379`));
    expect(COMPOSE_TOPOLOGY.proxyPorts).toEqual({ first: 21000, last: 21099 });
  });

  it('refuses faults on processes it does not own, naming each', async () => {
    const nodeRestart = await loadScenario('node-restart');
    const run = runReal(nodeRestart, { seed: 1, variant: 'persistence-none', external: COMPOSE_TOPOLOGY, simulate: false });
    await expect(run).rejects.toThrow(RealModeUnsupportedError);
    await expect(runReal(nodeRestart, { seed: 1, variant: 'persistence-none', external: COMPOSE_TOPOLOGY, simulate: false })).rejects.toThrow(
      /faults\[2\] \(@800ms crash redis-3.*\) acts on node redis-3's process or clock: it needs nodes locksim starts itself/,
    );
  });
});

describe.runIf(realRedisTestsEnabled() && toxiproxyTestsEnabled())('real mode on servers somebody else started', () => {
  const nodes: RedisProcess[] = [];
  let toxiproxy: ToxiproxyServer;
  let topology: ExternalTopology;
  const dirs: string[] = [];

  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) nodes.push(await RedisProcess.start({ name: `external-${i}` }));
    toxiproxy = await ToxiproxyServer.start();
    topology = parseTopology({ toxiproxy: { api: toxiproxy.apiUrl }, nodes: nodes.map((n) => ({ address: `127.0.0.1:${n.port}` })) }, 'test topology');
  }, 60_000);

  afterAll(async () => {
    await toxiproxy?.stop();
    await Promise.all(nodes.map((n) => n.dispose()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function proxyNames(): Promise<string[]> {
    return Object.keys((await (await fetch(`${toxiproxy.apiUrl}/proxies`)).json()) as Record<string, unknown>);
  }

  it('gc-pause reaches the simulated verdict through its own proxies, and removes them after', async () => {
    const scenario = await loadScenario('gc-pause');
    const result = await runReal(scenario, { seed: 1, variant: 'redlock', durationMs: 17_000, external: topology, flush: true });
    expect(result.simulated?.verdict).toBe('unsafe');
    expect(result.verdict).toBe('unsafe');
    expect(result.agrees).toBe(true);
    expect(result.external).toBe('test topology');
    expect(result.faultsFired.every((f) => f.fired)).toBe(true);
    expect(await proxyNames()).toEqual([]);
    // The servers are still up: real mode never stops what it did not start.
    for (const n of nodes) expect(n.state).toBe('running');
  }, 120_000);

  it('refuses nodes that hold keys unless --flush, and says so', async () => {
    // The run before left its lock key behind (it expires in 10 s): start from clean nodes.
    for (const n of nodes) {
      const admin = new Redis({ host: '127.0.0.1', port: n.port });
      await admin.flushall();
      if (n === nodes[1]) await admin.set('left-over', 'x');
      await admin.quit();
    }
    const control = await loadScenario('control');
    await expect(runReal(control, { seed: 1, variant: 'redlock', durationMs: 500, external: topology, simulate: false })).rejects.toThrow(
      /redis-2 at 127\.0\.0\.1:\d+ \(from test topology\) holds 1 key; real mode needs empty nodes: pass --flush/,
    );
    const result = await runReal(control, { seed: 1, variant: 'redlock', durationMs: 1_000, external: topology, flush: true, simulate: false });
    expect(result.verdict).toBe('safe');
    expect(await proxyNames()).toEqual([]);
  }, 60_000);

  it('sweeps proxies left by a locksim process that is gone, and leaves other proxies alone', async () => {
    const create = (name: string) =>
      fetch(`${toxiproxy.apiUrl}/proxies`, { method: 'POST', body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${(nodes[0] as RedisProcess).port}` }) }).then((r) => r.text());
    await create('locksim-999999999-client-1--redis-1');
    await create('someone-elses-proxy');
    const { toxiproxy: api, swept } = await ExternalToxiproxy.connect(topology);
    expect(swept).toBe(1);
    expect(await proxyNames()).toEqual(['someone-elses-proxy']);
    await api.removeOwn();
    await fetch(`${toxiproxy.apiUrl}/proxies/someone-elses-proxy`, { method: 'DELETE' });
  });

  it('a heal removes the toxics of its own proxies only, and keeps where they lead', async () => {
    const upstream = `127.0.0.1:${(nodes[0] as RedisProcess).port}`;
    const other = await fetch(`${toxiproxy.apiUrl}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'someone-elses', listen: '127.0.0.1:0', upstream }) });
    expect(other.ok).toBe(true);
    const { toxiproxy: api } = await ExternalToxiproxy.connect(topology);
    const own = await api.createProxy('heal-probe', upstream);
    const toxic = { type: 'latency', stream: 'downstream', attributes: { latency: 1000 } };
    for (const name of [own.name, 'someone-elses']) {
      const added = await fetch(`${toxiproxy.apiUrl}/proxies/${name}/toxics`, { method: 'POST', body: JSON.stringify({ ...toxic, name: 'slow' }) });
      expect(added.ok).toBe(true);
    }
    await api.healOwn();
    const proxies = (await (await fetch(`${toxiproxy.apiUrl}/proxies`)).json()) as Record<string, { upstream: string; enabled: boolean; toxics: unknown[] }>;
    expect(proxies[own.name]).toMatchObject({ upstream, enabled: true, toxics: [] });
    expect(proxies['someone-elses']?.toxics).toHaveLength(1);
    await api.removeOwn();
    await fetch(`${toxiproxy.apiUrl}/proxies/someone-elses`, { method: 'DELETE' });
  });

  it('takes the next port of the range when one is in use', async () => {
    const busy = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(busy, '127.0.0.1', done));
    try {
      const ranged = { ...topology, proxyPorts: { first: busy, last: busy + 1 } };
      const { toxiproxy: api } = await ExternalToxiproxy.connect(ranged);
      const proxy = await api.createProxy('probe', `127.0.0.1:${(nodes[0] as RedisProcess).port}`);
      expect(proxy.port).toBe(busy + 1);
      await api.removeOwn();
      expect(await proxyNames()).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('Ctrl-C mid-run removes its proxies from the external Toxiproxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locksim-topology-'));
    dirs.push(dir);
    const file = join(dir, 'topology.json');
    writeFileSync(file, JSON.stringify({ toxiproxy: { api: toxiproxy.apiUrl }, nodes: nodes.map((n) => ({ address: `127.0.0.1:${n.port}` })) }));
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), 'real', 'gc-pause', '--variant', 'redlock', '--external', file, '--flush', '--no-reports'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((done) => child.once('exit', (code, signal) => done(signal ?? code)));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes('real: running') && Date.now() < deadline && child.exitCode === null) await sleep(50);
    expect(stderr).toContain('real: running');
    // 2 clients x 5 nodes, all named after the run's process.
    const during = await proxyNames();
    expect(during).toHaveLength(10);
    for (const name of during) expect(name.startsWith(`locksim-${child.pid}-`), name).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(await proxyNames()).toEqual([]);
    for (const n of nodes) expect(n.state).toBe('running');
  }, 90_000);
});
