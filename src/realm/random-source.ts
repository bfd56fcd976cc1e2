/**
 * Random bytes, UUIDs and integers for a realm, all drawn from the simulated process's seeded
 * stream (never from the operating system): what `crypto.randomBytes`, `crypto.randomUUID`,
 * `crypto.getRandomValues` and `Math.random` return inside a realm.
 */
import type { Random } from '../locks/interface.ts';

export class RealmRandom {
  constructor(private readonly random: Random) {}

  /** A float in [0, 1): `Math.random()`. */
  float(): number {
    return this.random.next();
  }

  /** `size` seeded bytes. */
  bytes(size: number): Buffer {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${String(size)}`);
    return size === 0 ? Buffer.alloc(0) : Buffer.from(this.random.hex(size), 'hex');
  }

  /** Fills a typed array (or Buffer, DataView) with seeded bytes, as `getRandomValues` does. */
  fill<T extends ArrayBufferView>(view: T, offset = 0, size?: number): T {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const length = size ?? bytes.length - offset;
    bytes.set(this.bytes(length), offset);
    return view;
  }

  /** A version 4 UUID from seeded bytes (RFC 4122 layout, as `crypto.randomUUID()`). */
  uuid(): string {
    const b = this.bytes(16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** An integer in [min, max): `crypto.randomInt(min, max)`. */
  int(min: number, max: number): number {
    return this.random.int(min, max);
  }
}
