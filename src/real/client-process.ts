/**
 * One client of a real-mode run, as its own Node process (started by src/real/runner.ts with
 * `node --import tsx src/real/client-process.ts` and an IPC channel).
 *
 * It imports the scenario module itself (a lock factory is a function: it cannot be sent), builds
 * the variant's lock with one ioredis client per node — each connected to the node through its
 * Toxiproxy link, never directly — a {@link RealClock} skewed as the scenario says and a seeded
 * random source, connects to the resource server, and on `start` runs the very client loop of
 * the simulation (`runClient` from src/workload/client.ts). Every history event is stamped with
 * true time (CLOCK_MONOTONIC since the run's origin, src/real/true-time.ts) and the client's own
 * clock readings, and streamed to the runner.
 *
 * The runner pauses it with SIGSTOP/SIGCONT, crashes it with SIGKILL, and moves its clock with
 * `clock` messages (drift: a new rate; a jump: a wall-clock step).
 *
 * ioredis is configured so a command is sent at most once, as in the simulation: no offline
 * queue, no resend after a reconnect, and commands pending when a connection closes are failed.
 * A PostgreSQL node is reached with node-postgres itself (the lock's `databases`), through its
 * Toxiproxy link, as user `postgres`.
 */
import { Redis } from 'ioredis';
import type { DatabaseLike, SqlClientConfig, SqlPoolConfig } from '../locks/interface.ts';
import { loadNodePostgres, type NodePostgres } from './node-postgres.ts';
import type { HistoryEvent, OperationKind, Phase } from '../check/history.ts';
import { loadScenario } from '../scenario/load.ts';
import { findVariant } from '../scenario/run.ts';
import { runClient, type ClientEnvironment } from '../workload/client.ts';
import { RealClock } from './clock.ts';
import { isRunnerMessage, type ClientInit, type ClientMessage, type NodeEndpoint, type RunnerMessage } from './protocol.ts';
import { RandomStream } from '../sim/random.ts';
import { connectResource } from './resource-server.ts';
import { TrueTime } from './true-time.ts';

function send(message: ClientMessage): void {
  if (process.send !== undefined && process.connected) process.send(message);
}

let trueTime: TrueTime | undefined;
let commands = 0;
let clock: RealClock | undefined;
let started = false;
let prepared: Promise<(origin: TrueTime) => void> | undefined;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function reportError(error: unknown): void {
  send({ type: 'error', at: trueTime?.now() ?? 0, message: errorText(error) });
}

process.on('uncaughtException', (error) => {
  reportError(error);
  process.exit(1);
});
process.on('unhandledRejection', (error) => reportError(error));
// Without the runner there is nothing to do (it also kills us; this covers a lost channel).
process.on('disconnect', () => process.exit(0));

/** Connects one ioredis client; resolves when connected or after `timeoutMs` (a node may be down). */
function connectNode(host: string, port: number, name: string, commandTimeoutMs: number | undefined, timeoutMs: number): Promise<Redis> {
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    // With enableReadyCheck false, ioredis 5 can emit a stale 'ready' after a close that
    // followed a fresh connect, and then never reconnects: keep the ready check.
    enableReadyCheck: true,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 20,
    connectTimeout: 2_000,
    commandTimeout: commandTimeoutMs,
    connectionName: name,
  });
  redis.on('error', () => {
    // Connection errors are the faults at work; the lock sees them as failed commands.
  });
  if (process.env.LOCKSIM_REAL_DEBUG === '1') {
    for (const event of ['connect', 'ready', 'close', 'reconnecting', 'end', 'error']) {
      redis.on(event, (detail: unknown) => process.stderr.write(`[${((trueTime?.now() ?? 0) / 1000).toFixed(1)} ms] ${name}: ${event}${detail instanceof Error ? ` ${detail.message}` : ''}\n`));
    }
  }
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    commands++;
    return send(command, stream);
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(redis), timeoutMs);
    redis.connect().then(
      () => {
        clearTimeout(timer);
        resolve(redis);
      },
      () => {
        // retried by retryStrategy; the timer resolves
      },
    );
  });
}

