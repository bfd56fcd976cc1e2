/**
 * A private copy of fengari (Lua 5.3 in JS) patched to behave like the Lua 5.1 Redis embeds:
 * fengari's sources are read and compiled here with the source patches of fengari-patches.ts
 * applied (each must match exactly once, so a fengari upgrade that moves the code fails loudly
 * instead of silently dropping a patch). Other users of fengari in the process keep the stock
 * module. The 5.1 library functions Redis's scripts see are in lua/, one file per library.
 *
 * Compiled chunks are shared: a script's text is compiled once per process, in a state used only
 * for compiling, and every Lua state that loads it gets a new closure over the same prototype.
 * Prototypes are immutable once built (the closure cache, their only mutable part, is patched
 * out), so what one state runs cannot reach another, and a state never sees whether its chunk
 * came from the cache.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import { FENGARI_PATCHES, PATCH_HOOKS, type SourcePatch } from './fengari-patches.ts';

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
  /** The bytes of the string (or number, converted in place) at idx; null for other types. */
  lua_tolstring(L: LuaState, idx: number): Uint8Array | null;
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
  /** The argument as a string's bytes (a number is converted, as Lua does); raises otherwise. */
  luaL_checklstring(L: LuaState, arg: number): Uint8Array;
  luaL_checkany(L: LuaState, arg: number): void;
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
  /**
   * Compiles `source` as a chunk named `chunkname` (once per process: later calls with the same
   * text and name return the same prototype). A string is the compile error message.
   */
  compile(source: string, chunkname: string): LuaChunk | string;
  /**
   * The string at idx (a number is converted, as Lua does) decoded from UTF-8 as a client decodes
   * a reply (an invalid sequence becomes U+FFFD); null for other types.
   */
  toText(L: LuaState, idx: number): string | null;
  /** Pushes a new closure of `chunk` whose environment is L's globals (what `lua_load` pushes). */
  pushChunk(L: LuaState, chunk: LuaChunk): void;
}

/** A compiled chunk (a function prototype), shareable between Lua states. */
export interface LuaChunk {
  readonly __brand: 'Proto';
}

/** Fengari's Table objects carry this flag when read-only. */
export interface ReadonlyFlag {
  readonly?: boolean;
}

function applyPatches(file: string, source: string, applied: Set<SourcePatch>): string {
  let text = source;
  for (const patch of FENGARI_PATCHES) {
    if (patch.file !== file) continue;
    applied.add(patch);
    const at = text.indexOf(patch.find);
    if (at < 0 || text.indexOf(patch.find, at + 1) >= 0) {
      throw new Error(
        `locksim: cannot patch fengari's ${file} (the text to replace is ${at < 0 ? 'missing' : 'there more than once'}): ` +
          `this locksim expects fengari 0.1.5; install that version (npm install fengari@0.1.5)`,
      );
    }
    text = text.slice(0, at) + patch.replace + text.slice(at + patch.find.length);
  }
  return text;
}

/** Internal fengari modules the wrapper uses. */
interface Internals {
  lstring: { luaS_bless(L: LuaState | null, bytes: Uint8Array): LuaString };
  lobject: {
    pushsvalue2s(L: LuaState, ts: LuaString): void;
    LClosure: new (L: LuaState, n: number) => { p: LuaChunk | null; nupvalues: number; upvals: Array<{ setfrom(v: unknown): void }> };
  };
  lfunc: { luaF_initupvals(L: LuaState, cl: unknown): void };
  ltable: {
    luaH_setfrom(L: LuaState, t: ReadonlyFlag, key: unknown, value: unknown): void;
    luaH_getint(t: unknown, key: number): unknown;
  };
  ldebug: { luaG_runerror(L: LuaState, fmt: Uint8Array): never };
}

interface StateInternals {
  stack: Array<{ setclLvalue(cl: unknown): void }>;
  top: number;
  l_G: { l_registry: { value: unknown } };
}

/** Loads fengari's sources through {@link applyPatches}, with a module cache of its own. */
function loadPatchedModules(): { entry: unknown; internal(name: string): unknown } {
  const realRequire = createRequire(import.meta.url);
  const entry = realRequire.resolve('fengari');
  const dir = dirname(entry);
  // fengari's own dependencies (tmp, sprintf-js, …) are found from fengari's folder: in a user's
  // install they can sit in node_modules/fengari/node_modules, out of reach of locksim's require.
  const fengariRequire = createRequire(entry);
  const modules = new Map<string, { exports: unknown }>();
  const applied = new Set<SourcePatch>();
  const load = (path: string): unknown => {
    const cached = modules.get(path);
    if (cached !== undefined) return cached.exports;
    const module = { exports: {} as unknown };
    modules.set(path, module);
    const source = applyPatches(path.slice(dir.length + 1), readFileSync(path, 'utf8'), applied);
    const body = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname', '__locksim'], { filename: path });
    const localRequire = (id: string): unknown => (id.startsWith('./') ? load(join(dir, id)) : fengariRequire(id));
    body.call(module.exports, module.exports, localRequire, module, path, dir, PATCH_HOOKS);
    return module.exports;
  };
  const main = load(entry);
  const missed = FENGARI_PATCHES.filter((patch) => !applied.has(patch)).map((patch) => patch.file);
  if (missed.length > 0) throw new Error(`locksim: fengari no longer loads ${missed.join(', ')}; this locksim expects fengari 0.1.5 (npm install fengari@0.1.5)`);
  return { entry: main, internal: (name) => load(join(dir, name)) };
}

