/**
 * Lua 5.1's base library (the globals) where fengari's 5.3 one differs in a way a script can
 * tell, as Redis 7.0 embeds it:
 *
 * - `error` adds the position to numbers too (5.3 adds it to strings only).
 * - `setmetatable` refuses a read-only table, as Redis 7.0's patched Lua does.
 * - `pairs` and `ipairs` take tables only (5.3's accept any value and honour __pairs / __index).
 * - `tonumber(s, base)` is `strtoul` (a leading '-' wraps modulo 2^64, "0x" before base-16 digits).
 * - `unpack` is a global (5.1's, raw accesses, its stack limit); `collectgarbage` has 5.1's options.
 * - 5.1's `loadstring` and `gcinfo`; `dofile`, `loadfile`, `print` and `rawlen` are gone, as
 *   Redis removes them; `_VERSION` says 'Lua 5.1' (its prelude part).
 */
import type { LuaJsFunction, LuaState, ReadonlyFlag } from '../fengari.ts';
import { strtoul } from '../numbers.ts';
import type { LibraryTools } from './library.ts';

/** collectgarbage's 'setpause' and 'setstepmul' values: they only read back, as memory is not modelled. */
export interface GcSettings {
  setpause: number;
  setstepmul: number;
}

/** What a new Lua state starts with (Lua 5.1's LUAI_GCPAUSE and LUAI_GCMUL). */
export const GC_DEFAULTS: Readonly<GcSettings> = { setpause: 200, setstepmul: 200 };

/** Lua run once the library is installed (in the state's prelude chunk). */
export const BASE_PRELUDE = `
loadstring = load
gcinfo = function() return 0 end
dofile = nil
loadfile = nil
print = nil
rawlen = nil
_VERSION = 'Lua 5.1'
`;

/**
 * Installs the 5.1 functions into L's globals (before they are made read-only). `gc` gives the
 * collector settings of the node whose script runs: the state is shared, the settings are not.
 */
export function installBaseLibrary(tools: LibraryTools, gc: () => GcSettings): void {
  const { f, L, error, argError, checkInt, optInt, checkTable, number, install } = tools;
  const { lua, lauxlib } = f;

  install(null, {
    // Lua 5.1's `error`: numbers get the position prefix too (5.3 adds it to strings only).
    error: (S) => {
      const level = lua.lua_type(S, 2) <= 0 ? 1 : Math.trunc(lauxlib.luaL_checknumber(S, 2));
      lua.lua_settop(S, 1);
      if (lua.lua_isstring(S, 1) && level > 0) {
        lauxlib.luaL_where(S, level);
        lua.lua_pushvalue(S, 1);
        lua.lua_concat(S, 2);
      }
      return lua.lua_error(S);
    },
    // `setmetatable` that refuses read-only tables, as Redis 7.0's patched Lua does.
    setmetatable: (S) => {
      lauxlib.luaL_checktype(S, 1, lua.LUA_TTABLE);
      const t = lua.lua_type(S, 2);
      if (t !== lua.LUA_TNIL && t !== lua.LUA_TTABLE) {
        return lauxlib.luaL_argerror(S, 2, f.to_luastring('nil or table expected'));
      }
      if ((lua.lua_topointer(S, 1) as ReadonlyFlag).readonly === true) {
        lua.lua_pushliteral(S, 'Attempt to modify a readonly table');
        return lua.lua_error(S);
      }
      if (lauxlib.luaL_getmetafield(S, 1, f.to_luastring('__metatable')) !== lua.LUA_TNIL) {
        return lauxlib.luaL_error(S, f.to_luastring('cannot change a protected metatable'));
      }
      lua.lua_settop(S, 2);
      lua.lua_setmetatable(S, 1);
      return 1;
    },
  });

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
  const iterate = (ref: number, initial: (S: LuaState) => void): LuaJsFunction => (S) => {
    checkTable(S, 1);
    lua.lua_rawgeti(S, lua.LUA_REGISTRYINDEX, ref);
    lua.lua_pushvalue(S, 1);
    initial(S);
    return 3;
  };

  // collectgarbage: 5.1's options and results; memory is not modelled, so 'count' is 0.
  const gcOptions = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];

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
        const settings = gc();
        const previous = settings[option];
        settings[option] = value;
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
}
