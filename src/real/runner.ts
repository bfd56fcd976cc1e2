/**
 * Real mode: replays one variant of a scenario against real processes and judges the history
 * with the same checkers as the simulation. The runner only sequences; each part is its own:
 *
 * - the servers (src/real/servers.ts): a server per node as its service starts it
 *   (src/real/services/: redis-server or Azurite under the clock shim, PostgreSQL) and a
 *   `toxiproxy-server`, on free 127.0.0.1 ports, or the ones of an external topology;
 * - the links (src/real/links.ts): a Toxiproxy proxy per (client, node) pair and per replica,
 *   and the runner's own links to the resource;
 * - the protected resource, a TCP server in this process (src/real/resource-server.ts), which
 *   logs every write in true time;
 * - one Node process per client (src/real/client-handle.ts, src/real/client-process.ts) running
 *   the simulation's client loop with the variant's lock over the services' real clients
 *   (ioredis, node-postgres, @azure/storage-blob) and a `RealClock`;
 * - the nemesis (src/real/nemesis.ts), applying the fault schedule at the faults' true times,
 *   each kind as its definition says (src/faults/kinds/).
 *
 * Everything goes through src/real/process-group.ts, so nothing outlives the run, a failure or
 * Ctrl-C. True time is CLOCK_MONOTONIC since the run's start (src/real/run-log.ts); real time
 * runs 1:1 (a 30 s scenario takes 30 s); faults due at 0 ms are put in place before the clients
 * start. Afterwards the same scenario, variant, seed and schedule run in simulation (the run's
 * simulated twin), and the two verdicts are set side by side: real mode cannot be bit-exact, but
 * the verdict must agree.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { historyCounts } from '../check/damage.ts';
import { EvidenceTally, requestsWords, verdictWithEvidence } from '../check/evidence.ts';
import { emptyHistory, type History, type ResourceWrite } from '../check/history.ts';
import { judge } from '../check/judge.ts';
import type { Fault } from '../faults/fault.ts';
import { faultsOutsideModel } from '../faults/model.ts';
import { planRun, type RunPlan } from '../scenario/plan.ts';
import { lockWordsOf, SERVICES } from '../services/registry.ts';
import { findVariant, runScenario, type RunResult } from '../scenario/run.ts';
import { clientSpecs, modelWorld, nodeSpecs, variantFaults, variantWorld, type ClientSpec, type NodeSpec, type Scenario, type Variant } from '../scenario/types.ts';
import type { Micros } from '../sim/time.ts';
import { ClientProcess, type ClientContext } from './client-handle.ts';
import { externalProblems, type ExternalTopology } from './external.ts';
import { RealLinks } from './links.ts';
import { RealNemesis, unsupportedFaults, type FaultTiming } from './nemesis.ts';
import type { ClientWrite } from './protocol.ts';
import { RandomStream } from '../sim/random.ts';
import { ResourceServer } from './resource-server.ts';
import { RunLog } from './run-log.ts';
import { RunServers } from './servers.ts';
import { realServiceName, realServiceOf, runnableService } from './services/index.ts';
import { findToxiproxyServer } from './toxiproxy.ts';

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

/**
 * A real run: a RunResult (no kernel trace) with its own identity, plus the simulated verdict
 * beside it. `traceHash` is its simulated twin's (the run that replays it bit for bit in
 * simulation: same scenario, variant, seed, length and schedule), or `not simulated`.
 */
export interface RealRunResult extends RunResult {
  readonly mode: 'real';
  /** This real run, among all others: `real-<UTC time>-<pid>-<random>`. */
  readonly runId: string;
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
  /** The servers the run started, counted by kind (`3 redis-server (clock shim)`); empty on external servers. */
  readonly servers: string;
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

/** Why a variant cannot run for real (empty: it can): what each node's service refuses, and what the fault kinds refuse. */
export function realModeProblems(scenario: Scenario, variant: Variant, faults: readonly Fault[] = variantFaults(scenario, variant)): string[] {
  const world = variantWorld(scenario, variant);
  const nodes = nodeSpecs(world);
  const problems: string[] = [];
  const names = new Set(nodes.map((n) => n.name));
  problems.push(...unsupportedFaults(faults, (p) => names.has(p)));
  const lockNodes = new Set(variant.nodes ?? nodes.filter((n) => n.replicaOf === undefined).map((n) => n.name));
  const clients = clientSpecs(world).map((c) => c.name);
  const named = new Set(faults.flatMap(namesIn));
  for (const name of new Set(nodes.map(realServiceName))) {
    const ofService = nodes.filter((n) => realServiceName(n) === name);
    const service = realServiceOf(ofService[0] as NodeSpec);
    if (service.refused !== null) {
      // A node the variant neither locks on nor faults is not started at all: only the others are refused.
      const used = ofService.filter((n) => lockNodes.has(n.name) || named.has(n.name));
      if (used.length > 0) problems.push(`node${used.length === 1 ? '' : 's'} ${used.map((n) => n.name).join(', ')} (${service.title}): ${service.refused}`);
      continue;
    }
    problems.push(...service.problems({ nodes: ofService, lockNodes: ofService.filter((n) => lockNodes.has(n.name)), world: nodes, clients, faults }));
  }
  return problems;
}

/** Every process a fault names (its target, its groups, its ends). */
function namesIn(fault: Fault): string[] {
  return Object.values(fault).flatMap((v): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flat().filter((x): x is string => typeof x === 'string') : []));
}

