/**
 * The Lua 5.1 standard library functions whose 5.3 versions (fengari's) differ where a script can
 * tell: Lua 5.1.5's code, transcribed, with Redis's `math.random` and LuaBitOp's `bit`. Numbers
 * follow glibc (Redis's C library): `strtod`, `strtoul`, `printf`, C's casts on x86-64.
 *
 * - `string.format`: every conversion is C's printf (%e %f %g exact and rounded to nearest even,
 *   %G, flags, width, precision), %d/%x/%c take any number and cast it, %s needs a string or a
 *   number, %q is 5.1's quoting, %a and other letters are invalid options, an item stops at a
 *   NUL byte (`%c` of 0 adds nothing).
 * - `tonumber(s, base)`: `strtoul` (a leading '-' wraps modulo 2^64, "0x" before base-16 digits).
 * - `math`: 5.1's set and definitions (`log` takes one argument, `deg` divides, `modf` keeps
 *   signs, `max`/`min` return numbers), Redis's `random`.
 * - `string.rep` has no separator; `string.char` says "invalid value"; `unpack`,
 *   `table.insert` and `table.remove` are 5.1's (no bounds errors; raw accesses).
 * - `table.sort` is 5.1's quicksort (5.3's picks random pivots with Math.random).
 */
import type { Fengari, LuaState } from './fengari.ts';
import { doubleToInt64, formatDouble, luaPow, strtoul, type PrintfSpec } from './numbers.ts';
import type { Rand48 } from './rand48.ts';

type Fn = (L: LuaState) => number;

const TWO_63 = 9223372036854775808;

/** C's `(int)(ptrdiff_t)x` on x86-64 (luaL_checkint): truncation, low 32 bits, 0 for NaN. */
function cInt(x: number): number {
  return x >= -TWO_63 && x < TWO_63 ? x | 0 : 0;
}

/** C's `(int)x` of a double on x86-64 (cvttsd2si): truncation, INT_MIN when out of range or NaN. */
function cInt32(x: number): number {
  return x > -2147483649 && x < 2147483648 ? x | 0 : -2147483648;
}

/** C's `(unsigned long)x` as gcc compiles it for x86-64. */
function cUnsignedLong(x: number): bigint {
  if (x >= TWO_63) return BigInt.asUintN(64, BigInt(doubleToInt64(x - TWO_63)) ^ -(1n << 63n));
  return BigInt.asUintN(64, BigInt(doubleToInt64(x)));
}

const BIT_VIEW = new DataView(new ArrayBuffer(8));

