/**
 * `locksim play` as a user starts it: it prints where the playground is, serves the page and
 * its script on 127.0.0.1 (and nothing else), refuses a bad port with a message that says what
 * to do, and stops cleanly on SIGTERM / Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, makePlayProject } from './project.ts';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `locksim play` with `args`; resolves with the address it printed. */
function startPlay(args: readonly string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'play', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /the playground is at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m !== null) resolve({ child, url: m[1] as string });
    });
    child.stderr?.on('data', (chunk: Buffer) => void (err += chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`locksim play exited with ${String(code)} before printing its address: ${out}${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('locksim play', () => {
  it('serves the page and its script on a free port, nothing else, and stops on SIGTERM', async () => {
    const { child, url } = await startPlay();
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<script src="play.js"></script>');
    const script = await fetch(new URL('play.js', url));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    const js = await script.text();
    // The simulator itself is in it: the kernel's scheduler and fengari's sources, patched at run time.
    expect(js).toContain('foreignTicksPending');
    expect(js).toContain('/node_modules/fengari/src/lvm.js');
    expect((await fetch(new URL('package.json', url))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('refuses a bad port, a port in use and stray arguments, saying what to do (exit 2)', async () => {
    const project = makePlayProject();
    try {
      const high = project.cli(['play', '--port', '70000']);
      expect(high.status).toBe(2);
      expect(high.stderr).toContain('--port must be from 1 to 65535, got 70000');
      const stray = project.cli(['play', 'gc-pause']);
      expect(stray.status).toBe(2);
      expect(stray.stderr).toContain("play: takes no arguments, got 'gc-pause'");
      const busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      const port = (busy.address() as { port: number }).port;
      try {
        const taken = project.cli(['play', '--port', String(port)]);
        expect(taken.status).toBe(2);
        expect(taken.stderr).toContain(`cannot listen on 127.0.0.1:${port} (the port is in use)`);
      } finally {
        busy.close();
      }
      expect(project.cli(['play', '--help']).stdout).toContain('usage: locksim play [--port N] [--open]');
    } finally {
      project.remove();
    }
  });
});
