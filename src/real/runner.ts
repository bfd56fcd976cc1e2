/**
 * Real mode: replays one variant of a scenario against real processes and judges the history
 * with the same checkers as the simulation.
 *
 * Topology (everything on 127.0.0.1, on free ports, through src/real/process-group.ts so that
 * nothing outlives the run, a failure or Ctrl-C):
 *
 * - one `redis-server` per node of the world, with the node's persistence, under the clock shim
 *   (its wall-clock offset and drift from the node's spec; drift and jump faults move it);
 * - one `toxiproxy-server` with a proxy per (client, node) pair: clients reach nodes only
 *   through their own proxies, so a partition can cut one client from one node;
 * - the protected resource, a TCP server in this process (src/real/resource-server.ts), which
 *   logs every write in true time;
 * - one Node process per client (src/real/client-process.ts) running the simulation's client
 *   loop with the variant's lock over ioredis and a `RealClock`, streaming its history here.
 *
 * True time is CLOCK_MONOTONIC since the run's start (src/real/true-time.ts); clients stamp
 * their own events with it. The fault schedule is applied by src/real/nemesis.ts at the faults'
 * true times (real time runs 1:1: a 30 s scenario takes 30 s); faults due at 0 ms are put in
 * place before the clients start. Afterwards the same scenario, variant, seed and schedule run in
 * simulation, and the two verdicts are set side by side: real mode cannot be bit-exact, but the
 * verdict must agree.
 *
 * A replica (`replicaOf`) is a redis-server told `REPLICAOF` its primary through a Toxiproxy
 * proxy of its own, so the scenario's delays and partitions between the two nodes apply to the
 * replication stream; a failover is `REPLICAOF NO ONE` on the replica and every client link to
 * the primary re-pointed at it (Toxiproxy closes the links' connections; clients reconnect, as
 * they do when Sentinel announces a new primary).
 *
 * Not supported: message loss on a link to Redis (a TCP stream cannot lose single messages);
 * such a scenario is refused up front with {@link RealModeUnsupportedError}.
 */
import { judge } from '../check/judge.ts';
import { EvidenceTally, verdictWithEvidence } from '../check/evidence.ts';
import { historyCounts } from '../check/damage.ts';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { emptyHistory, type FaultRecord, type History, type HistoryEvent } from '../check/history.ts';
import type { Fault } from '../faults/fault.ts';
import { faultsOutsideModel } from '../faults/model.ts';
import { findVariant, runScenario, type RunResult, type Violation } from '../scenario/run.ts';
import { planRun } from '../scenario/plan.ts';
import {
  modelWorld,
  nodeSpecs,
  variantFaults,
  variantWorld,
  type ClientSpec,
  type Property,
  type Scenario,
  type Variant,
  type Verdict,
} from '../scenario/types.ts';
import type { Micros } from '../sim/time.ts';
import { buildClockShim } from './clock-shim.ts';
import { RealNemesis, unsupportedFaults, type FaultTiming, type RealClientHandle, type RealClientState, type RealNodeHandle, type RealWorld } from './nemesis.ts';
import { spawnManaged, type ManagedChild } from './process-group.ts';
import { isClientMessage, type ClientInit, type ClientMessage, type NodeEndpoint } from './protocol.ts';
import { SeededRandom } from './random.ts';
import { RedisProcess, redisServerPath } from './redis-process.ts';
import { ResourceServer } from './resource-server.ts';
import { findToxiproxyServer, linkName, TOXIPROXY_VERSION, ToxiproxyServer } from './toxiproxy.ts';
import type { ProxyAddress, ToxiproxyClient } from './toxiproxy-client.ts';
import { ExternalToxiproxy, externalProblems, TopologyError, type ExternalNode, type ExternalTopology } from './external.ts';
import { TrueTime } from './true-time.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (or, in the installed package, dist/). */
const REPO_ROOT = resolve(HERE, '..', '..');
/** The client process's entry point, beside this file: .ts from the sources, .js when built. */
export const CLIENT_PROCESS_SCRIPT = join(HERE, `client-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`);

/** How long client processes may take to start and connect. */
const CLIENT_READY_TIMEOUT_MS = 60_000;

