/**
 * The `locksim` command line. Exit codes: 0 success (or: observed verdict as expected),
 * 1 a verdict other than expected, 2 bad input.
 */
import { echoWorld } from './bench/echo-world.ts';
import { formatMicros, seconds } from './sim/index.ts';

const USAGE = `usage: locksim <command> [options]

commands:
  demo [--seed N] [--seconds S] [--trace]   run the kernel's demo world (10 clients and an
                                            echo server over a simulated network) and print
                                            its trace hash: the same on every run and machine
  help                                      this text

options:
  --json    print one JSON object instead of text
  --help    help for a command

Scenario commands (list, run, explore, replay) arrive with the scenario catalog.
`;

class UsageError extends Error {}

interface DemoOptions {
  seed: number;
  seconds: number;
  trace: boolean;
  json: boolean;
}

function parseInteger(flag: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`${flag} needs a value, e.g. ${flag} 42`);
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, got '${value}'`);
  return Number(value);
}

function parseDemo(args: string[]): DemoOptions {
  const options: DemoOptions = { seed: 1, seconds: 1, trace: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--seed') options.seed = parseInteger(arg, args[++i]);
    else if (arg === '--seconds') options.seconds = parseInteger(arg, args[++i]);
    else if (arg === '--trace') options.trace = true;
    else if (arg === '--json') options.json = true;
    else throw new UsageError(`demo: unknown option '${arg}' (try: locksim demo --help)`);
  }
  if (options.seconds <= 0) throw new UsageError(`--seconds must be positive, got ${options.seconds}`);
  return options;
}

async function demo(options: DemoOptions): Promise<number> {
  const world = echoWorld({ seed: options.seed, keepTrace: options.trace });
  const summary = await world.run({ until: seconds(options.seconds) });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ seed: options.seed, simulatedSeconds: options.seconds, events: summary.events, traceHash: summary.traceHash })}\n`);
    return 0;
  }
  if (options.trace) {
    for (const e of world.trace.entries ?? []) {
      process.stdout.write(`${formatMicros(e.at).padStart(14)}  ${e.kind.padEnd(8)} ${e.process.padEnd(10)} ${e.detail}\n`);
    }
  }
  process.stdout.write(`demo world: seed ${options.seed}, ${options.seconds} simulated s, ${summary.events} events\ntrace hash ${summary.traceHash}\nreplay: locksim demo --seed ${options.seed} --seconds ${options.seconds}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'demo') {
      if (rest.includes('--help')) {
        process.stdout.write(USAGE);
        return 0;
      }
      return await demo(parseDemo(rest));
    }
    throw new UsageError(`unknown command '${command}' (commands: demo, help)`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`locksim: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
