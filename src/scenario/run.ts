import { requestsWords, verdictWithEvidence, type Evidence, type Invalidity } from '../check/evidence.ts';
import type { FaultRecord, History } from '../check/history.ts';
import type { Violation } from '../check/judge.ts';
import type { HistoryWindow } from '../check/recorder.ts';
import type { Fault } from '../faults/fault.ts';
import { Nemesis } from '../faults/nemesis.ts';
import { faultsOutsideModel } from '../faults/model.ts';
import type { LockContext } from '../locks/interface.ts';
import { lockWordsOf, SERVICES, serviceOf } from '../services/registry.ts';
import type { ServiceClients, SimServiceNode } from '../services/service.ts';
import { ms, type Micros } from '../sim/time.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { World } from '../sim/world.ts';
import { realTimeText } from '../sim/real-time-guard.ts';
import { runClient, type Recorder } from '../workload/client.ts';
import { addResource, RESOURCE_PROCESS, type ResourceReply } from '../workload/resource.ts';
import { endpoint } from '../sim/rpc.ts';
import { RunRecording } from './recording.ts';
import { checkFaultSchedule, didYouMean, runLengthProblem, ScenarioError } from './validate.ts';
import { modelWorld, type Property, type Scenario, type Variant, type Verdict } from './types.ts';
import { planRun } from './plan.ts';

export type { Violation } from '../check/judge.ts';
export type { ClientEvidence, Evidence, Invalidity } from '../check/evidence.ts';
export type { HistoryWindow } from '../check/recorder.ts';

export interface RunOptions {
  readonly seed: number;
  /** The variant's name (default: the scenario's first variant). */
  readonly variant?: string;
  /** A fault schedule to use instead of the scenario's own (exploration, replay). */
  readonly faults?: readonly Fault[];
  /** Run this long (ms of simulated time) instead of the world's `durationMs`; replay tokens carry it. */
  readonly durationMs?: number;
  /** Keep the kernel trace (for timelines). */
  readonly keepTrace?: boolean;
  /**
   * Keep only a recent window of the history (long soak runs stay flat in memory) instead of all
   * of it (the default; reports want it whole). The checkers judge online either way, so the
   * verdict, the violations and the stats are the same; `history.dropped` says what was left out.
   */
  readonly historyWindow?: HistoryWindow;
  /**
   * The result is read for its verdict only (a sweep's runs, an exploration's tried runs): the
   * history keeps nothing (`history.dropped` counts what went by) and no key-command log is
   * made. The checkers judge online either way: the verdict, violations, evidence, stats and
   * trace hash are those of the same run kept whole. `historyWindow` is then ignored.
   */
  readonly verdictOnly?: boolean;
  /**
   * Called as simulated time passes (from inside the run, when a history event is recorded at
   * or after each multiple of `everyMs`), e.g. to sample memory. It must not touch the simulation.
   */
  readonly progress?: { readonly everyMs: number; readonly report: (simulatedMs: number) => void };
}

/** Everything a run produced: the verdict and why, the history, the trace hash, what faults did. */
export interface RunResult {
  readonly scenario: string;
  readonly variant: string;
  /** The algorithm's own name, e.g. `redlock(checkValidity=false)`. */
  readonly lockName: string;
  readonly seed: number;
  /** `invalid` when the run has no evidence to judge on ({@link RunResult.invalid} says why). */
  readonly verdict: Verdict;
  readonly expected: Verdict;
  /** Why the run has no verdict (a client died of an error, no client ever acquired, …); null when it was judged. */
  readonly invalid: Invalidity | null;
  /** What the verdict rests on: acquisitions, sections, writes and Redis commands, in total and per client. */
  readonly evidence: Evidence;
  readonly properties: readonly Property[];
  readonly violations: readonly Violation[];
  readonly traceHash: string;
  readonly events: number;
  readonly faults: readonly Fault[];
  readonly faultsFired: readonly FaultRecord[];
  readonly history: History;
  readonly trace: readonly TraceEntry[] | null;
  readonly stats: RunStats;
  readonly processErrors: readonly { at: Micros; process: string; message: string }[];
  readonly processes: { readonly clients: readonly string[]; readonly nodes: readonly string[] };
  /** The run length when it was not the world's own (`RunOptions.durationMs`), ms. */
  readonly durationOverrideMs?: number;
  /** The faults of the schedule outside the lock's model (src/faults/model.ts), each with why; empty when all are inside. */
  readonly outsideModel: readonly string[];
  /**
   * What liveness was judged with: the bound, and the clients blocked (paused or crashed) or
   * still sending commands at the end. A history written with it is judged the same later.
   */
  readonly livenessEnd?: LivenessEndState;
}

