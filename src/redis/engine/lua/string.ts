/**
 * Lua 5.1's string library where fengari's 5.3 one differs in a way a script can tell, as
 * Redis 7.0 embeds it (numbers follow glibc's printf and x86-64's casts):
 *
 * - `string.format`: every conversion is C's printf (%e %f %g exact and rounded to nearest even,
 *   %G, flags, width, precision), %d/%x/%c take any number and cast it, %s needs a string or a
 *   number, %q is 5.1's quoting, %a and other letters are invalid options, an item stops at a
 *   NUL byte (`%c` of 0 adds nothing).
 * - `string.rep` has no separator; `string.char` says "invalid value".
 * - 5.1's `string.gfind`; 5.3's `pack`, `unpack` and `packsize` are gone (its prelude part).
 */
import type { LuaJsFunction } from '../fengari.ts';
import { doubleToInt64, formatDouble, type PrintfSpec } from '../numbers.ts';
import type { LibraryTools } from './library.ts';

const TWO_63 = 9223372036854775808;

/** C's `(int)x` of a double on x86-64 (cvttsd2si): truncation, INT_MIN when out of range or NaN. */
function cInt32(x: number): number {
  return x > -2147483649 && x < 2147483648 ? x | 0 : -2147483648;
}

/** C's `(unsigned long)x` as gcc compiles it for x86-64. */
function cUnsignedLong(x: number): bigint {
  if (x >= TWO_63) return BigInt.asUintN(64, BigInt(doubleToInt64(x - TWO_63)) ^ -(1n << 63n));
  return BigInt.asUintN(64, BigInt(doubleToInt64(x)));
}

/** Bytes of an ASCII string. */
function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A growable byte buffer (luaL_Buffer). */
class Bytes {
  private buf = new Uint8Array(64);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buf.length) this.grow(1);
    this.buf[this.length++] = byte;
  }

  append(bytes: Uint8Array, end = bytes.length): void {
    if (this.length + end > this.buf.length) this.grow(end);
    this.buf.set(end === bytes.length ? bytes : bytes.subarray(0, end), this.length);
    this.length += end;
  }

  /** Appends what C's `strlen` would keep of `bytes`: everything before the first NUL. */
  appendCString(bytes: Uint8Array): void {
    const nul = bytes.indexOf(0);
    this.append(bytes, nul < 0 ? bytes.length : nul);
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + extra));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

/** C's printf padding of a conversion's text to `width` (flags '-' and, for numbers, '0'). */
function pad(body: Uint8Array, spec: PrintfSpec): Uint8Array {
  const width = spec.width ?? 0;
  if (body.length >= width) return body;
  const out = new Uint8Array(width).fill(32);
  out.set(body, spec.flags.includes('-') ? 0 : width - body.length);
  return out;
}

/** One integer conversion of C's printf (%d %i %o %u %x %X) of a 64-bit value. */
function formatInteger(spec: PrintfSpec, conv: string, v: bigint): string {
  const { flags, width, precision } = spec;
  let digits: string;
  let sign = '';
  let prefix = '';
  if (conv === 'd' || conv === 'i') {
    digits = (v < 0n ? -v : v).toString();
    sign = v < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  } else {
    digits = v.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16);
    if (conv === 'X') digits = digits.toUpperCase();
    if (flags.includes('#')) {
      if (conv === 'o' && digits[0] !== '0') digits = '0' + digits;
      if ((conv === 'x' || conv === 'X') && v !== 0n) prefix = conv === 'x' ? '0x' : '0X';
    }
  }
  if (precision !== null) {
    if (precision === 0 && v === 0n) digits = conv === 'o' && flags.includes('#') ? '0' : '';
    digits = digits.padStart(precision, '0');
  }
  let body = sign + prefix + digits;
  if (width !== null && body.length < width) {
    if (flags.includes('-')) body = body.padEnd(width, ' ');
    else if (flags.includes('0') && precision === null) body = sign + prefix + digits.padStart(width - sign.length - prefix.length, '0');
    else body = body.padStart(width, ' ');
  }
  return body;
}

const FLAG_BYTES = ascii('-+ #0');
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;

/** Lua run once the library is installed (in the state's prelude chunk). */
export const STRING_PRELUDE = `
string.gfind = string.gmatch
string.pack = nil
string.unpack = nil
string.packsize = nil
`;

