/**
 * Real redis-server nodes (src/real/redis-process.ts): persistence modes across a crash and a
 * restart on the same port and folder, pause/resume, and the errors for a taken port and a
 * missing binary.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/real/process-group.ts';
import {
  PortInUseError,
  RedisProcess,
  RedisServerMissingError,
  freePort,
  persistenceArgs,
  portListening,
  type Persistence,
} from '../../src/real/redis-process.ts';
import { eventually, realRedisTestsEnabled } from './helpers.ts';

describe('persistence arguments', () => {
  it('maps each mode to redis-server flags', () => {
    expect(persistenceArgs('none')).toEqual(['--save', '', '--appendonly', 'no']);
    expect(persistenceArgs('aof-always')).toEqual(['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
    expect(persistenceArgs('aof-everysec')).toEqual(['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec']);
  });

  it('says how to install redis-server when it is missing', async () => {
    const attempt = RedisProcess.start({ binary: '/nonexistent/redis-server' });
    await expect(attempt).rejects.toBeInstanceOf(RedisServerMissingError);
    await expect(attempt).rejects.toThrow(/redis-server not found: apt-get install redis-server/);
  });
});

describe.runIf(realRedisTestsEnabled())('redis-server processes', () => {
  const nodes: RedisProcess[] = [];
  const clients: Redis[] = [];
  const servers: Server[] = [];

  async function start(persistence: Persistence = 'none'): Promise<RedisProcess> {
    const node = await RedisProcess.start({ persistence });
    nodes.push(node);
    return node;
  }

  function connect(node: RedisProcess, options: { commandTimeout?: number } = {}): Redis {
    const redis = new Redis({
      host: node.host,
      port: node.port,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
      ...options,
    });
    redis.on('error', () => {}); // reconnect errors while a link is cut or a node is down are expected
    clients.push(redis);
    return redis;
  }

  afterEach(async () => {
    for (const redis of clients.splice(0)) redis.disconnect();
    for (const server of servers.splice(0)) server.close();
    await Promise.all(nodes.splice(0).map((node) => node.dispose()));
  });

  it('listens on 127.0.0.1 only, and dispose kills it and removes its folder', async () => {
    const node = await start();
    const redis = connect(node);
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect(node.state).toBe('running');
    const pid = node.pid as number;
    await node.dispose();
    expect(processAlive(pid)).toBe(false);
    expect(await portListening(node.port)).toBe(false);
    expect(existsSync(node.dir)).toBe(false);
    expect(node.state).toBe('stopped');
  });

  it.each<[Persistence, boolean]>([
    ['aof-always', true],
    ['none', false],
  ])('with %s, a write survives SIGKILL + restart: %s', async (persistence, survives) => {
    const node = await start(persistence);
    const redis = connect(node);
    expect(await redis.set('lock', 'token-1', 'PX', 60_000)).toBe('OK');
    const { port, dir } = node;
    const oldPid = node.pid;

    expect(await node.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(node.state).toBe('stopped');
    await node.restart();
    expect(node.port).toBe(port);
    expect(node.dir).toBe(dir);
    expect(node.pid).not.toBe(oldPid);

    const value = await eventually(() => redis.get('lock'));
    expect(value).toBe(survives ? 'token-1' : null);
    if (survives) expect(await redis.pttl('lock')).toBeGreaterThan(50_000);
  });

  it('with aof-everysec, a clean stop keeps the data', async () => {
    const node = await start('aof-everysec');
    const redis = connect(node);
    await redis.set('k', 'v');
    await node.stop();
    expect(node.state).toBe('stopped');
    await node.restart();
    expect(await eventually(() => redis.get('k'))).toBe('v');
  });

  it('pauses with SIGSTOP and resumes with SIGCONT', async () => {
    const node = await start();
    const redis = connect(node, { commandTimeout: 300 });
    expect(await redis.ping()).toBe('PONG');
    node.pause();
    expect(node.state).toBe('paused');
    await expect(redis.ping()).rejects.toThrow(/timed out/i);
    node.resume();
    expect(node.state).toBe('running');
    expect(await eventually(() => redis.ping())).toBe('PONG');
  });

  it('can be stopped while paused', async () => {
    const node = await start();
    node.pause();
    const exit = await node.stop(5_000);
    expect(exit?.code === 0 || exit?.signal === 'SIGKILL' || exit?.signal === 'SIGTERM').toBe(true);
    expect(node.state).toBe('stopped');
  });

  it('fails clearly when its port is taken', async () => {
    const port = await freePort();
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((done) => blocker.listen(port, '127.0.0.1', done));
    const attempt = RedisProcess.start({ port });
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
  });

  it('fails clearly when its port is taken while it is down', async () => {
    const node = await start();
    await node.kill();
    const blocker = createServer();
    servers.push(blocker);
    await new Promise<void>((done) => blocker.listen(node.port, '127.0.0.1', done));
    await expect(node.restart()).rejects.toBeInstanceOf(PortInUseError);
    expect(node.state).toBe('stopped');
  });
});
