/**
 * `npm run bench`: prints locksim's speed figures on this machine (medians over repeated runs).
 * A benchmark, not a test: it asserts nothing. `--quick` runs each figure once, briefly (CI
 * uses it to prove the command still works); `--json` prints one JSON object.
 */
import { cpus } from 'node:os';
import { measureKernel, type KernelFigures } from './kernel.ts';

interface Options {
  quick: boolean;
  json: boolean;
}

function parse(argv: string[]): Options {
  const options: Options = { quick: false, json: false };
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench -- [--quick] [--json]\n  --quick  one short run per figure (proves the bench works; figures are rough)\n  --json   print one JSON object instead of the table\n');
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option '${arg}' (try --help)\n`);
      process.exit(2);
    }
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const repeats = options.quick ? 1 : 5;
  const simSeconds = options.quick ? 5 : 60;
  const runs: KernelFigures[] = [];
  await measureKernel(options.quick ? 1 : 10); // warm-up: let V8 optimise the hot paths
  for (let i = 0; i < repeats; i++) runs.push(await measureKernel(simSeconds, i + 1));
  const long = await measureKernel(options.quick ? 20 : 600, 99);
  const kernel = {
    workload: '10 clients looping over awaited request/replies to an echo server, delay 0.1-2 ms',
    simulatedSeconds: simSeconds,
    repeats,
    eventsPerSecond: Math.round(median(runs.map((r) => r.eventsPerSecond))),
    traceEventsPerSecond: Math.round(median(runs.map((r) => r.traceEventsPerSecond))),
    simulatedSecondsPerSecond: Number(median(runs.map((r) => r.simulatedSecondsPerSecond)).toFixed(1)),
    eventsPerRun: runs[0]?.events ?? 0,
    heapMiBAfterShortRun: Number(median(runs.map((r) => r.heapMiB)).toFixed(1)),
    heapMiBAfterLongRun: Number(long.heapMiB.toFixed(1)),
    longRunSimulatedSeconds: long.simulatedSeconds,
  };
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ machine, kernel }, null, 2)}\n`);
    return;
  }
  const rows: Array<[string, string, string]> = [
    ['scheduled events / wall second', kernel.eventsPerSecond.toLocaleString('en-US'), 'deliveries + timer firings; target >= 1,000,000'],
    ['kernel events / wall second', kernel.traceEventsPerSecond.toLocaleString('en-US'), 'every traced event, sends included'],
    ['simulated seconds / wall second', String(kernel.simulatedSecondsPerSecond), ''],
    ['events per run', kernel.eventsPerRun.toLocaleString('en-US'), `${simSeconds} simulated s`],
    ['heap after run (MiB)', String(kernel.heapMiBAfterShortRun), `after ${simSeconds} simulated s`],
    ['heap after long run (MiB)', String(kernel.heapMiBAfterLongRun), `after ${long.simulatedSeconds} simulated s: flat = memory does not grow with time`],
  ];
  process.stdout.write(`locksim bench on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}${options.quick ? ' [quick: rough figures]' : ''}\n\n`);
  process.stdout.write(`Kernel: ${kernel.workload} (median of ${repeats})\n`);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, note] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${value.padStart(12)}  ${note}\n`);
}

await main();