/** Installs the 5.1 functions into L's `string` table (before it is made read-only). */
export function installStringLibrary(tools: LibraryTools): void {
  const { f, error, argError, checkInt, install } = tools;
  const { lua, lauxlib } = f;

  const format: LuaJsFunction = (S) => {
    const top = lua.lua_gettop(S);
    const fmt = lauxlib.luaL_checklstring(S, 1);
    const out = new Bytes();
    let arg = 1;
    let i = 0;
    while (i < fmt.length) {
      if (fmt[i] !== 37 /* % */) {
        out.push(fmt[i++]);
        continue;
      }
      if (fmt[++i] === 37) {
        out.push(fmt[i++]);
        continue;
      }
      if (++arg > top) return argError(S, arg, 'no value');
      // scanformat
      let p = i;
      while (p < fmt.length && fmt[p] !== 0 && FLAG_BYTES.includes(fmt[p])) p++;
      if (p - i >= 6) return error(S, 'invalid format (repeated flags)');
      const flags = f.to_jsstring(fmt.subarray(i, p));
      const widthStart = p;
      if (isDigit(fmt[p])) p++;
      if (isDigit(fmt[p])) p++;
      const width = p > widthStart ? Number(f.to_jsstring(fmt.subarray(widthStart, p))) : null;
      let precision: number | null = null;
      if (fmt[p] === 46 /* . */) {
        p++;
        const precisionStart = p;
        if (isDigit(fmt[p])) p++;
        if (isDigit(fmt[p])) p++;
        precision = p > precisionStart ? Number(f.to_jsstring(fmt.subarray(precisionStart, p))) : 0;
      }
      if (isDigit(fmt[p])) return error(S, 'invalid format (width or precision too long)');
      const spec: PrintfSpec = { flags, width, precision };
      const conv = p < fmt.length ? fmt[p] : 0;
      i = p + 1;
      switch (String.fromCharCode(conv)) {
        case 'c':
          out.appendCString(pad(Uint8Array.of(cInt32(lauxlib.luaL_checknumber(S, arg)) & 0xff), spec));
          break;
        case 'd':
        case 'i':
          out.append(ascii(formatInteger(spec, 'd', BigInt(doubleToInt64(lauxlib.luaL_checknumber(S, arg))))));
          break;
        case 'o':
        case 'u':
        case 'x':
        case 'X':
          out.append(ascii(formatInteger(spec, String.fromCharCode(conv), cUnsignedLong(lauxlib.luaL_checknumber(S, arg)))));
          break;
        case 'e':
        case 'E':
        case 'f':
        case 'g':
        case 'G':
          out.append(ascii(formatDouble(String.fromCharCode(conv) as 'e', spec, lauxlib.luaL_checknumber(S, arg))));
          break;
        case 'q': {
          const s = lauxlib.luaL_checklstring(S, arg);
          out.push(34);
          for (const byte of s) {
            if (byte === 34 || byte === 92 || byte === 10) {
              out.push(92);
              out.push(byte);
            } else if (byte === 13) out.append(ascii('\\r'));
            else if (byte === 0) out.append(ascii('\\000'));
            else out.push(byte);
          }
          out.push(34);
          break;
        }
        case 's': {
          const s = lauxlib.luaL_checklstring(S, arg);
          if (precision === null && s.length >= 100) {
            // Too long to be formatted: kept whole, NUL bytes included.
            out.append(s);
            break;
          }
          const nul = s.indexOf(0);
          let text = nul < 0 ? s : s.subarray(0, nul);
          if (precision !== null && text.length > precision) text = text.subarray(0, precision);
          out.appendCString(pad(text, spec));
          break;
        }
        default: {
          const message = new Bytes();
          message.append(ascii("invalid option '%"));
          if (conv !== 0) message.push(conv);
          message.append(ascii("' to 'format'"));
          return lauxlib.luaL_error(S, f.to_luastring('%s'), message.result());
        }
      }
    }
    lua.lua_pushstring(S, out.result());
    return 1;
  };

  install('string', {
    format,
    rep: (S) => {
      const s = lauxlib.luaL_checklstring(S, 1);
      const n = checkInt(S, 2);
      const out = new Bytes();
      for (let k = 0; k < n; k++) out.append(s);
      lua.lua_pushstring(S, out.result());
      return 1;
    },
    char: (S) => {
      const n = lua.lua_gettop(S);
      const out = new Uint8Array(n);
      for (let k = 1; k <= n; k++) {
        const c = checkInt(S, k);
        if ((c & 0xff) !== c) return argError(S, k, 'invalid value');
        out[k - 1] = c;
      }
      lua.lua_pushstring(S, out);
      return 1;
    },
  });
}
