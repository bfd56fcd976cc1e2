/**
 * A private, patched copy of fengari (Lua 5.3 in JS) that behaves like the Lua 5.1 Redis embeds
 * where lock scripts can tell the difference:
 *
 * - Every numeral and every string converted to a number is a float (Lua 5.1 has only doubles).
 *   Fengari's integers are 32-bit and wrap on overflow (`t[1] * 1000` with a TIME reply would),
 *   and 5.3 prints integral floats as "3.0". Library functions that return integers (#, string.len,
 *   math.floor...) still return 5.3 integers; they mix with floats as 5.1 numbers would.
 * - Numbers print with "%.14g" (Lua 5.1's LUA_NUMBER_FMT): 1e+15, 0.33333333333333, inf, -nan.
 * - Tables can be made read-only (Redis 7.0 protects the globals and library tables): a write
 *   raises "Attempt to modify a readonly table".
 *
 * The copy is loaded with its own module cache entries, so other users of fengari in the same
 * process (if any) keep the stock behaviour.
 */
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { formatG } from './numbers.ts';

/** An opaque Lua state. */
export interface LuaState {
  readonly __brand: 'lua_State';
}

/** A JS function callable from Lua: reads its arguments from the stack, returns the result count. */
export type LuaJsFunction = (L: LuaState) => number;

/** The part of fengari's `lua` module (lua.h) the script runner uses. */
export interface LuaApi {
  readonly LUA_OK: number;
  readonly LUA_TNIL: number;
  readonly LUA_TBOOLEAN: number;
  readonly LUA_TNUMBER: number;
  readonly LUA_TSTRING: number;
  readonly LUA_TTABLE: number;
  readonly LUA_TFUNCTION: number;
  readonly LUA_OPLT: number;
  readonly LUA_REGISTRYINDEX: number;
  readonly LUA_RIDX_GLOBALS: number;
  lua_gettop(L: LuaState): number;
  lua_settop(L: LuaState, idx: number): void;
  lua_pop(L: LuaState, n: number): void;
  lua_type(L: LuaState, idx: number): number;
  lua_pushnil(L: LuaState): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushinteger(L: LuaState, n: number): void;
  lua_pushboolean(L: LuaState, b: boolean): void;
  lua_pushstring(L: LuaState, s: string | Uint8Array): void;
  lua_pushliteral(L: LuaState, s: string): void;
  lua_pushvalue(L: LuaState, idx: number): void;
  lua_pushjsfunction(L: LuaState, f: LuaJsFunction): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_rawseti(L: LuaState, idx: number, n: number): void;
  lua_rawgeti(L: LuaState, idx: number, n: number): number;
  lua_rawset(L: LuaState, idx: number): void;
  lua_rawget(L: LuaState, idx: number): number;
  lua_setfield(L: LuaState, idx: number, k: string | Uint8Array): void;
  lua_getfield(L: LuaState, idx: number, k: string): number;
  lua_setglobal(L: LuaState, name: string): void;
  lua_getglobal(L: LuaState, name: string): number;
  lua_setmetatable(L: LuaState, idx: number): boolean;
  lua_getmetatable(L: LuaState, idx: number): boolean;
  lua_checkstack(L: LuaState, n: number): boolean;
  lua_concat(L: LuaState, n: number): void;
  lua_compare(L: LuaState, a: number, b: number, op: number): boolean;
  lua_rawlen(L: LuaState, idx: number): number;
  lua_next(L: LuaState, idx: number): boolean;
  lua_tonumber(L: LuaState, idx: number): number;
  lua_toboolean(L: LuaState, idx: number): boolean;
  lua_tojsstring(L: LuaState, idx: number): string | null;
  lua_topointer(L: LuaState, idx: number): unknown;
  lua_isnumber(L: LuaState, idx: number): boolean;
  lua_isstring(L: LuaState, idx: number): boolean;
  lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
  lua_call(L: LuaState, nargs: number, nresults: number): void;
  lua_error(L: LuaState): number;
}

export interface LauxApi {
  luaL_newstate(): LuaState;
  luaL_loadbuffer(L: LuaState, buff: Uint8Array, size: number | null, name: Uint8Array | string): number;
  luaL_requiref(L: LuaState, modname: Uint8Array | string, openf: LuaJsFunction, glb: number): void;
  luaL_ref(L: LuaState, t: number): number;
  luaL_unref(L: LuaState, t: number, ref: number): void;
  luaL_error(L: LuaState, fmt: Uint8Array | string, ...args: unknown[]): number;
  luaL_checknumber(L: LuaState, arg: number): number;
  luaL_argerror(L: LuaState, arg: number, extramsg: Uint8Array | string): number;
  luaL_checktype(L: LuaState, arg: number, t: number): void;
  luaL_where(L: LuaState, level: number): void;
  luaL_getmetafield(L: LuaState, obj: number, e: Uint8Array | string): number;
}

export interface LualibApi {
  luaopen_base: LuaJsFunction;
  luaopen_table: LuaJsFunction;
  luaopen_string: LuaJsFunction;
  luaopen_math: LuaJsFunction;
  luaopen_coroutine: LuaJsFunction;
  luaopen_debug: LuaJsFunction;
}

