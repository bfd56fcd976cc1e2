/**
 * The browser build's versions of Node built-ins compute exactly what Node's do, for what the
 * simulation asks of them (the trace hash depends on it): SHA-1 and SHA-256 digests, Buffer's
 * UTF-8/base64url/hex, POSIX paths, compiled functions, and a nextTick that runs only after
 * every promise continuation queued before it.
 */
import { createHash as nodeCreateHash } from 'node:crypto';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Buffer as BrowserBuffer } from '../../src/play/shims/buffer.ts';
import { createHash } from '../../src/play/shims/crypto.ts';
import { createRequire } from '../../src/play/shims/module.ts';
import * as path from '../../src/play/shims/path.ts';
import { process as browserProcess } from '../../src/play/shims/process.ts';
import { existsSync, readFileSync } from '../../src/play/shims/fs.ts';
import { FENGARI_DIR } from '../../src/play/shims/fengari-sources.ts';
import { compileFunction } from '../../src/play/shims/vm.ts';
import { RandomStream } from '../../src/sim/random.ts';

const random = new RandomStream(7, 'shims');
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => random.int(0, 256));

describe('the browser build\'s shims', () => {
  it('hash as node:crypto does: SHA-1 and SHA-256 of every length around the block sizes, in pieces, and UTF-8 text', () => {
    for (const algorithm of ['sha1', 'sha256']) {
      for (let n = 0; n <= 200; n++) {
        const data = bytes(n);
        expect(createHash(algorithm).update(data).digest('hex'), `${algorithm} of ${n} bytes`).toBe(nodeCreateHash(algorithm).update(data).digest('hex'));
      }
      const big = bytes(100_000);
      expect(createHash(algorithm).update(big.subarray(0, 33)).update(big.subarray(33)).digest('hex')).toBe(nodeCreateHash(algorithm).update(big).digest('hex'));
      const text = "if redis.call('get',KEYS[1])==ARGV[1] then return 1 end -- é ✓ 𝄞";
      expect(createHash(algorithm).update(text, 'utf8').digest('hex')).toBe(nodeCreateHash(algorithm).update(text, 'utf8').digest('hex'));
    }
    expect(() => createHash('md5')).toThrow(/createHash\('md5'\) is not in the browser build/);
  });

  it('encode as Buffer does: UTF-8 lengths, base64url both ways, hex', () => {
    const samples = ['', 'a', 'ab', 'abc', '{"v":1,"scenario":"gc-pause"}', 'é ✓ 𝄞 \u0000 end', JSON.stringify({ faults: [{ kind: 'pause', at: 100 }] })];
    for (const s of samples) {
      expect(BrowserBuffer.byteLength(s, 'utf8')).toBe(Buffer.byteLength(s, 'utf8'));
      const encoded = Buffer.from(s, 'utf8').toString('base64url');
      expect(BrowserBuffer.from(s, 'utf8').toString('base64url')).toBe(encoded);
      expect(BrowserBuffer.from(encoded, 'base64url').toString('utf8')).toBe(s);
      expect(BrowserBuffer.from(s).toString('hex')).toBe(Buffer.from(s).toString('hex'));
      expect(BrowserBuffer.from(s).toString('base64')).toBe(Buffer.from(s).toString('base64'));
    }
  });

  it('join and resolve POSIX paths as node:path does', () => {
    const cases = [['/node_modules/fengari/src', './lua.js'], ['/a/b', '../c'], ['a', 'b/../c'], ['/', 'x'], ['/a/', '/b']];
    for (const [a, b] of cases as Array<[string, string]>) {
      expect(path.join(a, b)).toBe(posix.join(a, b));
      expect(path.resolve('/', a, b)).toBe(posix.resolve('/', a, b));
      expect(path.dirname(path.join(a, b))).toBe(posix.dirname(posix.join(a, b)));
      expect(path.relative(`/${a}`, `/${b}`)).toBe(posix.relative(`/${a}`, `/${b}`));
    }
    expect(path.basename('/x/y.ts', '.ts')).toBe('y');
    expect(path.extname('/x/y.test.ts')).toBe('.ts');
  });

  it('compile a function body with named parameters, and resolve fengari and its one package', () => {
    const f = compileFunction('return a + b * k.scale;', ['a', 'b', 'k'], { filename: '/x.js' });
    expect(f(1, 2, { scale: 10 })).toBe(21);
    const require = createRequire('locksim-play:bundle');
    expect(require.resolve('fengari')).toBe(`${FENGARI_DIR}/fengari.js`);
    expect((require('sprintf-js') as { sprintf: (f: string, ...a: unknown[]) => string }).sprintf('%05.1f|%s', 3.14159, 'x')).toBe('003.1|x');
    expect(() => require('fs')).toThrow(/require\('fs'\) is not in the browser build/);
    expect(existsSync('/etc/passwd')).toBe(false);
    expect(() => readFileSync('/etc/passwd', 'utf8')).toThrow(/no such file in the browser build/);
  });

  it('run a nextTick callback only after every continuation queued before it, in order', async () => {
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      void (async () => {
        for (let i = 0; i < 1_000; i++) await null;
        seen.push('chain');
      })();
      browserProcess.nextTick(() => seen.push('tick 1'));
      browserProcess.nextTick(() => {
        seen.push('tick 2');
        resolve();
      });
    });
    await done;
    expect(seen).toEqual(['chain', 'tick 1', 'tick 2']);
  });
});