/** The nodes real mode starts: those of a service it runs (a node of another was refused unless unused). */
export function startedNodes(nodes: readonly NodeSpec[]): NodeSpec[] {
  return nodes.filter((n) => realServiceOf(n).refused === null);
}

/**
 * Checks that toxiproxy-server and what each service of the nodes needs are there (redis-server and
 * gcc for the clock shim; PostgreSQL and node-postgres; Azurite and @azure/storage-blob), and builds
 * the shim. Throws the infrastructure's errors, which say how to install what is missing.
 */
export async function checkRealModeTools(nodes: readonly NodeSpec[] = []): Promise<void> {
  findToxiproxyServer();
  // No nodes: the tools of a node without a service (Redis's).
  const services = [...new Set((nodes.length === 0 ? [{}] : nodes).map((n) => runnableService(n)))];
  for (const service of services) await service.checkTools();
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

/** A scenario reference a child process can load from the repository root. */
function childRef(ref: string): string {
  const looksLikePath = ref.includes('/') || ref.endsWith('.ts') || ref.endsWith('.js') || ref.endsWith('.mjs');
  return looksLikePath && !isAbsolute(ref) ? resolve(ref) : ref;
}

/** A new real run's identity: when and where it started, and a random tail. */
export function realRunId(now = new Date(), pid = process.pid): string {
  return `real-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${pid}-${randomBytes(3).toString('hex')}`;
}

/** What the run's processes did, for the judge. */
interface RealOutcome {
  readonly history: History;
  readonly clients: ReadonlyMap<string, ClientProcess>;
  readonly blockedAtEnd: ReadonlySet<string>;
  readonly processErrors: Array<{ at: Micros; process: string; message: string }>;
  readonly faultTimings: readonly FaultTiming[];
  readonly messages: number;
  readonly notes: readonly string[];
}

/** Runs one variant of a scenario against real processes; see the file comment. */
export async function runReal(scenario: Scenario, options: RealRunOptions): Promise<RealRunResult> {
  const began = performance.now();
  const runId = realRunId();
  const progress = options.onProgress ?? (() => {});
  const variant = findVariant(scenario, options.variant);
  const plan = planRun(scenario, variant, options);
  const problems = realModeProblems(scenario, variant, plan.faults);
  if (options.external !== undefined) problems.push(...externalProblems(options.external, plan.nodes, plan.faults));
  const notRedis = startedNodes(plan.nodes).find((n) => realServiceName(n) !== 'redis');
  if (options.external !== undefined && notRedis !== undefined) problems.push(`an external topology (--external) gives Redis nodes only; run a world with a ${realServiceOf(notRedis).title} node without it (real mode starts the server)`);
  if (problems.length > 0) throw new RealModeUnsupportedError(scenario.name, variant.name, problems);
  if (options.external === undefined) await checkRealModeTools(startedNodes(plan.nodes));

  const outcome = await runProcesses(plan, options, progress);
  progress('judging the history');
  const judged = judgeReal(plan, options.seed, outcome);
  let simulated: RunResult | null = null;
  if (options.simulate !== false) {
    progress('simulating the same scenario, seed and schedule');
    simulated = await runScenario(scenario, { seed: options.seed, variant: variant.name, faults: options.faults, durationMs: durationOverride(plan) });
  }
  return {
    ...judged,
    mode: 'real',
    runId,
    traceHash: simulated?.traceHash ?? 'not simulated',
    simulated,
    agrees: simulated === null ? null : simulated.verdict === judged.verdict,
    faultTimings: outcome.faultTimings,
    durationMs: plan.durationMs,
    wallMs: performance.now() - began,
    notes: outcome.notes,
    external: options.external?.source ?? null,
    servers: options.external === undefined ? serversText(startedNodes(plan.nodes)) : '',
  };
}

/** The servers a run starts, counted by kind: `3 redis-server (clock shim), 1 PostgreSQL server`. */
function serversText(nodes: readonly NodeSpec[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(runnableService(n).serverWords, (counts.get(runnableService(n).serverWords) ?? 0) + 1);
  return [...counts].map(([words, count]) => `${count} ${words}`).join(', ');
}

/** The run length when the run was shortened (or lengthened) from the world's own. */
function durationOverride(plan: RunPlan): number | undefined {
  return plan.durationMs === variantWorld(plan.scenario, plan.variant).durationMs ? undefined : plan.durationMs;
}

/** Starts the servers, links, resource and clients, runs the schedule for the run's length, and takes everything down. */
async function runProcesses(plan: RunPlan, options: RealRunOptions, progress: (line: string) => void): Promise<RealOutcome> {
  const { faults, durationMs } = plan;
  const external = options.external;
  const scenarioRef = childRef(options.scenarioRef ?? plan.scenario.name);
  const log = new RunLog();
  const notes: string[] = [];
  const servers = new RunServers();
  const clients = new Map<string, ClientProcess>();
  const serviceWrites: ClientWrite[] = [];
  let resource: ResourceServer | undefined;
  let nemesis: RealNemesis | undefined;
  let endedAt: Micros = 0;
  const blockedAtEnd = new Set<string>();
  try {
    if (external === undefined) {
      const started = startedNodes(plan.nodes);
      progress(`starting ${serversText(started)}, toxiproxy-server and ${plan.clients.length} client processes`);
      await servers.start(started);
      const idle = plan.nodes.filter((n) => !started.includes(n));
      if (idle.length > 0) notes.push(`not started (no real mode, and the variant neither uses nor faults them): ${idle.map((n) => `${n.name} (${realServiceOf(n).title})`).join(', ')}`);
    } else {
      progress(`using ${plan.nodes.length} running Redis node(s) and Toxiproxy from ${external.source}; starting ${plan.clients.length} client processes`);
      await servers.attach(plan.nodes, external, options.flush === true);
    }
    notes.push(...servers.notes);
    for (const n of plan.lockNodes) if (!servers.nodes.has(n)) throw new Error(`variant ${plan.variant.name} names node '${n}', which is not in the world`);
    const random = new RandomStream(options.seed, 'real/resource');
    const server = await ResourceServer.start({ mode: plan.resourceMode, now: () => log.now(), random: () => random.next() });
    resource = server;
    const links = new RealLinks(servers, server, new Set(plan.clients.map((c) => c.name)), plan.world.delay);
    await links.create(plan.lockNodes, plan.nodes);
    if (plan.world.delay !== undefined) notes.push(`the world's network delay is a Toxiproxy latency toxic each way on every client-node link (resource links: loopback)`);

    const context = clientContext(plan, options.seed, scenarioRef, links, server.port, log, serviceWrites);
    for (const c of plan.clients) clients.set(c.name, new ClientProcess(c.name, c, context));
    await Promise.all([...clients.values()].map((c) => c.spawn()));

    nemesis = new RealNemesis({
      now: () => log.now(),
      nodes: servers.nodes,
      clients,
      resource: server,
      network: links,
      onClientCrash: (name) => {
        const at = log.now();
        log.crash(name, (clients.get(name) as ClientProcess).clockNow(at), at);
      },
    });
    // A node whose behaviour has a phase the simulation starts at 0 (Azurite's autosave) sets the moment the run begins.
    await servers.alignRunStart();
    const initial = faults.filter((f) => f.at <= 0);
    if (initial.length > 0) notes.push(`${initial.length} fault(s) due at 0 ms were put in place before the clients started`);
    await nemesis.applyInitial(faults);

    progress(`running ${plan.scenario.name}/${plan.variant.name} for ${durationMs} ms of real time`);
    const origin = log.start();
    nemesis.schedule(faults);
    for (const c of clients.values()) c.start(origin);
    await sleep(durationMs - origin.nowMs());
    while (origin.nowMs() < durationMs) await sleep(1);

    endedAt = log.now();
    server.closeLog();
    await nemesis.stop();
    // Clients still paused or crashed at the end could not have progressed (liveness).
    for (const c of clients.values()) if (c.state !== 'running') blockedAtEnd.add(c.name);
    await Promise.all([...clients.values()].map((c) => c.stop(1_000)));
    log.end();
  } finally {
    log.end();
    await nemesis?.stop().catch(() => {});
    await Promise.all([...clients.values()].map((c) => c.kill().catch(() => {})));
    await servers.close();
    await resource?.close().catch(() => {});
  }

  const history = emptyHistory();
  history.events.push(...log.eventsUntil(endedAt));
  history.writes.push(...[...(resource?.writes ?? []), ...withValuesBefore(serviceWrites)].filter((w) => w.at <= endedAt).sort((a, b) => a.at - b.at));
  history.endedAt = endedAt;
  history.faults.push(...(nemesis?.finish(endedAt) ?? []));
  history.healedAt = nemesis?.lastHealAt ?? null;
  const processErrors = [...log.errors, ...(nemesis?.errors ?? []).map((e) => ({ at: e.at, process: 'nemesis', message: e.message }))];
  return { history, clients, blockedAtEnd, processErrors, faultTimings: nemesis?.timings ?? [], messages: resource?.messages ?? 0, notes };
}

/** What a client process is told and what it reports, in this run. */
function clientContext(plan: RunPlan, seed: number, scenarioRef: string, links: RealLinks, resourcePort: number, log: RunLog, serviceWrites: ClientWrite[]): ClientContext {
  return {
    init: (client, incarnation) => {
      const spec = plan.clients.find((c) => c.name === client.name) as ClientSpec;
      const workload = spec.startMs === undefined || incarnation > 0 ? plan.workload : { ...plan.workload, startMs: { min: spec.startMs, max: spec.startMs } };
      return {
        type: 'init',
        client: client.name,
        incarnation,
        scenarioRef,
        variant: plan.variant.name,
        seed,
        workload,
        nodes: plan.lockNodes.map((n) => ({ ...links.endpoint(client.name, n), service: realServiceName(plan.nodes.find((s) => s.name === n) ?? {}) })),
        resourcePort,
        clock: { offsetMs: client.offsetMs, rate: client.rate },
        commandTimeoutMs: plan.variant.commandTimeoutMs,
        originNs: log.origin?.toString(),
      };
    },
    origin: () => log.origin,
    over: () => log.over,
    onEvent: (event) => log.event(event),
    onWrite: (write) => serviceWrites.push(write),
    onError: (process, at, message) => log.error(process, at, message),
    onUnexpectedExit: (client, message) => {
      const at = log.now();
      log.error(client.name, at, message, true);
      if (log.origin !== undefined) log.crash(client.name, client.clockNow(at), at);
    },
  };
}

/**
 * The writes to a resource a service keeps, each with the value before it: the service applied
 * them one at a time, taken here in the order their answers came (a write whose answer never came
 * is not known, though the service may have applied it).
 */
function withValuesBefore(writes: readonly ClientWrite[]): ResourceWrite[] {
  let value = 0;
  return [...writes]
    .sort((a, b) => a.at - b.at)
    .map((w) => {
      const before = value;
      if (w.accepted) value = w.value;
      return { ...w, before };
    });
}

/** The verdict of a real run, by the simulation's checkers, and what it rests on. */
function judgeReal(plan: RunPlan, seed: number, outcome: RealOutcome): Omit<RealRunResult, 'mode' | 'runId' | 'traceHash' | 'simulated' | 'agrees' | 'faultTimings' | 'durationMs' | 'wallMs' | 'notes' | 'external' | 'servers'> {
  const { history, clients, blockedAtEnd } = outcome;
  const { properties, livenessBoundMs, faults } = plan;
  const lockWords = lockWordsOf(plan.nodes, plan.lockNodes);
  if (lockWords !== undefined) history.lockWords = lockWords;
  const judgement = judge(history, properties, { boundMs: livenessBoundMs, blocked: (p) => blockedAtEnd.has(p) });
  // No verdict without evidence, as in the simulation (src/check/evidence.ts).
  const clientNames = new Set(plan.clients.map((c) => c.name));
  const tally = EvidenceTally.of(history, [...clientNames]);
  const redisCommands = [...clients.values()].reduce((sum, c) => sum + c.commands, 0);
  const evidence = tally.evidence(redisCommands, requestsWords(plan.lockServices.map((s) => SERVICES[s.service].requestsAre)));
  const processErrors = [...outcome.processErrors].sort((a, b) => a.at - b.at);
  const invalid = tally.invalidity(evidence, processErrors, (p) => clientNames.has(p));
  const verdict = verdictWithEvidence(judgement.verdict, invalid);
  return {
    scenario: plan.scenario.name,
    variant: plan.variant.name,
    lockName: [...clients.values()].find((c) => c.lockName !== '')?.lockName ?? '',
    seed,
    verdict,
    expected: plan.variant.expected,
    invalid: verdict === 'invalid' ? invalid : null,
    evidence,
    properties,
    violations: judgement.violations,
    events: history.events.length,
    faults: [...faults],
    faultsFired: history.faults,
    history,
    trace: null,
    stats: { ...historyCounts(history), redisCommands, messages: outcome.messages, simulatedMs: history.endedAt / 1000 },
    processErrors,
    processes: { clients: plan.clients.map((c) => c.name), nodes: plan.nodes.map((n) => n.name) },
    outsideModel: faultsOutsideModel(faults, modelWorld(plan.world, plan.resourceMode, plan.workload.ttlMs)),
    livenessEnd: { boundMs: livenessBoundMs, blocked: [...blockedAtEnd], stillTrying: [] },
    durationOverrideMs: durationOverride(plan),
  };
}
