/**
 * Runs sweep seeds in a fresh process and prints their outcomes as JSON lines (for
 * test/explore/run-independence.test.ts: what a run gives when nothing ran before it).
 * Usage: node --import tsx test/support/run-alone.ts <scenario> <variant> <seed> [<scenario> <variant> <seed> ...]
 */
import { sweepOne } from '../../src/explore/sweep.ts';
import { loadScenario } from '../../src/scenario/load.ts';

const args = process.argv.slice(2);
for (let i = 0; i + 2 < args.length; i += 3) {
  const [ref, variant, seed] = [args[i] as string, args[i + 1] as string, Number(args[i + 2])];
  const run = await sweepOne(await loadScenario(ref), ref, variant, seed);
  process.stdout.write(`${JSON.stringify({ ref, variant, seed, verdict: run.verdict, traceHash: run.traceHash })}\n`);
}