/** LuaBitOp's number -> 32-bit conversion: add 2^52 + 2^51 and keep the low word of the double. */
function toBit(x: number): number {
  BIT_VIEW.setFloat64(0, x + 6755399441055744.0, true);
  return BIT_VIEW.getInt32(0, true);
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

/** Installs the 5.1 functions into L's library tables (before they are made read-only). */
export function installLua51Library(f: Fengari, L: LuaState, rand: Pick<Rand48, 'nextUnit' | 'seed'>): void {
  const { lua, lauxlib } = f;
  const error = (S: LuaState, message: string): number => lauxlib.luaL_error(S, f.to_luastring('%s'), f.to_luastring(message));
  const argError = (S: LuaState, arg: number, message: string): number => lauxlib.luaL_argerror(S, arg, f.to_luastring(message));
  const checkInt = (S: LuaState, arg: number): number => cInt(lauxlib.luaL_checknumber(S, arg));
  const optInt = (S: LuaState, arg: number, def: number): number => (lua.lua_type(S, arg) <= 0 ? def : checkInt(S, arg));
  const checkTable = (S: LuaState, arg: number): void => lauxlib.luaL_checktype(S, arg, lua.LUA_TTABLE);
  const number = (S: LuaState, n: number): number => {
    lua.lua_pushnumber(S, n);
    return 1;
  };

  const install = (table: string | null, fns: Record<string, Fn>, remove: readonly string[] = []): void => {
    if (table === null) {
      for (const [name, fn] of Object.entries(fns)) {
        lua.lua_pushjsfunction(L, fn);
        lua.lua_setglobal(L, name);
      }
      return;
    }
    lua.lua_getglobal(L, table);
    for (const [name, fn] of Object.entries(fns)) {
      lua.lua_pushjsfunction(L, fn);
      lua.lua_setfield(L, -2, name);
    }
    for (const name of remove) {
      lua.lua_pushnil(L);
      lua.lua_setfield(L, -2, name);
    }
    lua.lua_pop(L, 1);
  };

  // ------------------------------------------------------------------ string

  const format: Fn = (S) => {
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

  // ------------------------------------------------------------------ base

  // pairs and ipairs take tables only (5.3's accept any value and honour __pairs / __index); each
  // returns the same iterator function every time.
  lua.lua_getglobal(L, 'next');
  const nextRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  lua.lua_pushjsfunction(L, (S) => {
    const i = checkInt(S, 2) + 1;
    checkTable(S, 1);
    lua.lua_pushnumber(S, i);
    lua.lua_rawgeti(S, 1, i);
    return lua.lua_type(S, -1) === lua.LUA_TNIL ? 0 : 2;
  });
  const ipairsAuxRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  const iterate = (ref: number, initial: (S: LuaState) => void): Fn => (S) => {
    checkTable(S, 1);
    lua.lua_rawgeti(S, lua.LUA_REGISTRYINDEX, ref);
    lua.lua_pushvalue(S, 1);
    initial(S);
    return 3;
  };

  // collectgarbage: 5.1's options and results; memory is not modelled, so 'count' is 0.
  const gcOptions = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];
  const gcSettings = { setpause: 200, setstepmul: 200 };

  install(null, {
    collectgarbage: (S) => {
      const option = lua.lua_type(S, 1) <= 0 ? 'collect' : f.to_jsstring(lauxlib.luaL_checklstring(S, 1));
      if (!gcOptions.includes(option)) return argError(S, 1, `invalid option '${option}'`);
      const value = optInt(S, 2, 0);
      if (option === 'step') {
        lua.lua_pushboolean(S, false);
        return 1;
      }
      if (option === 'setpause' || option === 'setstepmul') {
        const previous = gcSettings[option];
        gcSettings[option] = value;
        return number(S, previous);
      }
      return number(S, 0);
    },
    pairs: iterate(nextRef, (S) => lua.lua_pushnil(S)),
    ipairs: iterate(ipairsAuxRef, (S) => lua.lua_pushnumber(S, 0)),
    tonumber: (S) => {
      const base = optInt(S, 2, 10);
      if (base === 10) {
        lauxlib.luaL_checkany(S, 1);
        if (lua.lua_isnumber(S, 1)) return number(S, lua.lua_tonumber(S, 1));
      } else {
        const bytes = lauxlib.luaL_checklstring(S, 1);
        if (base < 2 || base > 36) return argError(S, 2, 'base out of range');
        const nul = bytes.indexOf(0);
        let s = '';
        for (let k = 0; k < (nul < 0 ? bytes.length : nul); k++) s += String.fromCharCode(bytes[k]);
        const r = strtoul(s, base);
        if (r.end > 0 && /^[ \t\n\v\f\r]*$/.test(s.slice(r.end))) return number(S, Number(r.value));
      }
      lua.lua_pushnil(S);
      return 1;
    },
    unpack: (S) => {
      checkTable(S, 1);
      const first = optInt(S, 2, 1);
      const last = lua.lua_type(S, 3) <= 0 ? lua.lua_rawlen(S, 1) : checkInt(S, 3);
      if (first > last) return 0;
      const n = last - first + 1;
      // 5.1's lua_checkstack refuses to grow a C function's stack past LUAI_MAXCSTACK (8000).
      if (n <= 0 || n + lua.lua_gettop(S) > 8000 || !lua.lua_checkstack(S, n)) return error(S, 'too many results to unpack');
      for (let k = first; k <= last; k++) lua.lua_rawgeti(S, 1, k);
      return n;
    },
  });

  // ------------------------------------------------------------------ table

  install('table', {
    insert: (S) => {
      checkTable(S, 1);
      let e = lua.lua_rawlen(S, 1) + 1;
      let pos: number;
      switch (lua.lua_gettop(S)) {
        case 2:
          pos = e;
          break;
        case 3:
          pos = checkInt(S, 2);
          if (pos > e) e = pos;
          for (let k = e; k > pos; k--) {
            lua.lua_rawgeti(S, 1, k - 1);
            lua.lua_rawseti(S, 1, k);
          }
          break;
        default:
          return error(S, "wrong number of arguments to 'insert'");
      }
      lua.lua_rawseti(S, 1, pos);
      return 0;
    },
    remove: (S) => {
      checkTable(S, 1);
      const e = lua.lua_rawlen(S, 1);
      let pos = optInt(S, 2, e);
      if (!(pos >= 1 && pos <= e)) return 0;
      lua.lua_rawgeti(S, 1, pos);
      for (; pos < e; pos++) {
        lua.lua_rawgeti(S, 1, pos + 1);
        lua.lua_rawseti(S, 1, pos);
      }
      lua.lua_pushnil(S);
      lua.lua_rawseti(S, 1, e);
      return 1;
    },
    sort: sortFunction(f),
  }, ['unpack', 'pack', 'move']);

  // ------------------------------------------------------------------ math

  const unary = (op: (x: number) => number): Fn => (S) => number(S, op(lauxlib.luaL_checknumber(S, 1)));
  const RADIANS_PER_DEGREE = Math.PI / 180;
  install('math', {
    abs: unary(Math.abs),
    sin: unary(Math.sin),
    sinh: unary(Math.sinh),
    cos: unary(Math.cos),
    cosh: unary(Math.cosh),
    tan: unary(Math.tan),
    tanh: unary(Math.tanh),
    asin: unary(Math.asin),
    acos: unary(Math.acos),
    atan: unary(Math.atan),
    atan2: (S) => number(S, Math.atan2(lauxlib.luaL_checknumber(S, 1), lauxlib.luaL_checknumber(S, 2))),
    ceil: unary(Math.ceil),
    floor: unary(Math.floor),
    fmod: (S) => number(S, lauxlib.luaL_checknumber(S, 1) % lauxlib.luaL_checknumber(S, 2)),
    mod: (S) => number(S, lauxlib.luaL_checknumber(S, 1) % lauxlib.luaL_checknumber(S, 2)),
    modf: (S) => {
      const x = lauxlib.luaL_checknumber(S, 1);
      // C's modf: both parts carry x's sign (modf(-3) is -3 and -0).
      const whole = Number.isFinite(x) ? Math.trunc(x) : x;
      const fraction = Number.isNaN(x) ? x : x === whole ? (x < 0 || Object.is(x, -0) ? -0 : 0) : x - whole;
      lua.lua_pushnumber(S, whole);
      lua.lua_pushnumber(S, fraction);
      return 2;
    },
    sqrt: unary(Math.sqrt),
    pow: (S) => number(S, luaPow(lauxlib.luaL_checknumber(S, 1), lauxlib.luaL_checknumber(S, 2))),
    log: unary(Math.log),
    log10: unary(Math.log10),
    exp: unary(Math.exp),
    deg: unary((x) => x / RADIANS_PER_DEGREE),
    rad: unary((x) => x * RADIANS_PER_DEGREE),
    frexp: (S) => {
      const { mantissa, exponent } = frexp(lauxlib.luaL_checknumber(S, 1));
      lua.lua_pushnumber(S, mantissa);
      lua.lua_pushnumber(S, exponent);
      return 2;
    },
    ldexp: (S) => number(S, ldexp(lauxlib.luaL_checknumber(S, 1), checkInt(S, 2))),
    min: (S) => {
      const n = lua.lua_gettop(S);
      let best = lauxlib.luaL_checknumber(S, 1);
      for (let k = 2; k <= n; k++) {
        const d = lauxlib.luaL_checknumber(S, k);
        if (d < best) best = d;
      }
      return number(S, best);
    },
    max: (S) => {
      const n = lua.lua_gettop(S);
      let best = lauxlib.luaL_checknumber(S, 1);
      for (let k = 2; k <= n; k++) {
        const d = lauxlib.luaL_checknumber(S, k);
        if (d > best) best = d;
      }
      return number(S, best);
    },
    // Redis's math.random: its own rand48 generator, never reseeded between scripts.
    random: (S) => {
      const r = rand.nextUnit();
      switch (lua.lua_gettop(S)) {
        case 0:
          return number(S, r);
        case 1: {
          const u = checkInt(S, 1);
          if (u < 1) return argError(S, 1, 'interval is empty');
          return number(S, Math.floor(r * u) + 1);
        }
        case 2: {
          const l = checkInt(S, 1);
          const u = checkInt(S, 2);
          if (l > u) return argError(S, 2, 'interval is empty');
          return number(S, Math.floor(r * (u - l + 1)) + l);
        }
        default:
          return error(S, 'wrong number of arguments');
      }
    },
    randomseed: (S) => {
      rand.seed(checkInt(S, 1));
      return 0;
    },
  }, ['tointeger', 'type', 'ult', 'maxinteger', 'mininteger']);

  // ------------------------------------------------------------------ bit (LuaBitOp 1.0)

  const arg = (S: LuaState, k: number): number => toBit(lauxlib.luaL_checknumber(S, k));
  const push = (S: LuaState, b: number): number => number(S, b | 0);
  const variadic = (op: (a: number, b: number) => number): Fn => (S) => {
    let b = arg(S, 1);
    for (let k = lua.lua_gettop(S); k > 1; k--) b = op(b, arg(S, k));
    return push(S, b);
  };
  lua.lua_createtable(L, 0, 12);
  lua.lua_setglobal(L, 'bit');
  install('bit', {
    tobit: (S) => push(S, arg(S, 1)),
    bnot: (S) => push(S, ~arg(S, 1)),
    band: variadic((a, b) => a & b),
    bor: variadic((a, b) => a | b),
    bxor: variadic((a, b) => a ^ b),
    lshift: (S) => push(S, arg(S, 1) << (arg(S, 2) & 31)),
    rshift: (S) => push(S, arg(S, 1) >>> (arg(S, 2) & 31)),
    arshift: (S) => push(S, arg(S, 1) >> (arg(S, 2) & 31)),
    rol: (S) => {
      const b = arg(S, 1);
      const n = arg(S, 2) & 31;
      return push(S, (b << n) | (b >>> (32 - n)));
    },
    ror: (S) => {
      const b = arg(S, 1);
      const n = arg(S, 2) & 31;
      return push(S, (b >>> n) | (b << (32 - n)));
    },
    bswap: (S) => {
      const b = arg(S, 1);
      return push(S, ((b >>> 24) & 0xff) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
    },
    tohex: (S) => {
      let b = arg(S, 1) >>> 0;
      let n = lua.lua_type(S, 2) <= 0 ? 8 : arg(S, 2);
      let digits = '0123456789abcdef';
      if (n < 0) {
        n = -n;
        digits = '0123456789ABCDEF';
      }
      if (n > 8) n = 8;
      let out = '';
      for (let k = 0; k < n; k++) {
        out = digits[b & 15] + out;
        b >>>= 4;
      }
      lua.lua_pushstring(S, out);
      return 1;
    },
  });
}

/** C's frexp: x = mantissa * 2^exponent with 0.5 <= |mantissa| < 1 (x itself and 0 for 0, inf, NaN). */
function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  BIT_VIEW.setFloat64(0, x);
  let biased = (BIT_VIEW.getUint32(0) >>> 20) & 0x7ff;
  let scaled = x;
  let shift = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    scaled = x * 2 ** 64;
    shift = -64;
    BIT_VIEW.setFloat64(0, scaled);
    biased = (BIT_VIEW.getUint32(0) >>> 20) & 0x7ff;
  }
  const exponent = biased - 1022;
  BIT_VIEW.setFloat64(0, scaled);
  BIT_VIEW.setUint32(0, (BIT_VIEW.getUint32(0) & 0x800fffff) | (1022 << 20));
  return { mantissa: BIT_VIEW.getFloat64(0), exponent: exponent + shift };
}

