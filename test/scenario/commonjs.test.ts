/**
 * Scenario files in a CommonJS project (issue #17: npm init writes "type": "commonjs"): written
 * with import/export, they load as .ts, .cts, .js and .mts alike, with their relative imports; and
 * one written in CommonJS (module.exports, exports.default) loads as it is.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'locksim.js');
/** locksim's sources by path (a file URL is not a specifier require() takes). */
const LOCKSIM = join(import.meta.dirname, '..', '..', 'src', 'index.ts');
const project = mkdtempSync(join(tmpdir(), 'locksim-commonjs-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function cli(args: readonly string[]): { stdout: string; stderr: string; status: number } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '', status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.status };
  }
}

const body = (name: string, lock: string) => `{
  name: '${name}', title: 'a scenario', explanation: 'in a CommonJS project',
  world: { nodes: 1, clients: 2, durationMs: 2000 },
  workload: { resource: 'lock:x', ttlMs: 1000, workMs: { min: 10, max: 20 }, thinkMs: { min: 10, max: 20 } },
  faults: [],
  variants: [{ name: 'si', lock: ${lock}, expected: 'safe' }],
}`;

describe('scenario files in a CommonJS project', () => {
  writeFileSync(join(project, 'package.json'), '{ "name": "cjs-project", "version": "1.0.0", "type": "commonjs" }\n');
  writeFileSync(join(project, 'settings.ts'), `export const ttlMs: number = 1000;\n`);
  for (const ext of ['ts', 'cts', 'js', 'mts']) writeFileSync(join(project, `it.${ext}`), `import { singleInstance } from '${LOCKSIM}';\nexport default ${body(`it-${ext}`, 'singleInstance()')};\n`);
  writeFileSync(join(project, 'typed.ts'), `import { singleInstance, type Scenario } from '${LOCKSIM}';\nimport { ttlMs } from './settings.ts';\nconst scenario: Scenario = ${body('typed', 'singleInstance()').replace('ttlMs: 1000', 'ttlMs')};\nexport default scenario;\n`);
  // A lock written in CommonJS, needing nothing of locksim: SET NX PX, and a compare-free DEL.
  const plainLock = `({ nodes, clock, random }) => ({ name: 'plain', async acquire(resource, ttlMs) { const value = random.hex(8); const start = clock.monotonic(); return (await nodes[0].call('SET', resource, value, 'NX', 'PX', ttlMs)) === 'OK' ? { resource, value, validUntil: start + ttlMs / 2, timeSource: 'monotonic' } : null; }, async release(lease) { await nodes[0].call('DEL', lease.resource); } })`;
  writeFileSync(join(project, 'old.cjs'), `module.exports = ${body('old', plainLock)};\n`);
  writeFileSync(join(project, 'old-default.cts'), `exports.default = ${body('old-default', plainLock)};\n`);

  it.each(['it.ts', 'it.cts', 'it.js', 'it.mts', 'typed.ts', 'old.cjs', 'old-default.cts'])('%s loads and runs', (file) => {
    const r = cli(['run', `./${file}`, '--no-reports', '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: file.replace(/\.\w+$/, '').replace(/^it$/, `it-${file.split('.')[1]}`), expected: 'safe', invalid: null });
    expect(readdirSync(project).filter((f) => f.includes('.locksim-'))).toEqual([]);
  });
});
