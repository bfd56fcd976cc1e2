/**
 * The map of the rooms (src/README.md) stays true: every folder of src/ has its line, and the
 * imports issue #15 names never point upward: nothing below the command line imports cli/
 * (report/ included), nothing but the bench imports bench/, the kernel (sim/) imports no
 * service, and the pure Redis engine (redis/engine/) touches neither the kernel nor the node
 * and client that run it there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

/** Every .ts file under src/, as a path from src/. */
function sources(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(SRC, join(dir, e.name))] : []));
}

/** The files under src/ a file imports (or re-exports from), by relative path, types included. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((m) => normalize(join(dirname(file), m[1] as string))).filter((p) => !p.startsWith('..'));
}

const roomOf = (path: string): string => (path.includes('/') ? (path.split('/')[0] as string) : path);

describe('the rooms of src/', () => {
  const files = sources();

  it('src/README.md has a line for every folder', () => {
    const map = readFileSync(join(SRC, 'README.md'), 'utf8');
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.length).toBeGreaterThan(10);
    for (const folder of folders) expect(map, folder).toMatch(new RegExp(`^\\| \`${folder}/\` \\|`, 'm'));
  });

  it('nothing but the command line and its entry point imports cli/', () => {
    const upward = files.filter((f) => roomOf(f) !== 'cli' && f !== 'cli.ts').flatMap((f) => importsOf(f).filter((t) => roomOf(t) === 'cli').map((t) => `${f} → ${t}`));
    expect(upward).toEqual([]);
    // The check can see an import: the entry point's own is found.
    expect(importsOf('cli.ts')).toContain('cli/main.ts');
  });

  it('nothing but the bench imports bench/ (the command line finds the demo world in sim/demo/)', () => {
    const upward = files.filter((f) => roomOf(f) !== 'bench').flatMap((f) => importsOf(f).filter((t) => roomOf(t) === 'bench').map((t) => `${f} → ${t}`));
    expect(upward).toEqual([]);
    expect(importsOf(join('cli', 'main.ts'))).toContain(join('sim', 'demo', 'echo-world.ts'));
  });

  it('the kernel imports no service (redis/, services/, clients/, realm/)', () => {
    const services = new Set(['redis', 'services', 'clients', 'realm']);
    const upward = files.filter((f) => roomOf(f) === 'sim').flatMap((f) => importsOf(f).filter((t) => services.has(roomOf(t))).map((t) => `${f} → ${t}`));
    expect(upward).toEqual([]);
  });

  it('the Redis engine (redis/engine/) imports neither the kernel (sim/) nor the node and client over it', () => {
    const engine = files.filter((f) => f.startsWith(join('redis', 'engine') + '/'));
    expect(engine.length).toBeGreaterThan(10);
    const forbidden = (t: string): boolean => roomOf(t) === 'sim' || t === join('redis', 'node.ts') || t === join('redis', 'client.ts');
    const upward = engine.flatMap((f) => importsOf(f).filter(forbidden).map((t) => `${f} → ${t}`));
    expect(upward).toEqual([]);
    // The check can see an import out of a subfolder: a command file imports the command table.
    expect(importsOf(join('redis', 'engine', 'commands', 'strings.ts'))).toContain(join('redis', 'engine', 'command-table.ts'));
    // And the node, one floor up, does import the kernel: the predicate can say yes.
    expect(importsOf(join('redis', 'node.ts')).some(forbidden)).toBe(true);
  });
});