/** How the clients stood at the end of a run, for liveness (see check/history-file.ts). */
export interface LivenessEndState {
  readonly boundMs: number;
  readonly blocked: readonly string[];
  readonly stillTrying: readonly string[];
}

export interface RunStats {
  readonly acquired: number;
  readonly acquireFailures: number;
  readonly writesAccepted: number;
  readonly writesRefused: number;
  readonly finalValue: number;
  readonly redisCommands: number;
  readonly messages: number;
  readonly simulatedMs: number;
}

export function findVariant(scenario: Scenario, name: string | undefined): Variant {
  if (name === undefined) {
    const first = scenario.variants[0];
    if (first === undefined) throw new Error(`scenario '${scenario.name}' has no variants`);
    return first;
  }
  const variant = scenario.variants.find((v) => v.name === name);
  if (variant === undefined) {
    // The user's input, not locksim's fault: a ScenarioError, so every command exits 2 with it.
    const guess = didYouMean(name, scenario.variants.map((v) => v.name));
    throw new ScenarioError(scenario.name, [`no variant '${name}'${guess === undefined ? '' : `; did you mean '${guess}'?`} (variants: ${scenario.variants.map((v) => v.name).join(', ')})`], 'unknown variant');
  }
  return variant;
}

/** Runs one variant of a scenario with one seed and judges the history. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const variant = findVariant(scenario, options.variant);
  const plan = planRun(scenario, variant, options);
  const { faults, workload, lockNodes, resourceMode, properties, clients } = plan;
  const worldSpec = plan.world;
  // A schedule or a length from outside the scenario (a token, checkLock, the library API) is
  // checked as the scenario's own is: a bad one is the caller's input, never an internal error.
  if (options.durationMs !== undefined) {
    const problem = runLengthProblem(options.durationMs);
    if (problem !== null) throw new ScenarioError(`${scenario.name}/${variant.name}`, [`durationMs: ${problem}`], 'invalid run length');
  }
  if (options.faults !== undefined) checkFaultSchedule(options.faults, worldSpec, `${scenario.name}/${variant.name}`);
  const world = new World({ seed: options.seed, keepTrace: options.keepTrace === true, delay: worldSpec.delay });
  const nodes = new Map<string, SimServiceNode>();
  const directory = new Map<string, string>();
  let lockName = '';
  /** When each client last sent a request to a service node: a waiting client keeps sending, a hung one does not. */
  const lastSend = new Map<string, { at: Micros }>(clients.map((c) => [c.name, { at: 0 }]));
  /** Each client's service clients (of its current incarnation): they say why a request still waits. */
  const serviceClients = new Map<string, readonly ServiceClients[]>();

  for (const spec of plan.nodes) nodes.set(spec.name, SERVICES[serviceOf(spec)].addNode(world, spec, nodes));
  const boundMs = plan.livenessBoundMs;
  // The nemesis exists once the clients do; the recording only asks it once the run is going.
  let nemesis: Nemesis | null = null;
  const recording = new RunRecording({
    properties,
    nodes: [...nodes.keys()],
    lockNodes,
    lockWords: lockWordsOf(plan.nodes, lockNodes),
    boundMs,
    window: options.verdictOnly === true ? 'nothing' : options.historyWindow,
    lastHealAt: () => nemesis?.lastHealAt ?? null,
    clients: clients.map((c) => c.name),
  });
  for (const node of nodes.values()) node.watch(workload.resource, recording);
  addResource(world, RESOURCE_PROCESS, resourceMode, (write) => recording.write(write));

  const clientNames = new Set(clients.map((c) => c.name));
  const resolve = (name: string): string => directory.get(name) ?? name;
  const progress = options.progress;
  let nextProgressMs = progress?.everyMs ?? Number.POSITIVE_INFINITY;
  const record = (process: string, clock: { now(): number; monotonic(): number }): Recorder => (kind, phase, details) => {
    recording.event({ index: recording.nextEventIndex(), process, kind, phase, at: world.now, wallMs: clock.now(), monoMs: clock.monotonic(), ...details });
    if (progress !== undefined && world.now >= nextProgressMs * 1000) {
      progress.report(world.now / 1000);
      nextProgressMs = (Math.floor(world.now / 1000 / progress.everyMs) + 1) * progress.everyMs;
    }
  };

  for (const spec of clients) {
    world.addProcess(
      spec.name,
      (ctx) => {
        // Called per request: it writes a field (a Map set per command showed in profiles).
        const sent = lastSend.get(spec.name) as { at: Micros };
        const onSend = (): void => {
          sent.at = world.now;
        };
        const setup = { ctx, variant, resolve, onSend };
        const connections = plan.lockServices.map((s) => SERVICES[s.service].clients(setup, s.nodes));
        serviceClients.set(spec.name, connections);
        const context = connections.reduce<LockContext>((c, service) => ({ ...c, ...service.context }), { nodes: [], clock: ctx.clock, random: ctx.random });
        const lock = variant.lock(context);
        lockName ||= lock.name;
        const start = spec.startMs === undefined || ctx.incarnation > 0 ? workload : { ...workload, startMs: { min: spec.startMs, max: spec.startMs } };
        const rpc = endpoint(ctx);
        // A service that keeps the protected resource (a counter in a blob) gives the workload its own link to it.
        const kept = connections.find((c) => c.resource !== undefined)?.resource;
        return runClient(
          {
            clock: ctx.clock,
            random: world.random(`workload/${spec.name}/${ctx.incarnation}`),
            record: record(spec.name, ctx.clock),
            resource: kept ?? ((request, timeoutMs) => rpc.request(RESOURCE_PROCESS, request, timeoutMs).then((reply) => reply as ResourceReply, () => null)),
          },
          lock,
          start,
        );
      },
      { driftPpm: spec.driftPpm, wallOffsetMs: spec.wallOffsetMs },
    );
  }

  const recordCrash = (p: string): void => {
    const clock = world.process(p).clock;
    recording.event({ index: recording.nextEventIndex(), process: p, kind: 'crash', phase: 'info', at: world.now, wallMs: Math.floor(clock.wallMicros(world.now) / 1000), monoMs: clock.monoMicros(world.now) / 1000 });
  };
  // A client that dies of an uncaught error ends its critical section there, like a killed one.
  world.onProcessFailed = (p) => {
    if (clientNames.has(p)) recordCrash(p);
  };
  // A failover points the clients of the primary at its promoted replica (the failover kind says when).
  nemesis = new Nemesis({ world, nodes, isClient: (p) => clientNames.has(p), onClientCrash: recordCrash, redirect: (from, to) => directory.set(from, to) });
  nemesis.schedule(faults);

  await world.run({ until: ms(worldSpec.durationMs) });
  // A client that is paused or crashed could not progress; one still retrying is starved, not
  // stuck (Redlock promises no fairness). Stuck: no Redis command for a whole bound.
  // `why` goes on to the liveness checker (a stuck client's message says what it waits on).
  const end = {
    endedAt: world.now,
    faults: nemesis.finish(),
    blocked: (p: string) => world.process(p).state !== 'running',
    stillTrying: (p: string) => (lastSend.get(p)?.at ?? 0) >= world.now - boundMs * 1000,
    why: (p: string) => (serviceClients.get(p) ?? []).map((c) => c.waitReason()).find((w) => w !== null) ?? null,
  };
  const { history, judgement, counts } = recording.finish(end);
  const redisCommands = [...nodes.values()].reduce((sum, n) => sum + n.commands(), 0);
  // No verdict without evidence: clients that died of errors, or a run that never acquired, is invalid.
  const evidence = recording.evidence.evidence(redisCommands, requestsWords(plan.lockServices.map((s) => SERVICES[s.service].requestsAre)));
  const invalid: Invalidity | null =
    world.realTimeCalls.length > 0
      ? { kind: 'real-time', reason: realTimeText(world.realTimeCalls), firstError: world.realTimeCalls[0]?.call ?? null }
      : recording.evidence.invalidity(evidence, world.errors, (p) => clientNames.has(p));
  const { violations } = judgement;
  const verdict = verdictWithEvidence(judgement.verdict, invalid);
  const totals = world.network.totals();
  return {
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
    traceHash: world.traceHash,
    events: world.events,
    faults: [...faults],
    faultsFired: history.faults,
    history,
    trace: world.trace.entries,
    stats: {
      ...counts,
      redisCommands,
      messages: totals.sent,
      simulatedMs: world.now / 1000,
    },
    processErrors: world.errors,
    processes: { clients: clients.map((c) => c.name), nodes: [...nodes.keys()] },
    durationOverrideMs: options.durationMs,
    outsideModel: faultsOutsideModel(faults, modelWorld(worldSpec, resourceMode, workload.ttlMs)),
    livenessEnd: {
      boundMs,
      blocked: clients.map((c) => c.name).filter((c) => end.blocked(c)),
      stillTrying: clients.map((c) => c.name).filter((c) => end.stillTrying(c)),
    },
  };
}
