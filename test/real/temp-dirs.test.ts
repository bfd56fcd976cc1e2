/**
 * Stale data folders of real mode (issue #17): a real run killed with SIGKILL leaves its
 * `<tmp>/locksim-redis-*` folders; the next run removes those whose owner is dead, and no other.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OWNER_FILE, ownedTempDir, sweepStaleTempDirs } from '../../src/real/temp-dirs.ts';

const parent = mkdtempSync(join(tmpdir(), 'locksim-temp-dirs-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** A process that makes an owned folder in `parent`, prints it, and waits to be killed. */
async function killedOwner(): Promise<string> {
  const script = join(parent, 'owner.mts');
  writeFileSync(script, `import { ownedTempDir } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'real', 'temp-dirs.ts')).href)};
process.stdout.write(ownedTempDir('locksim-redis-', ${JSON.stringify(parent)}) + '\\n');
setInterval(() => {}, 1000);
`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = await new Promise<string>((done) => child.stdout.once('data', (d: Buffer) => done(d.toString().trim())));
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
  return dir;
}

describe('stale real-mode folders', () => {
  it('removes the folders of a SIGKILLed owner on this host, and leaves every other', async () => {
    const dead = await killedOwner();
    expect(JSON.parse(readFileSync(join(dead, OWNER_FILE), 'utf8'))).toMatchObject({ host: hostname() });
    writeFileSync(join(dead, 'appendonly.aof'), 'x');
    const mine = ownedTempDir('locksim-redis-', parent);
    const otherHost = ownedTempDir('locksim-redis-', parent);
    const deadPid = (JSON.parse(readFileSync(join(dead, OWNER_FILE), 'utf8')) as { pid: number }).pid;
    writeFileSync(join(otherHost, OWNER_FILE), JSON.stringify({ pid: deadPid, host: `${hostname()}-elsewhere` }));
    const legacy = join(parent, 'locksim-redis-legacy');
    mkdirSync(legacy);
    const garbled = ownedTempDir('locksim-redis-', parent);
    writeFileSync(join(garbled, OWNER_FILE), '{ half');
    const unrelated = ownedTempDir('other-', parent);
    writeFileSync(join(unrelated, OWNER_FILE), JSON.stringify({ pid: deadPid, host: hostname() }));

    expect(sweepStaleTempDirs('locksim-redis-', parent)).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
    for (const kept of [mine, otherHost, legacy, garbled, unrelated]) expect(existsSync(kept), kept).toBe(true);
    expect(sweepStaleTempDirs('locksim-redis-', parent)).toEqual([]);
  });
});