export interface RealRunOptions {
  readonly seed: number;
  /** The variant's name (default: the scenario's first). */
  readonly variant?: string;
  /**
   * How the client processes load the scenario (they need its lock factory): a catalog name or
   * a path to the scenario's module. Default: the scenario's name (a catalog scenario).
   */
  readonly scenarioRef?: string;
  /** Run this many ms of real time instead of the world's `durationMs` (the simulation gets the same). */
  readonly durationMs?: number;
  /** A fault schedule instead of the variant's own. */
  readonly faults?: readonly Fault[];
  /** Also run the simulation of the same world and schedule, for the side-by-side verdict (default true). */
  readonly simulate?: boolean;
  /** Called with a line of progress now and then (starting, running, judging). */
  readonly onProgress?: (line: string) => void;
  /**
   * Use these already running Redis nodes and Toxiproxy (src/real/external.ts) instead of
   * starting them; faults on a node's process or clock are then refused.
   */
  readonly external?: ExternalTopology;
  /** With `external`: empty the nodes (FLUSHALL) first; without it a node holding keys is refused. */
  readonly flush?: boolean;
}

/** A real run: a RunResult (traceHash `real`, no kernel trace) plus the simulated verdict beside it. */
export interface RealRunResult extends RunResult {
  readonly mode: 'real';
  /** The simulation of the same scenario, variant, seed, duration and schedule (null if not asked for). */
  readonly simulated: RunResult | null;
  /** Whether the real verdict equals the simulated one (null without a simulation). */
  readonly agrees: boolean | null;
  /** For each of `faultsFired`: when it was due, when it took effect, the lag. */
  readonly faultTimings: readonly FaultTiming[];
  /** How long the run lasted in true time, ms. */
  readonly durationMs: number;
  /** Wall time of the whole thing (start-up, run, teardown, simulation), ms. */
  readonly wallMs: number;
  /** Things worth knowing about how the scenario was mapped to real processes. */
  readonly notes: readonly string[];
  /** Where the servers came from when they were not started by the run (the topology's source); null otherwise. */
  readonly external: string | null;
}