/** An immutable Lua string object, made once and pushed any number of times. */
export interface LuaString {
  readonly __brand: 'TString';
}

export interface Fengari {
  readonly lua: LuaApi;
  readonly lauxlib: LauxApi;
  readonly lualib: LualibApi;
  to_luastring(s: string): Uint8Array;
  to_jsstring(s: Uint8Array): string;
  /**
   * A Lua string of `bytes`, which must never change afterwards (it is not copied). Lua strings
   * are immutable, so one such object may back any number of values, as constants do.
   */
  newLuaString(bytes: Uint8Array): LuaString;
  /** Pushes a string made by {@link Fengari.newLuaString} (`lua_pushstring` without the copy). */
  pushLuaString(L: LuaState, s: LuaString): void;
}

/** Internal fengari shapes the patches touch. */
interface TValueLike {
  ttisinteger(): boolean;
  setfltvalue(x: number): void;
  value: unknown;
}
interface LobjectModule {
  luaO_str2num(s: Uint8Array, o: TValueLike): number;
}
interface LtableModule {
  luaH_setfrom(L: LuaState, t: ReadonlyFlag, key: unknown, value: unknown): void;
}
interface LdebugModule {
  luaG_runerror(L: LuaState, fmt: Uint8Array): never;
}
interface LstringModule {
  luaS_bless(L: LuaState | null, bytes: Uint8Array): LuaString;
}
interface LobjectPushModule {
  pushsvalue2s(L: LuaState, ts: LuaString): void;
}
interface LuaconfModule {
  lua_number2str: (n: number) => string;
  LUA_COMPAT_FLOATSTRING: boolean;
}

/** Fengari's Table objects carry this flag when read-only. */
export interface ReadonlyFlag {
  readonly?: boolean;
}

let loaded: Fengari | null = null;

const HEX_INT = /^\s*([+-]?)0[xX]([0-9a-fA-F]+)\s*$/;

export function loadFengari(): Fengari {
  if (loaded !== null) return loaded;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('fengari');
  const dir = dirname(entry) + sep;
  const cache = require.cache;
  const stash = new Map<string, NodeJS.Module>();
  for (const key of Object.keys(cache)) {
    const mod = cache[key];
    if (key.startsWith(dir) && mod !== undefined) {
      stash.set(key, mod);
      delete cache[key];
    }
  }
  try {
    // defs first (it and luaconf require each other; this is fengari's own load order), then
    // luaconf, patched before lobject copies these two values at load time.
    require(dir + 'defs.js');
    const luaconf = require(dir + 'luaconf.js') as LuaconfModule;
    luaconf.lua_number2str = (n: number) => formatG(n, 14);
    luaconf.LUA_COMPAT_FLOATSTRING = true;
    const stock = require(entry) as Omit<Fengari, 'newLuaString' | 'pushLuaString'>;
    const lobject = require(dir + 'lobject.js') as LobjectModule & LobjectPushModule;
    const lstring = require(dir + 'lstring.js') as LstringModule;
    const fengari: Fengari = {
      lua: stock.lua,
      lauxlib: stock.lauxlib,
      lualib: stock.lualib,
      to_luastring: stock.to_luastring,
      to_jsstring: stock.to_jsstring,
      newLuaString: (bytes) => lstring.luaS_bless(null, bytes),
      pushLuaString: (L, ts) => lobject.pushsvalue2s(L, ts),
    };
    const ltable = require(dir + 'ltable.js') as LtableModule;
    const ldebug = require(dir + 'ldebug.js') as LdebugModule;

    const str2num = lobject.luaO_str2num;
    lobject.luaO_str2num = (s: Uint8Array, o: TValueLike): number => {
      const consumed = str2num(s, o);
      if (consumed !== 0 && o.ttisinteger()) {
        // 5.3 parsed an integer: make it the double 5.1 would have. Hex integers wrap at 32 bits
        // in fengari, so recompute those from the text.
        let value = o.value as number;
        if (s.indexOf(120) >= 0 || s.indexOf(88) >= 0) {
          const m = HEX_INT.exec(fengari.to_jsstring(s.subarray(0, consumed - 1)));
          if (m !== null) value = (m[1] === '-' ? -1 : 1) * parseInt(m[2], 16);
        }
        o.setfltvalue(value);
      }
      return consumed;
    };

    const readonlyMessage = fengari.to_luastring('Attempt to modify a readonly table');
    const setfrom = ltable.luaH_setfrom;
    ltable.luaH_setfrom = (L: LuaState, t: ReadonlyFlag, key: unknown, value: unknown): void => {
      if (t.readonly === true) ldebug.luaG_runerror(L, readonlyMessage);
      setfrom(L, t, key, value);
    };

    loaded = fengari;
    return fengari;
  } finally {
    for (const key of Object.keys(cache)) if (key.startsWith(dir)) delete cache[key];
    for (const [key, mod] of stash) cache[key] = mod;
  }
}
