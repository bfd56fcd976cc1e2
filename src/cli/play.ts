/**
 * `locksim play`: serves the playground (src/play/) on 127.0.0.1 and keeps serving until
 * interrupted. The page runs the simulator itself, bundled from this locksim's sources.
 */
import { spawn } from 'node:child_process';
import { booleanFlag, integerFlag, parseArgs, UsageError } from './args.ts';
import { startPlayServer } from '../play/server.ts';

export const PLAY_HELP = `usage: locksim play [--port N] [--open]

Serves the playground on http://127.0.0.1 (a free port unless --port N) and prints its address:
a page on which the simulator itself runs in the browser. Choose a lesson (the catalog's
pitfalls, both sides of the 2016 Redlock debate), move a slider or a switch (a pause, a clock
jump, each node's drift, the TTL, the drift factor, the network delay, the number of nodes,
fencing, the lock's algorithm or one of its flaws) and the run is executed again and redrawn
with its verdict, the same SVG timeline as the HTML reports, and the replay token (or the
scenario file) that gives the same run, with the same trace hash, on the command line.
  --port N   listen on port N (1-65535) instead of a free one
  --open     open the page in the desktop's browser (or print where it is)
Stops on Ctrl-C. The same page as a static site: npm run build:play (dist/play/).
`;

export async function playCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('play', args, { '--port': 'integer', '--open': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) {
    process.stdout.write(PLAY_HELP);
    return 0;
  }
  if (parsed.positional.length > 0) throw new UsageError(`play: takes no arguments, got '${parsed.positional.join(' ')}' (try: locksim play --port 8080)`);
  const port = integerFlag(parsed, '--port');
  if (port !== undefined && (port < 1 || port > 65_535)) throw new UsageError(`play: --port must be from 1 to 65535, got ${port} (or leave it out for a free port)`);
  let server;
  try {
    server = await startPlayServer({ port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`play: cannot listen on 127.0.0.1:${port ?? 0} (${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); pick another --port or leave it out`);
    throw error;
  }
  process.stdout.write(`locksim play: the playground is at ${server.url} (Ctrl-C stops it)\n`);
  if (booleanFlag(parsed, '--open')) openInBrowser(server.url);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

/** Opens a URL with the desktop's opener when there is one; otherwise says where it is. */
function openInBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stdout.write(`open ${url} in a browser (no '${opener}' here)\n`));
  child.unref();
}
