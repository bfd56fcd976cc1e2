/**
 * What the Lua library files of this folder share: C's casts as Redis's Lua 5.1 does them on
 * x86-64, and the toolkit that installs JS functions into a library table and checks arguments
 * the 5.1 way (luaL_checkint truncates; a missing optional argument takes its default).
 */
import type { Fengari, LuaJsFunction, LuaState } from '../fengari.ts';

const TWO_63 = 9223372036854775808;

/** C's `(int)(ptrdiff_t)x` on x86-64 (luaL_checkint): truncation, low 32 bits, 0 for NaN. */
export function cInt(x: number): number {
  return x >= -TWO_63 && x < TWO_63 ? x | 0 : 0;
}

/** The helpers a library's functions are written with, bound to one fengari and state. */
export interface LibraryTools {
  readonly f: Fengari;
  /** The state being built. */
  readonly L: LuaState;
  /** Installs `fns` into the global table `table` (null: as globals) and sets `remove`'s fields to nil. */
  install(table: string | null, fns: Record<string, LuaJsFunction>, remove?: readonly string[]): void;
  /** Raises `message` as a Lua error with the position prefix (luaL_error). */
  error(S: LuaState, message: string): number;
  /** Raises "bad argument #arg to 'fn' (message)" (luaL_argerror). */
  argError(S: LuaState, arg: number, message: string): number;
  checkInt(S: LuaState, arg: number): number;
  optInt(S: LuaState, arg: number, def: number): number;
  checkTable(S: LuaState, arg: number): void;
  /** Pushes `n` and returns 1 (one result). */
  number(S: LuaState, n: number): number;
}

export function libraryTools(f: Fengari, L: LuaState): LibraryTools {
  const { lua, lauxlib } = f;
  const checkInt = (S: LuaState, arg: number): number => cInt(lauxlib.luaL_checknumber(S, arg));
  return {
    f,
    L,
    install(table, fns, remove = []) {
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
    },
    error: (S, message) => lauxlib.luaL_error(S, f.to_luastring('%s'), f.to_luastring(message)),
    argError: (S, arg, message) => lauxlib.luaL_argerror(S, arg, f.to_luastring(message)),
    checkInt,
    optInt: (S, arg, def) => (lua.lua_type(S, arg) <= 0 ? def : checkInt(S, arg)),
    checkTable: (S, arg) => lauxlib.luaL_checktype(S, arg, lua.LUA_TTABLE),
    number(S, n) {
      lua.lua_pushnumber(S, n);
      return 1;
    },
  };
}