/** The scenario needs something real mode does not do. */
export class RealModeUnsupportedError extends Error {
  constructor(
    readonly scenario: string,
    readonly variant: string,
    readonly problems: readonly string[],
  ) {
    super(`${scenario}/${variant} cannot run in real mode:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RealModeUnsupportedError';
  }
}

/** Why a variant cannot run for real (empty: it can). */
export function realModeProblems(scenario: Scenario, variant: Variant, faults: readonly Fault[] = variantFaults(scenario, variant)): string[] {
  const world = variantWorld(scenario, variant);
  const nodes = nodeSpecs(world);
  const problems: string[] = [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const n of nodes) {
    const primary = n.replicaOf === undefined ? undefined : byName.get(n.replicaOf);
    if (primary?.replicaOf !== undefined) problems.push(`node ${n.name} is a replica of ${primary.name}, itself a replica: real mode replicates from primaries only`);
  }
  const names = new Set(nodes.map((n) => n.name));
  problems.push(...unsupportedFaults(faults, (p) => names.has(p)));
  return problems;
}

/**
 * Checks that redis-server, toxiproxy-server and gcc (for the clock shim) are there, and builds
 * the shim. Throws the infrastructure's errors, which say how to install what is missing.
 */
export async function checkRealModeTools(): Promise<void> {
  redisServerPath();
  findToxiproxyServer();
  await buildClockShim();
}

/** The scenario with `durationMs` as the given variant's run length (for the simulation beside a shortened real run). */
export function withDuration(scenario: Scenario, variantName: string, durationMs: number): Scenario {
  return {
    ...scenario,
    variants: scenario.variants.map((v) => (v.name === variantName ? { ...v, world: { ...v.world, durationMs } } : v)),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A scenario reference a child process can load from the repository root. */
function childRef(ref: string): string {
  const looksLikePath = ref.includes('/') || ref.endsWith('.ts') || ref.endsWith('.js') || ref.endsWith('.mjs');
  return looksLikePath && !isAbsolute(ref) ? resolve(ref) : ref;
}

/** What a client process needs from the run. */
interface ClientContext {
  init(client: ClientProcess, incarnation: number): ClientInit;
  origin(): TrueTime | undefined;
  over(): boolean;
  onEvent(event: HistoryEvent): void;
  onError(process: string, at: Micros, message: string): void;
  /** The process died without being told to (not a fault): record it as a crash. */
  onUnexpectedExit(client: ClientProcess, message: string): void;
}

/** One client: its current child process and what the runner knows of its clock. */
class ClientProcess implements RealClientHandle {
  state: RealClientState = 'starting';
  rate: number;
  offsetMs: number;
  incarnation = -1;
  lockName = '';
  /** Redis commands sent by earlier processes of this client plus the current one's last count. */
  private commandsBefore = 0;
  private commandsNow = 0;
  private child: ManagedChild | undefined;
  private stderr = '';
  private lastEvent: { at: Micros; wallMs: number; monoMs: number } | undefined;
  private onReady: (() => void) | undefined;
  private onStopped: (() => void) | undefined;
  /** The next incarnation's process, started at a crash, ready to run at the restart. */
  private standby: Promise<void> | undefined;
  private restarting = false;

  constructor(
    readonly name: string,
    spec: ClientSpec,
    private readonly context: ClientContext,
  ) {
    this.rate = 1 + (spec.driftPpm ?? 0) / 1_000_000;
    this.offsetMs = spec.wallOffsetMs ?? 0;
  }

  get commands(): number {
    return this.commandsBefore + this.commandsNow;
  }

  /** Starts the first process of this client; resolves once it is connected and ready. */
  spawn(): Promise<void> {
    this.state = 'starting';
    return this.launch();
  }

  /**
   * Spawns the next process of this client and sends it its init; resolves once it is
   * connected and ready. In the run (`originNs` known) the process waits for `start`, unless
   * `startAtOnce`.
   */
  private launch(startAtOnce = false): Promise<void> {
    this.incarnation++;
    this.commandsBefore += this.commandsNow;
    this.commandsNow = 0;
    this.stderr = '';
    const child = spawnManaged(`client ${this.name}#${this.incarnation}`, process.execPath, ['--import', 'tsx', CLIENT_PROCESS_SCRIPT], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4_000);
      // LOCKSIM_REAL_DEBUG=1: the clients' connection events, as they happen.
      if (process.env.LOCKSIM_REAL_DEBUG === '1') process.stderr.write(chunk);
    });
    child.process.stdout?.resume();
    child.process.on('message', (message: unknown) => {
      if (child === this.child && isClientMessage(message)) this.receive(message);
    });
    void child.exited.then((info) => {
      if (child !== this.child || this.state === 'crashed' || this.context.over()) return;
      this.state = 'crashed';
      this.context.onUnexpectedExit(this, `exited on its own (code ${info.code}, signal ${info.signal})${this.stderr.trim() === '' ? '' : `: ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`}`);
    });
    const ready = new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`client process ${this.name} was not ready within ${CLIENT_READY_TIMEOUT_MS} ms${this.stderr === '' ? '' : `:\n${this.stderr}`}`)), CLIENT_READY_TIMEOUT_MS);
      this.onReady = () => {
        clearTimeout(timer);
        done();
      };
      void child.exited.then((info) => {
        clearTimeout(timer);
        fail(new Error(`client process ${this.name} exited before it was ready (code ${info.code}, signal ${info.signal})${this.stderr === '' ? '' : `:\n${this.stderr}`}`));
      });
    });
    ready.catch(() => {});
    const init = this.context.init(this, this.incarnation);
    this.post(startAtOnce ? init : { ...init, originNs: undefined });
    return ready;
  }

  /** Starts the workload (true time counts from `origin`). */
  start(origin: TrueTime): void {
    this.post({ type: 'start', originNs: origin.toString() });
  }

  pause(): boolean {
    if (this.state !== 'running' || this.child === undefined) return false;
    this.child.signal('SIGSTOP');
    this.state = 'paused';
    return true;
  }

  resume(): boolean {
    if (this.state !== 'paused' || this.child === undefined) return false;
    this.child.signal('SIGCONT');
    this.state = 'running';
    return true;
  }

  /**
   * SIGKILL. Then a standby process for the next incarnation is started at once (it loads the
   * scenario and connects, and waits): starting Node takes a second or two, and a restart should
   * take as long as in the simulation, i.e. no time.
   */
  crash(): boolean {
    const child = this.child;
    if (child === undefined || !child.alive || this.state === 'crashed') return false;
    this.state = 'crashed';
    this.onReady = undefined;
    this.standby = child.kill().then(() => (this.context.over() ? Promise.reject(new Error('the run is over')) : this.launch()));
    this.standby.catch(() => {});
    return true;
  }

  /** Starts the standby (or, if it failed, a new process); resolves with how long that took, ms. */
  async restart(): Promise<number | null> {
    if (this.state !== 'crashed' || this.context.over() || this.restarting) return null;
    this.restarting = true;
    const began = performance.now();
    try {
      let ready = false;
      if (this.standby !== undefined) ready = await this.standby.then(() => true, () => false);
      this.standby = undefined;
      const origin = this.context.origin();
      if (this.context.over() || origin === undefined) return null;
      if (ready) {
        this.start(origin);
      } else {
        await this.launch(true);
        if (this.context.over()) return null;
      }
      this.state = 'running';
      return performance.now() - began;
    } catch (error) {
      if (!this.context.over()) this.context.onError(this.name, this.context.origin()?.now() ?? 0, `restart failed: ${errorText(error)}`);
      return null;
    } finally {
      this.restarting = false;
    }
  }

  setRate(rate: number): void {
    // Keep the offset the old rate built up, as RealClock does (approximately: for a restart).
    this.rate = rate;
    this.post({ type: 'clock', rate });
  }

  jump(deltaMs: number): void {
    this.offsetMs += deltaMs;
    this.post({ type: 'clock', jumpMs: deltaMs });
  }

  /** The client's clock readings now, extrapolated from its last event (for a crash record). */
  clockNow(at: Micros): { wallMs: number; monoMs: number } {
    const last = this.lastEvent;
    if (last === undefined) return { wallMs: Math.floor(Date.now() + this.offsetMs), monoMs: 0 };
    const elapsed = ((at - last.at) / 1000) * this.rate;
    return { wallMs: Math.floor(last.wallMs + elapsed), monoMs: last.monoMs + elapsed };
  }

  /** Asks a running process for its final counts (waits at most `timeoutMs`). */
  async stop(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined || !child.alive || this.state !== 'running') return;
    const stopped = new Promise<void>((done) => {
      this.onStopped = done;
    });
    this.post({ type: 'stop' });
    await Promise.race([stopped, sleep(timeoutMs), child.exited]);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child !== undefined && child.alive) await child.kill();
  }

  private post(message: ClientInit | { type: 'start'; originNs: string } | { type: 'clock'; rate?: number; jumpMs?: number } | { type: 'stop' }): void {
    const child = this.child?.process;
    if (child === undefined || !child.connected) return;
    child.send(message, (error) => {
      // A process that died meanwhile cannot be told anything; nothing to do.
      void error;
    });
  }

  private receive(message: ClientMessage): void {
    switch (message.type) {
      case 'ready':
        this.lockName = message.lockName;
        if (this.state === 'starting') this.state = 'running';
        this.onReady?.();
        this.onReady = undefined;
        return;
      case 'event': {
        const event = message.event as HistoryEvent;
        this.lastEvent = { at: event.at, wallMs: event.wallMs, monoMs: event.monoMs };
        this.context.onEvent(event);
        return;
      }
      case 'stats':
        this.commandsNow = message.commands;
        return;
      case 'error':
        this.context.onError(this.name, message.at, message.message);
        return;
      case 'stopped':
        this.commandsNow = message.commands;
        this.onStopped?.();
        this.onStopped = undefined;
        return;
    }
  }
}

