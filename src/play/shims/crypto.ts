/**
 * `node:crypto` in the browser build: `createHash` for SHA-1 and SHA-256 with Node's
 * `update(text | bytes, 'utf8')` / `digest('hex')` surface, which is all the simulation asks of
 * it. Anything else names itself, so a new use is found at once instead of computing otherwise.
 */
import { sha1Hex, sha256Hex } from './sha.ts';

const DIGESTS: Record<string, (message: Uint8Array) => string> = { sha1: sha1Hex, sha256: sha256Hex };
const UTF8 = new TextEncoder();

export interface Hash {
  update(data: string | Uint8Array, encoding?: 'utf8' | 'utf-8'): Hash;
  digest(encoding: 'hex'): string;
}

export function createHash(algorithm: string): Hash {
  const digest = DIGESTS[algorithm];
  if (digest === undefined) throw new Error(`locksim play: createHash('${algorithm}') is not in the browser build (only ${Object.keys(DIGESTS).join(', ')})`);
  const parts: Uint8Array[] = [];
  const hash: Hash = {
    update(data, encoding) {
      if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'utf-8') throw new Error(`locksim play: hash.update with encoding '${encoding}' is not in the browser build`);
      parts.push(typeof data === 'string' ? UTF8.encode(data) : data);
      return hash;
    },
    digest(encoding) {
      if (encoding !== 'hex') throw new Error(`locksim play: hash.digest('${String(encoding)}') is not in the browser build (only 'hex')`);
      const length = parts.reduce((n, p) => n + p.length, 0);
      const message = new Uint8Array(length);
      let at = 0;
      for (const p of parts) {
        message.set(p, at);
        at += p.length;
      }
      return digest(message);
    },
  };
  return hash;
}

export default { createHash };
