/**
 * Replay tokens carry the locksim version that made them (issue #15): a token of this version
 * replays silently; one from another version, or from before versions were recorded, still
 * decodes and replays, with a warning that the trace may differ.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeToken, encodeToken, tokenVersionWarning } from '../../src/explore/token.ts';
import { LOCKSIM_VERSION } from '../../src/version.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'locksim.js');

/** A token's JSON, re-encoded with `change` applied (as another version, or an older locksim, would have written it). */
function rewritten(token: string, change: (fields: Record<string, unknown>) => void): string {
  const fields = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(fields);
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

async function replay(token: string): Promise<{ stdout: string; stderr: string; status: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'replay', token, '--json'], { encoding: 'utf8' });
    return { stdout, stderr, status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.code };
  }
}

const plain = { scenario: 'control', variant: 'single-instance', seed: 3, faults: [], durationMs: 2_000 };

describe('the locksim version in a replay token', () => {
  it('is written last (tokens keep their beginning) and read back', () => {
    const token = encodeToken(plain);
    expect(token.startsWith('eyJ2IjoxLCJzY2VuYXJpbyI6')).toBe(true);
    expect(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toEqual({ v: 1, ...plain, locksim: LOCKSIM_VERSION });
    expect(decodeToken(token).locksim).toBe(LOCKSIM_VERSION);
    expect(tokenVersionWarning(decodeToken(token))).toBeNull();
  });

  it('an older token without a version still decodes, and is warned about', () => {
    const old = rewritten(encodeToken(plain), (f) => delete f.locksim);
    const decoded = decodeToken(old);
    expect(decoded).toMatchObject(plain);
    expect(decoded.locksim).toBeUndefined();
    expect(tokenVersionWarning(decoded)).toBe(
      `this token was made by an older locksim that did not record its version, and this is locksim ${LOCKSIM_VERSION}: it replays, but the trace may differ from the run it recorded (the same trace hash is promised only within one version)`,
    );
  });

  it("another version's token decodes with a warning naming both versions; a version that is not a string is refused", () => {
    const other = decodeToken(rewritten(encodeToken(plain), (f) => (f.locksim = '0.0.1')));
    expect(tokenVersionWarning(other)).toBe(`this token was made by locksim 0.0.1, and this is locksim ${LOCKSIM_VERSION}: it replays, but the trace may differ from the run it recorded (the same trace hash is promised only within one version)`);
    expect(() => decodeToken(rewritten(encodeToken(plain), (f) => (f.locksim = 7)))).toThrow('not a replay token: its locksim version must be a version string, got 7: copy the whole token again');
  });

  it('locksim replay runs another version\'s token and an old one, printing the warning; its own silently', async () => {
    const own = encodeToken(plain);
    const mine = await replay(own);
    expect([mine.status, mine.stderr]).toEqual([0, '']);
    const hash = (JSON.parse(mine.stdout) as { traceHash: string }).traceHash;
    for (const [token, made] of [
      [rewritten(own, (f) => (f.locksim = '0.0.1')), 'locksim 0.0.1'],
      [rewritten(own, (f) => delete f.locksim), 'an older locksim that did not record its version'],
    ] as const) {
      const r = await replay(token);
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(`locksim: warning: this token was made by ${made}, and this is locksim ${LOCKSIM_VERSION}: it replays, but the trace may differ from the run it recorded (the same trace hash is promised only within one version)\n`);
      // Same run here (the same code ran it), and the result's own token is this version's.
      const result = JSON.parse(r.stdout) as { traceHash: string; token: string };
      expect(result.traceHash).toBe(hash);
      expect(decodeToken(result.token).locksim).toBe(LOCKSIM_VERSION);
    }
  }, 60_000);
});
