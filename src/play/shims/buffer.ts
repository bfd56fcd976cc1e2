/**
 * The few `Buffer` operations the simulation and replay tokens use, for the browser build
 * (injected by esbuild for the free name `Buffer`): UTF-8 byte lengths (Redis's STRLEN,
 * APPEND), UTF-8 ⇄ base64url (replay tokens) and hex. Anything else names itself.
 */

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8');

type Encoding = 'utf8' | 'utf-8' | 'base64url' | 'base64' | 'hex';

function base64(bytes: Uint8Array, url: boolean): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  const text = btoa(binary);
  return url ? text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : text;
}

function fromBase64(text: string): Uint8Array {
  // Node ignores characters outside the alphabet; atob refuses them, so drop them first.
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/[^A-Za-z0-9+/]/g, '');
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Bytes with Node's `Buffer` statics and `toString(encoding)`; not a Uint8Array subclass (its `from` differs). */
export class Buffer {
  private constructor(readonly bytes: Uint8Array) {}

  get length(): number {
    return this.bytes.length;
  }

  static from(value: string | ArrayLike<number>, encoding: Encoding = 'utf8'): Buffer {
    if (typeof value !== 'string') return new Buffer(Uint8Array.from(value));
    switch (encoding) {
      case 'utf8':
      case 'utf-8':
        return new Buffer(UTF8_ENCODER.encode(value));
      case 'base64':
      case 'base64url':
        return new Buffer(fromBase64(value));
      case 'hex':
        return new Buffer(Uint8Array.from(value.match(/[0-9a-fA-F]{2}/g) ?? [], (pair) => parseInt(pair, 16)));
      default:
        throw new Error(`locksim play: Buffer.from with encoding '${String(encoding)}' is not in the browser build`);
    }
  }

  static byteLength(value: string | Uint8Array | Buffer, encoding: Encoding = 'utf8'): number {
    if (typeof value !== 'string') return value.length;
    if (encoding !== 'utf8' && encoding !== 'utf-8') throw new Error(`locksim play: Buffer.byteLength with encoding '${encoding}' is not in the browser build`);
    return UTF8_ENCODER.encode(value).length;
  }

  static isBuffer(value: unknown): value is Buffer {
    return value instanceof Buffer;
  }

  toString(encoding: Encoding = 'utf8'): string {
    switch (encoding) {
      case 'utf8':
      case 'utf-8':
        return UTF8_DECODER.decode(this.bytes);
      case 'base64':
        return base64(this.bytes, false);
      case 'base64url':
        return base64(this.bytes, true);
      case 'hex':
        return Array.from(this.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      default:
        throw new Error(`locksim play: buffer.toString('${String(encoding)}') is not in the browser build`);
    }
  }
}
