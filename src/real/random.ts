/**
 * A seeded `Random` for real mode (and tests): seedrandom's Alea generator, so a run's tokens
 * and retry delays are reproducible from the seed.
 */
import seedrandom from 'seedrandom';
import type { Random } from '../locks/interface.ts';

export class SeededRandom implements Random {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: string | number) {
    this.prng = seedrandom.alea(String(seed));
  }

  next(): number {
    return this.prng();
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max <= min) {
      throw new RangeError(`int(min, max) needs integers with min < max, got (${min}, ${max})`);
    }
    return min + Math.floor(this.prng() * (max - min));
  }

  hex(bytes: number): string {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`hex(bytes) needs an integer >= 0, got ${bytes}`);
    let out = '';
    for (let i = 0; i < bytes; i++) out += Math.floor(this.prng() * 256).toString(16).padStart(2, '0');
    return out;
  }
}

/** A seeded random source (Alea). */
export function seededRandom(seed: string | number): SeededRandom {
  return new SeededRandom(seed);
}
