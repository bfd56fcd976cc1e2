/**
 * Toxiproxy between a client and a real redis-server, through the one client
 * (src/real/toxiproxy-client.ts) in the nemesis's words: a link forwards; a `drop` cut is a black
 * hole (commands time out, the connection stays open); a `hold` cut keeps what is sent and
 * delivers it on heal; a delay slows one direction; heal undoes one fault, healAll every one;
 * redirect points a link at another node; Toxiproxy's refusals keep its own words.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/real/process-group.ts';
import { RedisProcess, freePort, portListening } from '../../src/real/redis-process.ts';
import { TOXIPROXY_VERSION, ToxiproxyMissingError, ToxiproxyServer, findToxiproxyServer, linkName, toxiproxyServerVersion } from '../../src/real/toxiproxy.ts';
import { HOLD_LATENCY_MS, latencyOf, ToxiproxyRequestError, type ProxyAddress } from '../../src/real/toxiproxy-client.ts';
import { eventually, realRedisTestsEnabled, sleep, toxiproxyTestsEnabled } from './helpers.ts';

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

  it("turns a delay into a latency toxic's latency and jitter", () => {
    expect(latencyOf({ kind: 'fixed', ms: 250.4 })).toEqual({ latency: 250, jitter: 0 });
    expect(latencyOf({ kind: 'uniform', minMs: 100, maxMs: 301 })).toEqual({ latency: 201, jitter: 101 });
  });
});

describe.runIf(toxiproxyTestsEnabled() && realRedisTestsEnabled())('Toxiproxy in front of redis-server', () => {
  let toxiproxy: ToxiproxyServer;
  let node: RedisProcess;
  let other: RedisProcess;
  let current: ProxyAddress | undefined;
  const clients: Redis[] = [];
  let counter = 0;

  beforeAll(async () => {
    node = await RedisProcess.start({ name: 'n1' });
    other = await RedisProcess.start({ name: 'n2' });
    toxiproxy = await ToxiproxyServer.start();
  });

  afterAll(async () => {
    await toxiproxy?.stop();
    await node?.dispose();
    await other?.dispose();
  });

  afterEach(async () => {
    for (const redis of clients.splice(0)) redis.disconnect();
    if (current !== undefined) await toxiproxy.client.removeProxy(current.name);
    current = undefined;
  });

  /** A new link to the node, and a client connected through it (commandTimeout 300 ms unless told otherwise; null: none). */
  async function linkAndClient(timeout: number | null = 300): Promise<{ redis: Redis; link: ProxyAddress }> {
    const commandTimeout = timeout ?? undefined;
    const link = await toxiproxy.createLink(linkName(`c${++counter}`, 'n1'), node.port);
    current = link;
    const redis = new Redis({ host: '127.0.0.1', port: link.port, commandTimeout, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {}); // reconnect errors while a link is cut are expected
    clients.push(redis);
    expect(await redis.ping()).toBe('PONG');
    return { redis, link };
  }

  it('runs the version real mode is written for, on 127.0.0.1', async () => {
    expect(toxiproxyServerVersion()).toBe(TOXIPROXY_VERSION);
    expect(await toxiproxy.version()).toBe(TOXIPROXY_VERSION);
    expect(toxiproxy.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('forwards a client to its node through a link', async () => {
    const { redis, link } = await linkAndClient();
    expect(link.port).not.toBe(node.port);
    await redis.set('through-proxy', '1');
    const direct = new Redis({ host: node.host, port: node.port });
    clients.push(direct);
    expect(await direct.get('through-proxy')).toBe('1');
  });

  it('a drop cut is a black hole: the command times out, the link still listens; heal makes it work again', async () => {
    const { redis, link } = await linkAndClient();
    await toxiproxy.client.cut(link.name, 'upstream', 'drop', 'f0-cut-upstream');
    expect(await toxiproxy.client.toxicNames(link.name)).toEqual(['f0-cut-upstream']);
    await expect(redis.ping()).rejects.toThrow(/Command timed out/);
    expect(await portListening(link.port)).toBe(true);
    await toxiproxy.client.heal(link.name, 'f0-cut-upstream');
    expect(await toxiproxy.client.toxicNames(link.name)).toEqual([]);
    expect(await eventually(() => redis.ping())).toBe('PONG');
  });

  it('a hold cut keeps what is sent and delivers it when healed', async () => {
    const { redis, link } = await linkAndClient(null);
    await toxiproxy.client.cut(link.name, 'downstream', 'hold', 'f0-hold-downstream');
    let answer: string | undefined;
    const ping = redis.ping().then((reply) => (answer = reply));
    await sleep(300);
    expect(answer).toBeUndefined();
    await toxiproxy.client.heal(link.name, 'f0-hold-downstream');
    await ping;
    expect(answer).toBe('PONG');
    expect(HOLD_LATENCY_MS).toBe(24 * 3600 * 1000);
  });

  it('a delay of 200 ms on the replies makes a round trip take at least 200 ms; its heal ends it', async () => {
    const { redis, link } = await linkAndClient(5_000);
    await toxiproxy.client.delay(link.name, 'downstream', { kind: 'fixed', ms: 200 }, 'f1-delay-downstream');
    const started = performance.now();
    expect(await redis.ping()).toBe('PONG');
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    await toxiproxy.client.heal(link.name, 'f1-delay-downstream');
    expect(await toxiproxy.client.toxicNames(link.name)).toEqual([]);
    expect(await redis.ping()).toBe('PONG');
  });

  it('healing one fault leaves the others; healAll heals every one', async () => {
    const { redis, link } = await linkAndClient(5_000);
    await toxiproxy.client.delay(link.name, 'upstream', { kind: 'fixed', ms: 50 }, 'world-delay-upstream');
    await toxiproxy.client.cut(link.name, 'upstream', 'drop', 'f2-cut-upstream');
    await toxiproxy.client.heal(link.name, 'f2-cut-upstream');
    expect(await toxiproxy.client.toxicNames(link.name)).toEqual(['world-delay-upstream']);
    const started = performance.now();
    expect(await eventually(() => redis.ping())).toBe('PONG');
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    await toxiproxy.client.healAll();
    expect(await toxiproxy.client.toxicNames(link.name)).toEqual([]);
    // Healing what is already healed is fine.
    await toxiproxy.client.heal(link.name, 'world-delay-upstream');
  });

  it('redirect points a link at another node: clients reconnect and reach it', async () => {
    const { redis, link } = await linkAndClient(1_000);
    const direct = new Redis({ host: other.host, port: other.port });
    clients.push(direct);
    await direct.set('where', 'n2');
    expect(await redis.get('where')).toBeNull();
    await toxiproxy.client.redirect(link.name, `127.0.0.1:${other.port}`);
    expect(await eventually(() => redis.get('where'))).toBe('n2');
  });

  it("keeps Toxiproxy's own words when it refuses a request", async () => {
    const taken = await freePort();
    const { link } = await linkAndClient();
    const busy = await toxiproxy.client.createProxy('busy-port', `127.0.0.1:${taken}`, `127.0.0.1:${node.port}`);
    try {
      const clash = toxiproxy.client.createProxy('second-on-busy-port', `127.0.0.1:${taken}`, `127.0.0.1:${node.port}`);
      await expect(clash).rejects.toThrow(ToxiproxyRequestError);
      await expect(toxiproxy.client.createProxy('another', `127.0.0.1:${taken}`, `127.0.0.1:${node.port}`)).rejects.toThrow(/HTTP 500 listen tcp 127\.0\.0\.1:\d+: bind: address already in use/);
      await expect(toxiproxy.client.createProxy(link.name, '127.0.0.1:0', `127.0.0.1:${node.port}`)).rejects.toThrow(/POST \/proxies: HTTP 409 proxy already exists/);
    } finally {
      await toxiproxy.client.removeProxy(busy.name);
    }
  });

  it('stop kills the server', async () => {
    const second = await ToxiproxyServer.start();
    const pid = second.pid as number;
    expect(processAlive(pid)).toBe(true);
    await second.stop();
    expect(processAlive(pid)).toBe(false);
    expect(await portListening(second.port)).toBe(false);
  });
});
