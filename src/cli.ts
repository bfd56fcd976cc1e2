/** The `locksim` command's entry point (bin/locksim.js loads it); the commands live in src/cli/. */
import { main } from './cli/main.ts';

// `locksim list | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
