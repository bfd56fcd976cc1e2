import seedrandom from 'seedrandom';
import type { Random } from '../locks/interface.ts';

/**
 * Seeded random streams, split by purpose: locksim's one seeded random, in the simulation and
 * in real mode alike. Every stream's seed is a hash of (root seed, stream name), so streams are
 * independent: drawing more network delays does not shift the workload's choices, and a new
 * fault does not change any process's tokens. (Hashing matters: consecutive raw seeds give
 * correlated first outputs in some generators.) A root seed given as text is the same seed as
 * the number it spells: `new RandomStream(42)` and `new RandomStream('42')` draw alike.
 */
export class RandomStream implements Random {
  private readonly generator: seedrandom.PRNG;

  constructor(
    readonly rootSeed: number | string,
    readonly name = '',
  ) {
    this.generator = seedrandom.alea(deriveSeed(rootSeed, name));
  }

  /** A float in [0, 1). */
  next(): number {
    return this.generator();
  }

  /** An integer in [min, max); a RangeError unless both are integers and min < max (as `crypto.randomInt`). */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max <= min) {
      throw new RangeError(`int(min, max) needs integers with min < max, got (${min}, ${max})`);
    }
    return min + Math.floor(this.generator() * (max - min));
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + this.generator() * (max - min);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.generator() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('RandomStream.pick: empty array');
    return items[Math.floor(this.generator() * items.length)] as T;
  }

  /** `bytes` random bytes as lower-case hex; a RangeError unless `bytes` is an integer >= 0. */
  hex(bytes: number): string {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`hex(bytes) needs an integer >= 0, got ${bytes}`);
    let out = '';
    for (let i = 0; i < bytes; i += 4) {
      const word = Math.floor(this.generator() * 0x1_0000_0000);
      // The word's 8 hex digits, most significant first (as toString(16) padded to 8 would give).
      out += (HEX_BYTE[word >>> 24] as string) + (HEX_BYTE[(word >>> 16) & 0xff] as string) + (HEX_BYTE[(word >>> 8) & 0xff] as string) + (HEX_BYTE[word & 0xff] as string);
    }
    return out.length === bytes * 2 ? out : out.slice(0, bytes * 2);
  }

  /** An independent stream named under this one: `workload` → `workload/client-1`. */
  fork(name: string): RandomStream {
    return new RandomStream(this.rootSeed, `${this.name}/${name}`);
  }
}

/** Two lower-case hex digits of each byte value. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The seed string of stream `name` under `rootSeed`: a 53-bit hash (cyrb53) of both. */
export function deriveSeed(rootSeed: number | string, name: string): string {
  const text = `${rootSeed}\u0000${name}`;
  let h1 = 0xdeadbeef ^ 0x5eed;
  let h2 = 0x41c6ce57 ^ 0x5eed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