/** A direct (not proxied) connection to a node, to count its keys for the fault records. */
function adminConnection(port: number, host = '127.0.0.1'): Redis {
  const redis = new Redis({
    host,
    port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // With enableReadyCheck false, ioredis 5 can emit a stale 'ready' after a close that
    // followed a fresh connect, and then never reconnects: keep the ready check.
    enableReadyCheck: true,
    retryStrategy: () => 20,
    connectionName: 'locksim-admin',
  });
  redis.on('error', () => {});
  return redis;
}

async function countKeys(redis: Redis, node: RedisProcess | undefined): Promise<number | null> {
  if (node !== undefined && node.state !== 'running') return null;
  const deadline = performance.now() + 1_000;
  while (redis.status !== 'ready' && performance.now() < deadline) await sleep(10);
  if (redis.status !== 'ready') return null;
  const reply = await Promise.race([redis.call('DBSIZE').catch(() => null), sleep(500).then(() => null)]);
  return typeof reply === 'number' ? reply : null;
}

/**
 * Makes a node a replica of whatever listens on `port` (its primary's proxy) and waits until the
 * first synchronisation is done, so the run starts with replication flowing.
 */
async function startReplication(admin: Redis, name: string, port: number): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (admin.status !== 'ready' && performance.now() < deadline) await sleep(10);
  await admin.call('REPLICAOF', '127.0.0.1', String(port));
  let info = '';
  while (performance.now() < deadline) {
    info = String(await admin.call('INFO', 'replication'));
    if (/master_link_status:up/.test(info)) return;
    await sleep(20);
  }
  throw new Error(`replica ${name} did not synchronise with its primary within 15 s:\n${info}`);
}

