/**
 * `npm run bench`: locksim's speed figures on this machine (medians over repeated runs).
 * A benchmark, not a test: it asserts nothing. `--quick` runs each figure briefly (CI uses it to
 * prove the command still works); `--json` prints one JSON object; `--only kernel,reference,
 * bugs,throughput` picks sections.
 */
import { cpus } from 'node:os';
import { measureKernel, type KernelFigures } from './kernel.ts';
import { measureReference, measureReferenceMemory, type ReferenceFigures, type ReferenceMemory } from './reference.ts';
import { measurePeers } from './peers.ts';
import { measureLuaSetup, measureRedis, type RedisFigures } from './redis.ts';
import { measureReality } from './reality.ts';
import { measureSweep, measureThroughput } from './throughput.ts';
import { measureTimeToBug } from './time-to-bug.ts';
import { measureMutants } from './mutants.ts';

const SECTIONS = ['kernel', 'redis', 'peers', 'reference', 'bugs', 'throughput', 'reality', 'mutants'] as const;
type Section = (typeof SECTIONS)[number];

interface Options {
  quick: boolean;
  json: boolean;
  only: Set<Section>;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message} (try --help)\n`);
  process.exit(2);
}

function parse(argv: string[]): Options {
  // The planted-bug benchmark takes tens of minutes: it runs only when asked for (--only mutants).
  const options: Options = { quick: false, json: false, only: new Set(SECTIONS.filter((s) => s !== 'mutants')) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--only') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = list.filter((s) => !(SECTIONS as readonly string[]).includes(s));
      if (list.length === 0 || bad.length > 0) fail(`--only takes a comma list of ${SECTIONS.join(', ')}; got '${argv[i] ?? ''}'`);
      options.only = new Set(list as Section[]);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        'usage: npm run bench -- [--quick] [--json] [--only kernel,redis,peers,reference,bugs,throughput,reality,mutants]\n' +
          '  kernel      the kernel alone: 10 clients over request/replies to an echo server\n' +
          '  redis       simulated Redis through client + network + node: SET/GET, EVALSHA (native and in the Lua VM), world set-up per node\n' +
          '  peers       the same SET/GET and EVALSHA workloads on locksim, ioredis-mock and a real redis-server, interleaved; and the floor (the kernel\'s event heap and barrier alone)\n' +
          '  reference   Redlock, 5 nodes, 5 clients, 60 simulated s, TTL 10 s, Lua scripts; memory over 1 simulated hour\n' +
          '  bugs        time to bug: exploration from 20 fixed seeds for every unsafe catalog variant\n' +
          '  throughput  runs per second of a control/redlock sweep with random faults on one core; of the fault-free control, one thread and all cores\n' +
          '  reality     gc-pause in real mode (redis-server, Toxiproxy, processes) against simulation\n' +
          '  mutants     planted bugs: 15 flawed locks found by checkLock defaults (seeds 1..20), twins pass 1000 runs (only when named)\n' +
          '  --quick     short runs (proves the bench works; figures are rough)\n',
      );
      process.exit(0);
    } else fail(`unknown option '${arg}'`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const fmt = (n: number | null, digits = 0): string => (n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const repeats = o.quick ? 1 : 5;
  const out: Record<string, unknown> = { machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version }, quick: o.quick };
  const log = (line: string): void => {
    if (!o.json) process.stdout.write(`${line}\n`);
  };
  // On a terminal one line rewritten in place; in a log (CI), one line per step.
  const progress = (line: string): void => {
    if (process.stderr.isTTY && !o.json) process.stderr.write(`\r\x1b[K  ${line}`);
    else process.stderr.write(`bench: ${line}\n`);
  };
  log(`locksim bench on ${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores), Node ${process.version}${o.quick ? ' [quick: rough figures]' : ''}`);

  if (o.only.has('kernel')) {
    const simSeconds = o.quick ? 5 : 60;
    await measureKernel(o.quick ? 1 : 10);
    const runs: KernelFigures[] = [];
    for (let i = 0; i < repeats; i++) runs.push(await measureKernel(simSeconds, i + 1));
    const long = await measureKernel(o.quick ? 20 : 600, 99);
    const kernel = {
      simulatedSeconds: simSeconds,
      scheduledEventsPerSecond: Math.round(median(runs.map((r) => r.eventsPerSecond))),
      kernelEventsPerSecond: Math.round(median(runs.map((r) => r.traceEventsPerSecond))),
      simulatedSecondsPerSecond: median(runs.map((r) => r.simulatedSecondsPerSecond)),
      heapMiB: median(runs.map((r) => r.heapMiB)),
      heapMiBLongRun: long.heapMiB,
      longRunSimulatedSeconds: long.simulatedSeconds,
    };
    out.kernel = kernel;
    log(`\nKernel: 10 clients looping over awaited request/replies to an echo server (median of ${repeats})`);
    log(`  scheduled events / s        ${fmt(kernel.scheduledEventsPerSecond).padStart(12)}   deliveries + timer firings; target >= 1,000,000`);
    log(`  kernel events / s           ${fmt(kernel.kernelEventsPerSecond).padStart(12)}   every traced event, sends included`);
    log(`  simulated s / wall s        ${fmt(kernel.simulatedSecondsPerSecond, 1).padStart(12)}`);
    log(`  heap MiB                    ${fmt(kernel.heapMiB, 1).padStart(12)}   after ${simSeconds} simulated s; ${fmt(kernel.heapMiBLongRun, 1)} after ${long.simulatedSeconds} s (flat = no growth)`);
  }

  if (o.only.has('redis')) {
    const simSeconds = o.quick ? 2 : 10;
    // First, while the Lua VM is not loaded yet: what building a world's nodes costs.
    const setup = await measureLuaSetup(5, o.quick ? 3 : 11);
    await measureRedis(1);
    const runs: RedisFigures[] = [];
    for (let i = 0; i < repeats; i++) runs.push(await measureRedis(simSeconds));
    const redis = {
      commandsPerSecond: Math.round(median(runs.map((r) => r.commandsPerSecond))),
      evalshaPerSecond: Math.round(median(runs.map((r) => r.evalshaPerSecond))),
      evalshaVmPerSecond: Math.round(median(runs.map((r) => r.evalshaVmPerSecond))),
      luaSetupFirstWorldMsPerNode: setup.firstWorldMsPerNode,
      luaSetupLaterWorldMsPerNode: setup.laterWorldMsPerNode,
    };
    out.redis = redis;
    log(`\nSimulated Redis: 8 clients looping over commands to one node, full client + network + node path (median of ${repeats})`);
    log(`  SET/GET commands / s        ${fmt(redis.commandsPerSecond).padStart(12)}   target >= 300,000`);
    log(`  EVALSHA calls / s           ${fmt(redis.evalshaPerSecond).padStart(12)}   compare-and-delete, run natively (src/redis/engine/native-scripts.ts)`);
    log(`  EVALSHA in the Lua VM / s   ${fmt(redis.evalshaVmPerSecond).padStart(12)}   the same script with one token changed (no native version): fengari`);
    log(`  world set-up ms / node      ${fmt(redis.luaSetupLaterWorldMsPerNode, 2).padStart(12)}   5 nodes, each to its first 3 scripts run; first world in the process ${fmt(redis.luaSetupFirstWorldMsPerNode, 1)} ms/node (loads the Lua VM, builds its one shared state)`);
  }

  if (o.only.has('peers')) {
    const rounds = o.quick ? 1 : 5;
    const wallMs = o.quick ? 200 : 1000;
    const peers = await measurePeers(rounds, wallMs);
    out.peers = peers;
    const ratio = (a: number, b: number | null): string => (b === null ? '-' : `${fmt(a / b, 2)}x`);
    log(`\nPeers: ${peers.clients} clients awaiting their commands, the same workload on each peer, interleaved (median of ${rounds} rounds of ${fmt(wallMs / 1000, 1)} s each)`);
    log(`  real server: ${peers.redisServer}`);
    log(`  ${'workload'.padEnd(26)} ${'locksim/s'.padStart(11)} ${'ioredis-mock/s'.padStart(15)} ${'redis-server/s'.padStart(15)} ${'floor/s'.padStart(11)}   locksim vs mock   vs server   floor vs mock`);
    for (const r of peers.rows) {
      const name = r.workload === 'set-get' ? 'SET/GET' : 'EVALSHA (compare-and-del)';
      log(
        `  ${name.padEnd(26)} ${fmt(r.locksim).padStart(11)} ${fmt(r.ioredisMock).padStart(15)} ${fmt(r.redisServer).padStart(15)} ${fmt(r.floor).padStart(11)}   ${ratio(r.locksim, r.ioredisMock).padStart(15)}   ${ratio(r.locksim, r.redisServer).padStart(9)}   ${ratio(r.floor, r.ioredisMock).padStart(13)}`,
      );
    }
    log(`  locksim's commands include its simulated network (0.1-2 ms per hop, ${fmt(peers.rows[0]?.locksimSimulatedSecondsPerSecond ?? null, 0)} simulated s per wall s in the SET/GET runs); ioredis-mock models no network and no clocks`);
    log(`  floor: the kernel's event heap and await barrier alone (two events and a barrier per command, a Map for keys; no links, TCP, trace hash, Redis engine or client): what every simulated command costs in this kernel's design`);
  }

  if (o.only.has('reference')) {
    const seconds = o.quick ? 10 : 60;
    await measureReference(o.quick ? 5 : 20);
    const runs: ReferenceFigures[] = [];
    for (let i = 0; i < repeats; i++) runs.push(await measureReference(seconds, i + 1));
    // Memory as simulated time grows: one long run keeping a window of its history, one keeping all of it.
    const checkpoints = o.quick ? [5, 10, 20] : [60, 600, 3600];
    const windowMs = o.quick ? 5_000 : 60_000;
    const windowed = await measureReferenceMemory(checkpoints, { lastMs: windowMs });
    const whole = await measureReferenceMemory(checkpoints);
    const retained = (m: ReferenceMemory): Record<string, number> => Object.fromEntries(m.retained.map((r) => [`${r.simulatedSeconds}s`, r.heapMiB]));
    const reference = {
      simulatedSeconds: seconds,
      simulatedSecondsPerSecond: median(runs.map((r) => r.simulatedSecondsPerSecond)),
      eventsPerSecond: Math.round(median(runs.map((r) => r.eventsPerSecond))),
      redisCommandsPerSecond: Math.round(median(runs.map((r) => r.redisCommandsPerSecond))),
      heapMiB: median(runs.map((r) => r.heapMiB)),
      longRunSimulatedSeconds: windowed.simulatedSeconds,
      longRunWallSeconds: windowed.wallSeconds,
      historyWindowMs: windowMs,
      retainedMiBWindowed: retained(windowed),
      peakHeapMiBWindowed: windowed.peakHeapMiB,
      endMiBWindowed: windowed.endMiB,
      retainedMiBWhole: retained(whole),
      peakHeapMiBWhole: whole.peakHeapMiB,
      endMiBWhole: whole.endMiB,
    };
    out.reference = reference;
    const series = (m: ReferenceMemory): string => m.retained.map((r) => fmt(r.heapMiB, 1)).join(' / ');
    const at = checkpoints.map((c) => `${fmt(c)}`).join(' / ');
    log(`\nReference: Redlock, 5 nodes, 5 clients, ${seconds} simulated s, TTL 10 s, delay 0.1-2 ms, Lua scripts (median of ${repeats})`);
    log(`  simulated s / wall s        ${fmt(reference.simulatedSecondsPerSecond, 1).padStart(12)}   target >= 150`);
    log(`  kernel events / s           ${fmt(reference.eventsPerSecond).padStart(12)}`);
    log(`  Redis commands / s          ${fmt(reference.redisCommandsPerSecond).padStart(12)}   the whole scenario: workload, locks, Lua, checkers`);
    log(`  heap MiB                    ${fmt(reference.heapMiB, 1).padStart(12)}   at the end of a ${seconds} s run, garbage included`);
    log(`  memory over one ${fmt(windowed.simulatedSeconds)} s run (${fmt(windowed.wallSeconds, 1)} s wall), heap MiB retained after a forced GC at ${at} simulated s, and the peak heap used (garbage included):`);
    log(`    history window ${fmt(windowMs / 1000)} s     ${series(windowed).padStart(22)}   peak ${fmt(windowed.peakHeapMiB, 1)}; ${fmt(windowed.endMiB, 1)} after the run, result held (${fmt(windowed.historyEvents)} events kept); target < 256, flat`);
    log(`    whole history (default) ${series(whole).padStart(20)}   peak ${fmt(whole.peakHeapMiB, 1)}; ${fmt(whole.endMiB, 1)} after the run, result held (${fmt(whole.historyEvents)} events kept)`);
  }

  if (o.only.has('throughput')) {
    const sweep = await measureSweep(o.quick ? 10 : 200);
    const reference = await measureReference(o.quick ? 10 : 60, 1);
    out.sweep = { ...sweep, referenceSimulatedSecondsPerSecond: reference.simulatedSecondsPerSecond };
    log(`\nSweep: control/redlock with random fault schedules (seeds 1..${sweep.runs}, 60 simulated s each), one core`);
    log(`  runs / s                    ${fmt(sweep.runsPerSecond, 2).padStart(12)}   ${fmt(sweep.simulatedSecondsPerSecond, 0)} simulated s per wall s; the reference workload alone: ${fmt(reference.simulatedSecondsPerSecond, 0)}`);
    const t = await measureThroughput(o.quick ? 8 : 1000);
    out.throughput = t;
    log(`\nThroughput: the fault-free control (single-instance, 60 simulated s), ${t.runs} runs`);
    log(`  runs / s, one thread        ${fmt(t.oneThreadRunsPerSecond, 2).padStart(12)}`);
    log(`  runs / s, 1 worker thread   ${fmt(t.oneWorkerRunsPerSecond, 2).padStart(12)}   the pool's own costs: start-up, a cold JIT, messages`);
    log(`  runs / s, ${t.workers} worker threads   ${fmt(t.allCoresRunsPerSecond, 2).padStart(12)}   x${fmt(t.speedup, 2)} over one thread, x${fmt(t.speedupOverOneWorker, 2)} over one worker (target >= 1.6 on 2 cores; start-up included)`);
  }

  if (o.only.has('bugs')) {
    const seeds = o.quick ? 2 : 20;
    const rows = await measureTimeToBug(seeds, o.quick ? 100 : 500, progress);
    if (!o.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    out.timeToBug = rows;
    log(`\nTime to bug: exploration with random fault schedules, exploration seeds 1..${seeds}, at most ${o.quick ? 100 : 500} runs each`);
    log(`  ${'scenario/variant'.padEnd(48)} found  runs med/worst   seconds med/worst   shrink s  faults`);
    for (const r of rows) {
      log(
        `  ${`${r.scenario}/${r.variant}`.padEnd(48)} ${`${r.found}/${r.seeds}`.padStart(5)}  ${`${fmt(r.medianRuns, 1)}/${fmt(r.worstRuns)}`.padStart(14)}   ${`${fmt(r.medianSeconds, 2)}/${fmt(r.worstSeconds, 2)}`.padStart(16)}   ${fmt(r.medianShrinkSeconds, 2).padStart(7)}  ${fmt(r.maxShrunkFaults).padStart(6)}`,
      );
    }
  }
  if (o.only.has('mutants')) {
    const seeds = o.quick ? 2 : 20;
    const maxRuns = o.quick ? 300 : 1000;
    const twinRuns = o.quick ? 100 : 1000;
    const rows = await measureMutants(seeds, maxRuns, twinRuns, progress);
    if (!o.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    out.mutants = rows;
    log(`\nPlanted bugs: checkLock defaults (in-model faults) on ${rows.length} flawed locks, exploration seeds 1..${seeds}, at most ${maxRuns} runs; each twin ${twinRuns} runs`);
    log(`  ${'family'.padEnd(48)} found  runs med/worst   seconds med/worst  faults  in model   twin`);
    for (const r of rows) {
      const model = r.found === 0 ? '-' : r.outsideModelSeeds === 0 ? 'yes' : `no (${r.outsideModelSeeds})`;
      log(
        `  ${`${r.family}${r.outsideModel ? ' [ALL_FAULTS]' : ''}`.padEnd(48)} ${`${r.found}/${r.seeds}`.padStart(5)}  ${`${fmt(r.medianRuns, 1)}/${fmt(r.worstRuns)}`.padStart(14)}   ${`${fmt(r.medianSeconds, 2)}/${fmt(r.worstSeconds, 2)}`.padStart(16)}  ${fmt(r.maxShrunkFaults).padStart(6)}  ${model.padStart(8)}   ${r.twinPassed ? `pass ${fmt(r.twinSeconds, 1)} s` : `FAIL: ${r.twinFailure ?? ''}`}`,
      );
    }
    const foundAll = rows.filter((r) => r.found === r.seeds).length;
    const perLock = rows.filter((r) => r.medianSeconds !== null).map((r) => r.medianSeconds as number);
    const worst = Math.max(0, ...rows.map((r) => r.worstSeconds ?? 0));
    log(`  found ${foundAll}/${rows.length} at every seed (${rows.filter((r) => r.found > 0).length}/${rows.length} at some seed); median seconds to find ${fmt(median(perLock), 2)}, worst ${fmt(worst, 2)}; max shrunk faults ${fmt(Math.max(0, ...rows.map((r) => r.maxShrunkFaults ?? 0)))}; twins passing ${rows.filter((r) => r.twinPassed).length}/${rows.length}`);
  }
  if (o.only.has('reality') && !o.quick) {
    const r = await measureReality(17_000);
    out.reality = r;
    log(`\nSimulation against reality: ${r.scenario}, ${r.simulatedMs / 1000} s of scenario`);
    log(`  real mode wall s            ${fmt(r.realWallSeconds, 1).padStart(12)}   verdict ${r.realVerdict}`);
    log(`  simulation wall s           ${fmt(r.simulationWallSeconds, 3).padStart(12)}   verdict ${r.simulatedVerdict}`);
    log(`  speed-up                    ${fmt(r.speedup, 0).padStart(12)}x`);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
