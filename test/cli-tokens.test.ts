/**
 * Replay tokens of scenario files (issue #17): they replay from any folder of the project (the
 * path is kept from the project's root, the folder of its package.json), and warn when the file
 * changed since. A checkLock token is not for the command line.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeToken, encodeToken } from '../src/explore/token.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'locksim.js');
const LOCKSIM = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href;
const project = mkdtempSync(join(tmpdir(), 'locksim-tokens-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function cli(args: readonly string[], cwd: string): { stdout: string; stderr: string; status: number } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '', status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.status };
  }
}

describe('scenario-file tokens', () => {
  it('replay from any folder of the project, and warn when the file changed', () => {
    writeFileSync(join(project, 'package.json'), '{ "name": "tokens", "type": "module" }\n');
    mkdirSync(join(project, 'locksim'));
    mkdirSync(join(project, 'src', 'deep'), { recursive: true });
    writeFileSync(
      join(project, 'locksim', 'it.ts'),
      `import { singleInstance } from '${LOCKSIM}';
export default {
  name: 'it', title: 'a pause', explanation: 'for the token test',
  world: { nodes: 1, clients: 2, durationMs: 3000 },
  workload: { resource: 'lock:x', ttlMs: 1000, workMs: { min: 10, max: 20 }, thinkMs: { min: 10, max: 20 } },
  faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 1500 }],
  variants: [{ name: 'si', lock: singleInstance(), expected: 'unsafe' }],
};
`,
    );
    const run = JSON.parse(cli(['run', './it.ts', '--no-reports', '--json'], join(project, 'locksim')).stdout) as { token: string; traceHash: string };
    const token = decodeToken(run.token);
    expect(token.scenario).toBe('./it.ts');
    expect(token.file?.path).toBe('locksim/it.ts');
    expect(token.file?.sha256).toMatch(/^[0-9a-f]{16}$/);
    for (const cwd of [project, join(project, 'src', 'deep'), join(project, 'locksim')]) {
      const replayed = cli(['replay', run.token, '--json'], cwd);
      expect(replayed.stderr, cwd).toBe('');
      expect((JSON.parse(replayed.stdout) as { traceHash: string }).traceHash).toBe(run.traceHash);
    }
    const outside = cli(['replay', run.token], tmpdir());
    expect(outside.status).toBe(2);
    expect(outside.stderr).toContain('the token\'s scenario file is locksim/it.ts from the root of its project (the folder of its package.json); replay from a folder of that project');
    appendFileSync(join(project, 'locksim', 'it.ts'), '// changed\n');
    const changed = cli(['replay', run.token, '--json'], join(project, 'src'));
    expect(changed.stderr).toContain('locksim: warning: ../locksim/it.ts has changed since the token was made (its contents differ): the replay runs the file as it is now, and may not reproduce the run');
    expect((JSON.parse(changed.stdout) as { traceHash: string }).traceHash).toBe(run.traceHash);
  });

  it('a checkLock token on the command line says where to replay it', () => {
    const token = encodeToken({ scenario: 'check-lock', variant: 'lock', seed: 1, faults: [], options: { nodes: 3 } });
    const r = cli(['replay', token], project);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("this token is from a checkLock test (its lock is in your test file): replay it there, with checkLock({ ...sameOptions, replay: '<token>' })");
  });
});