let loaded: Fengari | null = null;

const UTF8 = new TextDecoder('utf-8');

/** Compiled chunks by chunk name and text, shared by every Lua state of the process. */
const chunks = new Map<string, LuaChunk | string>();
const MAX_CHUNKS = 2000;

/** How many chunks the process holds compiled (for tests and the bench). */
export function compiledChunkCount(): number {
  return chunks.size;
}

/** Forgets every compiled chunk (tests use it to compare runs with and without a warm cache). */
export function forgetCompiledChunks(): void {
  chunks.clear();
}

export function loadFengari(): Fengari {
  if (loaded !== null) return loaded;
  const modules = loadPatchedModules();
  const stock = modules.entry as Pick<Fengari, 'lua' | 'lauxlib' | 'lualib' | 'to_luastring' | 'to_jsstring'>;
  const { lua, lauxlib } = stock;
  const internals: Internals = {
    lstring: modules.internal('lstring.js') as Internals['lstring'],
    lobject: modules.internal('lobject.js') as Internals['lobject'],
    lfunc: modules.internal('lfunc.js') as Internals['lfunc'],
    ltable: modules.internal('ltable.js') as Internals['ltable'],
    ldebug: modules.internal('ldebug.js') as Internals['ldebug'],
  };

  const readonlyMessage = stock.to_luastring('Attempt to modify a readonly table');
  const setfrom = internals.ltable.luaH_setfrom;
  internals.ltable.luaH_setfrom = (L: LuaState, t: ReadonlyFlag, key: unknown, value: unknown): void => {
    if (t.readonly === true) internals.ldebug.luaG_runerror(L, readonlyMessage);
    setfrom(L, t, key, value);
  };

  // The state every chunk is compiled in: it runs nothing, so compiling a chunk here or finding
  // it in the cache leaves every other state exactly as it was.
  const compiler = lauxlib.luaL_newstate();
  const fengari: Fengari = {
    lua,
    lauxlib,
    lualib: stock.lualib,
    to_luastring: stock.to_luastring,
    to_jsstring: stock.to_jsstring,
    newLuaString: (bytes) => internals.lstring.luaS_bless(null, bytes),
    pushLuaString: (L, ts) => internals.lobject.pushsvalue2s(L, ts),
    compile(source, chunkname) {
      const key = chunkname + '\0' + source;
      let chunk = chunks.get(key);
      if (chunk === undefined) {
        const status = lauxlib.luaL_loadbuffer(compiler, stock.to_luastring(source), null, stock.to_luastring(chunkname));
        if (status === lua.LUA_OK) {
          const top = compiler as unknown as StateInternals;
          chunk = (top.stack[top.top - 1] as unknown as { value: { p: LuaChunk } }).value.p;
        } else {
          chunk = lua.lua_tojsstring(compiler, -1) ?? 'unknown error';
        }
        lua.lua_settop(compiler, 0);
        if (chunks.size >= MAX_CHUNKS) chunks.clear();
        chunks.set(key, chunk);
      }
      return chunk;
    },
    toText(L, idx) {
      const bytes = lua.lua_tolstring(L, idx);
      if (bytes === null) return null;
      let ascii = true;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      return ascii && bytes.length < 64 ? String.fromCharCode(...bytes) : UTF8.decode(bytes);
    },
    pushChunk(L, chunk) {
      const cl = new internals.lobject.LClosure(L, (chunk as unknown as { upvalues: unknown[] }).upvalues.length);
      cl.p = chunk;
      internals.lfunc.luaF_initupvals(L, cl);
      lua.lua_pushnil(L);
      const state = L as unknown as StateInternals;
      state.stack[state.top - 1].setclLvalue(cl);
      if (cl.nupvalues >= 1) cl.upvals[0].setfrom(internals.ltable.luaH_getint(state.l_G.l_registry.value, lua.LUA_RIDX_GLOBALS));
    },
  };
  loaded = fengari;
  return fengari;
}