/** Counts every query a node-postgres client sends (the run's evidence counts requests to the services). */
function counted<C extends { query: (...args: never[]) => unknown }>(client: C): C {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    commands++;
    return query(...args);
  };
  return client;
}

/** node-postgres pointed at one PostgreSQL node's link. */
function database(pg: NodePostgres, endpoint: NodeEndpoint): DatabaseLike {
  const address = { host: endpoint.host ?? '127.0.0.1', port: endpoint.port, user: 'postgres', database: 'postgres' };
  return {
    name: endpoint.name,
    client: (config: SqlClientConfig = {}) => counted(new pg.Client({ ...config, ...address })),
    pool: (config: SqlPoolConfig = {}) => {
      const pool = new pg.Pool({ ...config, ...address });
      pool.on('connect', (client) => void counted(client));
      return pool;
    },
  };
}

async function prepare(init: ClientInit): Promise<(origin: TrueTime) => void> {
  const scenario = await loadScenario(init.scenarioRef);
  const variant = findVariant(scenario, init.variant);
  clock = new RealClock({ offsetMs: init.clock.offsetMs, rate: init.clock.rate });
  const ownClock = clock;
  const redisNodes = init.nodes.filter((n) => (n.service ?? 'redis') === 'redis');
  const pgEndpoints = init.nodes.filter((n) => n.service === 'postgres');
  const pg = pgEndpoints.length > 0 ? await loadNodePostgres() : undefined;
  const databases = pg === undefined ? [] : pgEndpoints.map((n) => database(pg, n));
  const nodes = await Promise.all(redisNodes.map((n) => connectNode(n.host ?? '127.0.0.1', n.port, `${init.client}-${n.name}`, init.commandTimeoutMs, 2_000)));
  const lock = variant.lock({ nodes, clock: ownClock, random: new RandomStream(init.seed, `client/${init.client}/${init.incarnation}/lock`), ...(databases.length > 0 ? { databases } : {}) });
  const resource = await connectResource(init.resourcePort, init.client, ownClock);
  const workloadRandom = new RandomStream(init.seed, `client/${init.client}/${init.incarnation}/workload`);
  setInterval(() => send({ type: 'stats', commands }), 1_000).unref();
  send({ type: 'ready', lockName: lock.name });
  return (origin: TrueTime) => {
    trueTime = origin;
    const env: ClientEnvironment = {
      clock: ownClock,
      random: { between: (min, max) => min + workloadRandom.next() * (max - min) },
      resource: resource.link,
      record: (kind: OperationKind, phase: Phase, details?: Partial<HistoryEvent>) => {
        send({ type: 'event', event: { ...details, process: init.client, kind, phase, at: origin.now(), wallMs: ownClock.now(), monoMs: ownClock.monotonic() } });
      },
    };
    void runClient(env, lock, init.workload).catch(reportError);
  };
}

function start(originNs: string): void {
  if (started || prepared === undefined) return;
  started = true;
  const origin = TrueTime.fromString(originNs);
  void prepared.then((run) => run(origin), reportError);
}

function handle(message: RunnerMessage): void {
  switch (message.type) {
    case 'init':
      if (prepared !== undefined) return;
      prepared = prepare(message);
      prepared.catch((error: unknown) => {
        reportError(error);
        process.exit(1);
      });
      if (message.originNs !== undefined) start(message.originNs);
      return;
    case 'start':
      start(message.originNs);
      return;
    case 'clock':
      if (clock === undefined) return;
      if (message.rate !== undefined) clock.setRate(message.rate);
      if (message.jumpMs !== undefined) clock.jump(message.jumpMs);
      return;
    case 'stop':
      send({ type: 'stopped', commands });
      return;
  }
}

process.on('message', (message: unknown) => {
  if (isRunnerMessage(message)) handle(message);
});
