/**
 * LuaBitOp 1.0's `bit` library, which Redis 7.0 embeds: bitwise operations on the low 32 bits
 * of a number (converted as LuaBitOp does: add 2^52 + 2^51 and keep the low word of the double),
 * results as signed 32-bit numbers.
 */
import type { LuaJsFunction, LuaState } from '../fengari.ts';
import type { LibraryTools } from './library.ts';

const BIT_VIEW = new DataView(new ArrayBuffer(8));

/** LuaBitOp's number -> 32-bit conversion: add 2^52 + 2^51 and keep the low word of the double. */
function toBit(x: number): number {
  BIT_VIEW.setFloat64(0, x + 6755399441055744.0, true);
  return BIT_VIEW.getInt32(0, true);
}

/** Creates the global `bit` table of L with LuaBitOp's functions (before globals are made read-only). */
export function installBitLibrary(tools: LibraryTools): void {
  const { f, L, number, install } = tools;
  const { lua, lauxlib } = f;

  const arg = (S: LuaState, k: number): number => toBit(lauxlib.luaL_checknumber(S, k));
  const push = (S: LuaState, b: number): number => number(S, b | 0);
  const variadic = (op: (a: number, b: number) => number): LuaJsFunction => (S) => {
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