/**
 * An external node must answer, and be empty (a key left from before would be taken for a
 * holder's); with `flush` it is emptied.
 */
async function checkExternalNode(admin: Redis, name: string, target: ExternalNode, topology: ExternalTopology, flush: boolean): Promise<void> {
  const where = `Redis node ${name} at ${target.host}:${target.port} (from ${topology.source})`;
  const deadline = performance.now() + 3_000;
  while (admin.status !== 'ready' && performance.now() < deadline) await sleep(20);
  if (admin.status !== 'ready') throw new TopologyError(`${where} does not answer: start it (docker compose -f node_modules/locksim/docker-compose.yml up -d, or docker compose up -d in a locksim checkout) or fix the topology`);
  if (flush) {
    await admin.call('FLUSHALL');
    await admin.call('SCRIPT', 'FLUSH');
    return;
  }
  const keys = await admin.call('DBSIZE');
  if (typeof keys === 'number' && keys > 0) throw new TopologyError(`${where} holds ${keys} key${keys === 1 ? '' : 's'}; real mode needs empty nodes: pass --flush to empty them (FLUSHALL) first`);
}

/** Runs one variant of a scenario against real processes; see the file comment. */
export async function runReal(scenario: Scenario, options: RealRunOptions): Promise<RealRunResult> {
  const began = performance.now();
  const progress = options.onProgress ?? (() => {});
  const variant = findVariant(scenario, options.variant);
  const plan = planRun(scenario, variant, options);
  const { durationMs, faults, workload, resourceMode, lockNodes } = plan;
  const worldSpec = plan.world;
  const external = options.external;
  const problems = realModeProblems(scenario, variant, faults);
  if (external !== undefined) problems.push(...externalProblems(external, plan.nodes, faults));
  if (problems.length > 0) throw new RealModeUnsupportedError(scenario.name, variant.name, problems);
  const scenarioRef = childRef(options.scenarioRef ?? scenario.name);
  if (external === undefined) await checkRealModeTools();

  const specs = plan.nodes;
  const clientList = plan.clients;
  const history = emptyHistory();
  const processErrors: Array<{ at: Micros; process: string; message: string }> = [];
  const notes: string[] = [];
  const events: HistoryEvent[] = [];
  let origin: TrueTime | undefined;
  let over = false;
  const now = (): Micros => origin?.now() ?? 0;

  const redisNodes = new Map<string, RedisProcess>();
  const admins: Redis[] = [];
  let toxiproxy: ToxiproxyServer | undefined;
  let externalProxy: ExternalToxiproxy | undefined;
  let resource: ResourceServer | undefined;
  const clients = new Map<string, ClientProcess>();
  let nemesis: RealNemesis | undefined;
  let endedAt: Micros = 0;
  const blockedAtEnd = new Set<string>();

  try {
    const nodeHandles = new Map<string, RealNodeHandle>();
    /** A proxy from a client (or a replica) to a node: its name, and the port (on `proxyHost`) it listens on. */
    let createLink: (name: string, node: string) => Promise<ProxyAddress>;
    let toxics: ToxiproxyClient;
    let healAll: () => Promise<void>;
    let proxyHost = '127.0.0.1';
    if (external === undefined) {
      progress(`starting ${specs.length} redis-server (clock shim), toxiproxy-server and ${clientList.length} client processes`);
      const started = await Promise.allSettled(
        specs.map((spec) =>
          RedisProcess.start({
            name: spec.name,
            persistence: spec.persistence ?? 'none',
            clock: { offsetMs: spec.wallOffsetMs ?? 0, rate: 1 + (spec.driftPpm ?? 0) / 1_000_000 },
          }).then((node) => redisNodes.set(spec.name, node)),
        ),
      );
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      for (const spec of specs) {
        const redis = redisNodes.get(spec.name) as RedisProcess;
        const admin = adminConnection(redis.port);
        admins.push(admin);
        nodeHandles.set(spec.name, { name: spec.name, redis, keys: () => countKeys(admin, redis) });
      }
      toxiproxy = await ToxiproxyServer.start();
      const server = toxiproxy;
      toxics = server.client;
      healAll = () => server.client.healAll();
      createLink = (name, node) => server.createLink(name, (redisNodes.get(node) as RedisProcess).port);
    } else {
      progress(`using ${specs.length} running Redis node(s) and Toxiproxy from ${external.source}; starting ${clientList.length} client processes`);
      for (const [i, spec] of specs.entries()) {
        const target = external.nodes[i] as ExternalNode;
        const admin = adminConnection(target.port, target.host);
        admins.push(admin);
        await checkExternalNode(admin, spec.name, target, external, options.flush === true);
        nodeHandles.set(spec.name, { name: spec.name, redis: undefined, keys: () => countKeys(admin, undefined) });
      }
      const connected = await ExternalToxiproxy.connect(external);
      externalProxy = connected.toxiproxy;
      const api = connected.toxiproxy;
      if (connected.version !== TOXIPROXY_VERSION) notes.push(`the external Toxiproxy is version ${connected.version} (locksim is tested with ${TOXIPROXY_VERSION})`);
      if (connected.swept > 0) notes.push(`removed ${connected.swept} proxies left on the external Toxiproxy by locksim runs that are gone`);
      notes.push(`external servers (${external.source}): ${specs.map((n, i) => `${n.name}=${(external.nodes[i] as ExternalNode).host}:${(external.nodes[i] as ExternalNode).port}`).join(', ')}`);
      toxics = api.client;
      proxyHost = external.proxyHost;
      healAll = () => api.healOwn();
      createLink = (name, node) => api.createProxy(name, (external.nodes[specs.findIndex((n) => n.name === node)] as ExternalNode).upstream);
    }

    const links = new Map<string, { port: number; name: string }>();
    for (const c of clientList) {
      for (const n of lockNodes) {
        if (!nodeHandles.has(n)) throw new Error(`variant ${variant.name} names node '${n}', which is not in the world`);
        links.set(`${c.name}|${n}`, await createLink(linkName(c.name, n), n));
      }
    }
    // Replicas follow their primary through a proxy of their own (the replication stream's link).
    for (const spec of specs) {
      if (spec.replicaOf === undefined) continue;
      const link = await createLink(linkName(spec.name, spec.replicaOf), spec.replicaOf);
      links.set(`${spec.name}|${spec.replicaOf}`, link);
      await startReplication(admins[specs.indexOf(spec)] as Redis, spec.name, link.port);
    }

    // A world that declares its network delay gets it on every link (Toxiproxy latency, each
    // way); without one, the loopback's own fraction of a millisecond stands for the default.
    const worldDelay = worldSpec.delay;
    const addWorldDelay = async (): Promise<void> => {
      if (worldDelay === undefined) return;
      await Promise.all([...links.values()].flatMap((l) => (['upstream', 'downstream'] as const).map((stream) => toxics.delay(l.name, stream, worldDelay, `world-delay-${stream}`))));
    };
    if (worldDelay !== undefined) {
      await addWorldDelay();
      notes.push(`the world's network delay is a Toxiproxy latency toxic each way on every client-node link (resource links: loopback)`);
    }

    const random = new SeededRandom(`${options.seed}/real/resource`);
    const server = await ResourceServer.start({ mode: resourceMode, now, random: () => random.next() });
    resource = server;

    const context: ClientContext = {
      init: (client, incarnation) => {
        const spec = clientList.find((c) => c.name === client.name) as ClientSpec;
        const start = spec.startMs === undefined || incarnation > 0 ? workload : { ...workload, startMs: { min: spec.startMs, max: spec.startMs } };
        const nodes: NodeEndpoint[] = lockNodes.map((n) => ({ name: n, host: proxyHost, port: (links.get(`${client.name}|${n}`) as { port: number }).port }));
        return {
          type: 'init',
          client: client.name,
          incarnation,
          scenarioRef,
          variant: variant.name,
          seed: options.seed,
          workload: start,
          nodes,
          resourcePort: server.port,
          clock: { offsetMs: client.offsetMs, rate: client.rate },
          commandTimeoutMs: variant.commandTimeoutMs,
          originNs: origin?.toString(),
        };
      },
      origin: () => origin,
      over: () => over,
      onEvent: (event) => {
        if (!over) events.push(event);
      },
      onError: (process, at, message) => {
        if (!over) processErrors.push({ at, process, message });
      },
      onUnexpectedExit: (client, message) => {
        const at = now();
        processErrors.push({ at, process: client.name, message });
        if (origin !== undefined) events.push({ index: 0, process: client.name, kind: 'crash', phase: 'info', at, ...client.clockNow(at) });
      },
    };
    for (const c of clientList) clients.set(c.name, new ClientProcess(c.name, c, context));
    await Promise.all([...clients.values()].map((c) => c.spawn()));

    const world: RealWorld = {
      now,
      nodes: nodeHandles,
      clients,
      resource: server,
      linkOf: (client, node) => links.get(`${client}|${node}`)?.name,
      toxics,
      healAll: async () => {
        await healAll();
        await addWorldDelay();
      },
      failover: async (replicaName) => {
        const spec = specs.find((n) => n.name === replicaName);
        const replica = redisNodes.get(replicaName);
        if (spec?.replicaOf === undefined || replica === undefined) return null;
        const admin = admins[specs.indexOf(spec)] as Redis;
        await admin.call('REPLICAOF', 'NO', 'ONE');
        const keys = await countKeys(admin, replica);
        // Every client link to the old primary now leads to the promoted replica.
        const moved = [...links.entries()].filter(([key]) => key.endsWith(`|${spec.replicaOf}`) && !key.startsWith(`${replicaName}|`));
        await Promise.all(moved.map(([, l]) => toxics.redirect(l.name, `127.0.0.1:${replica.port}`)));
        return `${replicaName} promoted (REPLICAOF NO ONE) holding ${keys ?? '?'} keys; ${moved.length} client link(s) to ${spec.replicaOf} now lead to it`;
      },
      onClientCrash: (name) => {
        const client = clients.get(name) as ClientProcess;
        const at = now();
        events.push({ index: 0, process: name, kind: 'crash', phase: 'info', at, ...client.clockNow(at) });
      },
    };
    nemesis = new RealNemesis(world);
    const initial = faults.filter((f) => f.at <= 0);
    if (initial.length > 0) notes.push(`${initial.length} fault(s) due at 0 ms were put in place before the clients started`);
    await nemesis.applyInitial(faults);

    progress(`running ${scenario.name}/${variant.name} for ${durationMs} ms of real time`);
    origin = TrueTime.startingNow();
    const runOrigin = origin;
    nemesis.schedule(faults);
    for (const c of clients.values()) c.start(runOrigin);
    await sleep(durationMs - runOrigin.nowMs());
    while (runOrigin.nowMs() < durationMs) await sleep(1);

    endedAt = now();
    server.closeLog();
    await nemesis.stop();
    // Clients still paused or crashed at the end could not have progressed (liveness).
    for (const c of clients.values()) if (c.state !== 'running') blockedAtEnd.add(c.name);
    await Promise.all([...clients.values()].map((c) => c.stop(1_000)));
    over = true;
  } finally {
    over = true;
    await nemesis?.stop().catch(() => {});
    await Promise.all([...clients.values()].map((c) => c.kill().catch(() => {})));
    for (const admin of admins) admin.disconnect();
    await toxiproxy?.stop().catch(() => {});
    await externalProxy?.removeOwn().catch(() => {});
    await Promise.all([...redisNodes.values()].map((n) => n.dispose().catch(() => {})));
    await resource?.close().catch(() => {});
  }
  progress('judging the history');

  // The history, in true time (events from different processes arrive in any order).
  const kept = events.filter((e) => e.at <= endedAt).sort((a, b) => a.at - b.at);
  history.events.push(...kept.map((e, index) => ({ ...e, index })));
  history.writes.push(...(resource?.writes ?? []).filter((w) => w.at <= endedAt));
  history.endedAt = endedAt;
  const records: FaultRecord[] = nemesis?.finish() ?? [];
  history.faults.push(...records);
  history.healedAt = nemesis?.lastHealAt ?? null;
  for (const e of nemesis?.errors ?? []) processErrors.push({ at: e.at, process: 'nemesis', message: e.message });

  const { properties, livenessBoundMs } = plan;
  const judgement = judge(history, properties, {
    boundMs: livenessBoundMs,
    blocked: (p) => blockedAtEnd.has(p),
  });
  const { violations } = judgement;
  // No verdict without evidence, as in the simulation (src/check/evidence.ts).
  const clientNames = new Set(clientList.map((c) => c.name));
  const tally = EvidenceTally.of(history, [...clientNames]);
  const redisCommands = [...clients.values()].reduce((sum, c) => sum + c.commands, 0);
  const evidence = tally.evidence(redisCommands);
  const invalid = tally.invalidity(evidence, [...processErrors].sort((a, b) => a.at - b.at), (p) => clientNames.has(p));
  const verdict = verdictWithEvidence(judgement.verdict, invalid);
  const lockName = [...clients.values()].find((c) => c.lockName !== '')?.lockName ?? '';

  let simulated: RunResult | null = null;
  if (options.simulate !== false) {
    progress('simulating the same scenario, seed and schedule');
    simulated = await runScenario(scenario, {
      seed: options.seed,
      variant: variant.name,
      faults: options.faults,
      durationMs: durationMs === variantWorld(scenario, variant).durationMs ? undefined : durationMs,
    });
  }

  return {
    mode: 'real',
    scenario: scenario.name,
    variant: variant.name,
    lockName,
    seed: options.seed,
    verdict,
    expected: variant.expected,
    invalid: verdict === 'invalid' ? invalid : null,
    evidence,
    properties,
    violations,
    traceHash: 'real',
    events: history.events.length,
    faults: [...faults],
    faultsFired: history.faults,
    history,
    trace: null,
    stats: {
      ...historyCounts(history),
      redisCommands,
      messages: resource?.messages ?? 0,
      simulatedMs: endedAt / 1000,
    },
    processErrors: processErrors.sort((a, b) => a.at - b.at),
    processes: { clients: clientList.map((c) => c.name), nodes: specs.map((n) => n.name) },
    outsideModel: faultsOutsideModel(faults, modelWorld(worldSpec, resourceMode, workload.ttlMs)),
    livenessEnd: { boundMs: livenessBoundMs, blocked: [...blockedAtEnd], stillTrying: [] },
    simulated,
    agrees: simulated === null ? null : simulated.verdict === verdict,
    faultTimings: nemesis?.timings ?? [],
    durationMs,
    wallMs: performance.now() - began,
    notes,
    external: external?.source ?? null,
    durationOverrideMs: durationMs === variantWorld(scenario, variant).durationMs ? undefined : durationMs,
  };
}
