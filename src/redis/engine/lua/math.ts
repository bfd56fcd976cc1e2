/**
 * Lua 5.1's math library where fengari's 5.3 one differs in a way a script can tell, as Redis
 * 7.0 embeds it: 5.1's set and definitions (`log` takes one argument, `deg` divides, `modf` keeps
 * signs, `max`/`min` return numbers, `mod`, `frexp`, `ldexp`, `pow`), none of 5.3's additions
 * (`tointeger`, `type`, `ult`, `maxinteger`, `mininteger`), and Redis's `random`: its own rand48
 * generator, whose state belongs to the node running the script (see lua-vm.ts).
 */
import type { LuaJsFunction } from '../fengari.ts';
import { luaPow } from '../numbers.ts';
import type { Rand48 } from '../rand48.ts';
import type { LibraryTools } from './library.ts';

const BIT_VIEW = new DataView(new ArrayBuffer(8));

/** Installs the 5.1 functions into L's `math` table (before it is made read-only); `rand` is the running node's generator. */
export function installMathLibrary(tools: LibraryTools, rand: Pick<Rand48, 'nextUnit' | 'seed'>): void {
  const { f, error, argError, checkInt, number, install } = tools;
  const { lauxlib, lua } = f;

  const unary = (op: (x: number) => number): LuaJsFunction => (S) => number(S, op(lauxlib.luaL_checknumber(S, 1)));
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
