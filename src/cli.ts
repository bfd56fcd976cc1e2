/** The `locksim` command's entry point (bin/locksim.js loads it); the commands live in src/cli/. */
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