/** C's ldexp: x * 2^e, rounded once (scaling in steps that cannot overflow or round early). */
function ldexp(x: number, e: number): number {
  if (x === 0 || !Number.isFinite(x) || e === 0) return x;
  let r = x;
  let k = e;
  if (k > 0) {
    while (k > 1023 && Number.isFinite(r)) {
      r *= 2 ** 1023;
      k -= 1023;
    }
    return r * 2 ** k;
  }
  // Going down: stay normal until the last step, so the only rounding happens once.
  const { mantissa, exponent } = frexp(r);
  const target = exponent + k; // the result is mantissa * 2^target
  if (target >= -1021) return mantissa * 2 ** target;
  if (target < -1075) return mantissa < 0 ? -0 : 0;
  return mantissa * 2 ** -1021 * 2 ** (target + 1021);
}

/**
 * Lua 5.1's table.sort (a plain quicksort). Fengari's 5.3 sort picks random pivots with
 * Math.random on large unbalanced inputs, which would make runs irreproducible; 5.1's is
 * deterministic and orders equal elements exactly as Redis does.
 */
function sortFunction(f: Fengari): Fn {
  const { lua, lauxlib } = f;
  const invalid = f.to_luastring('invalid order function for sorting');
  const sortComp = (S: LuaState, a: number, b: number): boolean => {
    if (lua.lua_type(S, 2) !== lua.LUA_TNIL) {
      lua.lua_pushvalue(S, 2);
      lua.lua_pushvalue(S, a - 1);
      lua.lua_pushvalue(S, b - 2);
      lua.lua_call(S, 2, 1);
      const res = lua.lua_toboolean(S, -1);
      lua.lua_pop(S, 1);
      return res;
    }
    return lua.lua_compare(S, a, b, lua.LUA_OPLT);
  };
  const set2 = (S: LuaState, i: number, j: number) => {
    lua.lua_rawseti(S, 1, i);
    lua.lua_rawseti(S, 1, j);
  };
  const auxsort = (S: LuaState, lo: number, up: number): void => {
    let l = lo;
    let u = up;
    while (l < u) {
      lua.lua_rawgeti(S, 1, l);
      lua.lua_rawgeti(S, 1, u);
      if (sortComp(S, -1, -2)) set2(S, l, u);
      else lua.lua_pop(S, 2);
      if (u - l === 1) break;
      let i = Math.floor((l + u) / 2);
      lua.lua_rawgeti(S, 1, i);
      lua.lua_rawgeti(S, 1, l);
      if (sortComp(S, -2, -1)) set2(S, i, l);
      else {
        lua.lua_pop(S, 1);
        lua.lua_rawgeti(S, 1, u);
        if (sortComp(S, -1, -2)) set2(S, i, u);
        else lua.lua_pop(S, 2);
      }
      if (u - l === 2) break;
      lua.lua_rawgeti(S, 1, i);
      lua.lua_pushvalue(S, -1);
      lua.lua_rawgeti(S, 1, u - 1);
      set2(S, i, u - 1);
      i = l;
      let j = u - 1;
      for (;;) {
        for (;;) {
          lua.lua_rawgeti(S, 1, ++i);
          if (!sortComp(S, -1, -2)) break;
          if (i > u) lauxlib.luaL_error(S, invalid);
          lua.lua_pop(S, 1);
        }
        for (;;) {
          lua.lua_rawgeti(S, 1, --j);
          if (!sortComp(S, -3, -1)) break;
          if (j < l) lauxlib.luaL_error(S, invalid);
          lua.lua_pop(S, 1);
        }
        if (j < i) {
          lua.lua_pop(S, 3);
          break;
        }
        set2(S, i, j);
      }
      lua.lua_rawgeti(S, 1, u - 1);
      lua.lua_rawgeti(S, 1, i);
      set2(S, u - 1, i);
      if (i - l < u - i) {
        j = l;
        i = i - 1;
        l = i + 2;
      } else {
        j = i + 1;
        i = u;
        u = j - 2;
      }
      auxsort(S, j, i);
    }
  };
  return (S) => {
    lauxlib.luaL_checktype(S, 1, lua.LUA_TTABLE);
    const n = lua.lua_rawlen(S, 1);
    lua.lua_checkstack(S, 40);
    if (lua.lua_type(S, 2) > lua.LUA_TNIL) lauxlib.luaL_checktype(S, 2, lua.LUA_TFUNCTION);
    lua.lua_settop(S, 2);
    auxsort(S, 1, n);
    return 0;
  };
}
