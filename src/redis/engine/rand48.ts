/**
 * Redis's `redisLrand48` (rand.c), which backs `math.random` in scripts: the classic 48-bit
 * linear congruential generator X' = (0x5DEECE66D * X + 0xB) mod 2^48, returning X' >> 17.
 *
 * Redis keeps one generator per process, never reseeds it between scripts (not even on SCRIPT
 * FLUSH), and starts from the unseeded state 0x1234ABCD330E; `math.randomseed(n)` reseeds it.
 * Arithmetic is done on 16-bit limbs so that it stays exact in doubles.
 */
export const REDIS_LRAND48_MAX = 2147483647;

export class Rand48 {
  private x0 = 0x330e;
  private x1 = 0xabcd;
  private x2 = 0x1234;

  /** `redisSrand48(seed)`. */
  seed(seedval: number): void {
    const s = seedval | 0;
    this.x0 = 0x330e;
    this.x1 = s & 0xffff;
    this.x2 = (s >>> 16) & 0xffff;
  }

  /** The unseeded start state (a fresh process). */
  reset(): void {
    this.x0 = 0x330e;
    this.x1 = 0xabcd;
    this.x2 = 0x1234;
  }

  /** `redisLrand48()`: a 31-bit non-negative integer. */
  next(): number {
    const a0 = 0xe66d;
    const a1 = 0xdeec;
    const a2 = 0x5;
    const { x0, x1, x2 } = this;
    // (a * x + c) mod 2^48 by 16-bit limbs, carries propagated in exact double arithmetic.
    let t = a0 * x0 + 0xb;
    const n0 = t % 0x10000;
    t = Math.floor(t / 0x10000) + a0 * x1 + a1 * x0;
    const n1 = t % 0x10000;
    t = Math.floor(t / 0x10000) + a0 * x2 + a1 * x1 + a2 * x0;
    const n2 = t % 0x10000;
    this.x0 = n0;
    this.x1 = n1;
    this.x2 = n2;
    return n2 * 0x8000 + (n1 >>> 1);
  }

  /** What `math.random()` computes its result from: a double in [0, 1). */
  nextUnit(): number {
    return (this.next() % REDIS_LRAND48_MAX) / REDIS_LRAND48_MAX;
  }
}
