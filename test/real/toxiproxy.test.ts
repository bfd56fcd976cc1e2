/**
 * Toxiproxy between a client and a real redis-server (src/real/toxiproxy.ts): a link forwards,
 * a cut ('drop' or 'hold') makes commands time out, heal restores it, latency delays replies.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/real/process-group.ts';
import { RedisProcess, portListening } from '../../src/real/redis-process.ts';
import {
  TOXIPROXY_VERSION,
  ToxiproxyMissingError,
  ToxiproxyServer,
  findToxiproxyServer,
  linkName,
  toxiproxyServerVersion,
  type Link,
} from '../../src/real/toxiproxy.ts';
import { eventually, realRedisTestsEnabled, toxiproxyTestsEnabled } from './helpers.ts';

describe('locating toxiproxy-server', () => {
  it('says how to install it when it is missing', () => {
    const saved = process.env.LOCKSIM_TOXIPROXY_SERVER;
    process.env.LOCKSIM_TOXIPROXY_SERVER = '/nonexistent/toxiproxy-server';
    try {
      expect(() => findToxiproxyServer()).toThrow(ToxiproxyMissingError);
      expect(() => findToxiproxyServer()).toThrow(/go install github\.com\/Shopify\/toxiproxy\/v2\/cmd\/server@v2\.12\.0/);
      expect(() => findToxiproxyServer()).toThrow(/toxiproxy-server/);
    } finally {
      if (saved === undefined) delete process.env.LOCKSIM_TOXIPROXY_SERVER;
      else process.env.LOCKSIM_TOXIPROXY_SERVER = saved;
    }
  });

  it('names links after their client and node', () => {
    expect(linkName('c1', 'n2')).toBe('c1--n2');
    expect(linkName('client/1', 'node 2')).toBe('client_1--node_2');
  });
});

describe.runIf(toxiproxyTestsEnabled() && realRedisTestsEnabled())('Toxiproxy in front of redis-server', () => {
  let toxiproxy: ToxiproxyServer;
  let node: RedisProcess;
  let current: Link | undefined;
  const clients: Redis[] = [];
  let counter = 0;

  beforeAll(async () => {
    node = await RedisProcess.start({ name: 'n1' });
    toxiproxy = await ToxiproxyServer.start();
  });

  afterAll(async () => {
    await toxiproxy?.stop();
    await node?.dispose();
  });

  afterEach(async () => {
    for (const redis of clients.splice(0)) redis.disconnect();
    await current?.remove();
    current = undefined;
  });

  /** A new link to the node, and a client (commandTimeout 300 ms) connected through it. */
  async function linkAndClient(): Promise<{ redis: Redis; link: Link }> {
    const link = await toxiproxy.createLink({ name: linkName(`c${++counter}`, 'n1'), upstreamPort: node.port });
    current = link;
    const redis = new Redis({
      host: link.host,
      port: link.port,
      commandTimeout: 300,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    redis.on('error', () => {}); // reconnect errors while a link is cut or a node is down are expected
    clients.push(redis);
    expect(await redis.ping()).toBe('PONG');
    return { redis, link };
  }

  it('runs the version real mode is written for, on 127.0.0.1', async () => {
    expect(toxiproxyServerVersion()).toBe(TOXIPROXY_VERSION);
    expect(await toxiproxy.version()).toBe(TOXIPROXY_VERSION);
    expect(toxiproxy.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('forwards a client to its node through a link on 127.0.0.1', async () => {
    const { redis, link } = await linkAndClient();
    expect(link.port).not.toBe(node.port);
    expect(link.upstream).toBe(`127.0.0.1:${node.port}`);
    await redis.set('through-proxy', '1');
    const direct = new Redis({ host: node.host, port: node.port });
    clients.push(direct);
    expect(await direct.get('through-proxy')).toBe('1');
  });

  it.each(['drop', 'hold'] as const)('cut (%s) makes commands time out; heal makes them work again', async (mode) => {
    const { redis, link } = await linkAndClient();
    await link.cut(mode);
    expect(link.state.cut).toBe(mode);
    await expect(redis.ping()).rejects.toThrow();
    // A command that cannot get through fails on the client's own timeout.
    await expect(redis.ping()).rejects.toThrow(/timed out|max retries|connection/i);
    if (mode === 'drop') expect(await portListening(link.port)).toBe(false);
    if (mode === 'hold') expect(await portListening(link.port)).toBe(true);

    await link.heal();
    expect(link.state.cut).toBeUndefined();
    expect(await eventually(() => redis.ping())).toBe('PONG');
  });

  it('hold black-holes a command: it times out after commandTimeout', async () => {
    const { redis, link } = await linkAndClient();
    await link.cut('hold');
    const started = performance.now();
    await expect(redis.ping()).rejects.toThrow(/Command timed out/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    await link.heal();
    expect(await eventually(() => redis.ping())).toBe('PONG');
  });

  it('a 200 ms latency toxic makes a round trip take at least 200 ms, and removing it restores speed', async () => {
    const { redis, link } = await linkAndClient();
    const slowClient = new Redis({ host: link.host, port: link.port, maxRetriesPerRequest: 1 });
    clients.push(slowClient);
    expect(await slowClient.ping()).toBe('PONG');

    const names = await link.addLatency(200);
    expect(names).toEqual(['latency-downstream']);
    expect(link.state.toxics).toEqual(['latency-downstream']);
    const started = performance.now();
    expect(await slowClient.ping()).toBe('PONG');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(5_000);

    await link.removeToxics();
    expect(link.state.toxics).toEqual([]);
    const again = performance.now();
    expect(await redis.ping()).toBe('PONG');
    expect(performance.now() - again).toBeLessThan(200);
  });

  it('latency and a cut are independent', async () => {
    const { redis, link } = await linkAndClient();
    await link.addLatency(50, { direction: 'both', name: 'slow' });
    await link.cut('hold');
    await link.heal();
    expect([...link.state.toxics].sort()).toEqual(['slow-downstream', 'slow-upstream']);
    const started = performance.now();
    expect(await eventually(() => redis.ping())).toBe('PONG');
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    await toxiproxy.reset();
    expect(link.state).toEqual({ cut: undefined, toxics: [] });
  });

  it('stop kills the server', async () => {
    const other = await ToxiproxyServer.start();
    const pid = other.pid as number;
    expect(processAlive(pid)).toBe(true);
    await other.stop();
    expect(processAlive(pid)).toBe(false);
    expect(await portListening(other.port)).toBe(false);
  });
});
