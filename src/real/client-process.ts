/**
 * One client of a real-mode run, as its own Node process (started by src/real/runner.ts with
 * `node --import tsx src/real/client-process.ts` and an IPC channel).
 *
 * It imports the scenario module itself (a lock factory is a function: it cannot be sent), builds
 * the variant's lock with each node's service's real client (src/real/services/: ioredis,
 * node-postgres, @azure/storage-blob) — each connected to the node through its Toxiproxy link,
 * never directly — a {@link RealClock} skewed as the scenario says and a seeded
 * random source, connects to the resource server, and on `start` runs the very client loop of
 * the simulation (`runClient` from src/workload/client.ts). Every history event is stamped with
 * true time (CLOCK_MONOTONIC since the run's origin, src/real/true-time.ts) and the client's own
 * clock readings, and streamed to the runner.
 *
 * The runner pauses it with SIGSTOP/SIGCONT, crashes it with SIGKILL, and moves its clock with
 * `clock` messages (drift: a new rate; a jump: a wall-clock step).
 */
import type { HistoryEvent, OperationKind, Phase } from '../check/history.ts';
import type { LockContext } from '../locks/interface.ts';
import type { NodeSpec } from '../scenario/types.ts';
import { loadScenario } from '../scenario/load.ts';
import { findVariant } from '../scenario/run.ts';
import { runClient, type ClientEnvironment } from '../workload/client.ts';
import { RealClock } from './clock.ts';
import { isRunnerMessage, type ClientInit, type ClientMessage, type NodeEndpoint, type RunnerMessage } from './protocol.ts';
import { RandomStream } from '../sim/random.ts';
import { connectResource } from './resource-server.ts';
import type { RealClientSetup } from './service.ts';
import { realServiceName, runnableService } from './services/index.ts';
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

async function prepare(init: ClientInit): Promise<(origin: TrueTime) => void> {
  const scenario = await loadScenario(init.scenarioRef);
  const variant = findVariant(scenario, init.variant);
  clock = new RealClock({ offsetMs: init.clock.offsetMs, rate: init.clock.rate });
  const ownClock = clock;
  const setup: RealClientSetup = {
    client: init.client,
    variant,
    clock: ownClock,
    commandTimeoutMs: init.commandTimeoutMs,
    countRequest: () => void commands++,
    recordWrite: (write) => send({ type: 'write', write: { ...write, at: trueTime?.now() ?? 0 } }),
    debug: process.env.LOCKSIM_REAL_DEBUG === '1' ? (line) => process.stderr.write(`[${((trueTime?.now() ?? 0) / 1000).toFixed(1)} ms] ${line}\n`) : undefined,
  };
  // Each service's clients for its nodes (in the variant's order among them), as its real-mode part builds them.
  const serviceOf = (n: NodeEndpoint): string => realServiceName({ service: n.service as NodeSpec['service'] });
  const services = [...new Set(init.nodes.map(serviceOf))];
  const built = await Promise.all(services.map((name) => runnableService({ service: name as NodeSpec['service'] }).clients(setup, init.nodes.filter((n) => serviceOf(n) === name))));
  const context = Object.assign({}, ...built.map((b) => b.context)) as Partial<Omit<LockContext, 'clock' | 'random'>>;
  const lock = variant.lock({ nodes: [], ...context, clock: ownClock, random: new RandomStream(init.seed, `client/${init.client}/${init.incarnation}/lock`) });
  const resource = await connectResource(init.resourcePort, init.client, ownClock);
  // A service that keeps the protected resource (a counter in a blob) is where the workload reads and writes it.
  const resourceLink = built.find((b) => b.resource !== undefined)?.resource ?? resource.link;
  const workloadRandom = new RandomStream(init.seed, `client/${init.client}/${init.incarnation}/workload`);
  setInterval(() => send({ type: 'stats', commands }), 1_000).unref();
  send({ type: 'ready', lockName: lock.name });
  return (origin: TrueTime) => {
    trueTime = origin;
    const env: ClientEnvironment = {
      clock: ownClock,
      random: { between: (min, max) => min + workloadRandom.next() * (max - min) },
      resource: resourceLink,
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
