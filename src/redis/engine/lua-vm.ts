/**
 * The Lua state scripts run in: fengari with Redis 7.0's environment (5.1 compatibility, the
 * `redis` table, read-only globals, its error handler), shared by every simulated node of the
 * process. Building one costs about a millisecond (the first, which loads fengari, a quarter of a
 * second), and a sweep builds many short worlds: sharing one state makes a node's set-up free.
 *
 * Sharing must not show, and here is why it does not. Everything a script can reach in the state
 * is read-only (globals, library tables, the string metatable: Redis 7.0 makes them so), KEYS and
 * ARGV are set afresh for every call, and the registry is out of reach. What a script can see that
 * changes from call to call belongs to its node, not to the state, and is handed in with each call
 * ({@link LuaNodeState}): `math.random`'s generator, and the counter fengari numbers objects with
 * (`tostring({})` prints it). A node's scripts therefore see exactly what they would in a state of
 * their own, whatever other nodes (of this run or of earlier runs) did in between; see
 * test/redis/lua-shared-chunks.test.ts. Calls never nest (a script cannot EVAL), and a state that
 * threw from inside fengari (a locksim bug) is dropped rather than reused.
 */
import { loadFengari, type Fengari, type LuaChunk, type LuaState, type LuaString, type ReadonlyFlag } from './fengari.ts';
import { BASE_PRELUDE, GC_DEFAULTS, installBaseLibrary, type GcSettings } from './lua/base.ts';
import { installBitLibrary } from './lua/bit.ts';
import { libraryTools } from './lua/library.ts';
import { installMathLibrary } from './lua/math.ts';
import { installRedisApi, type ScriptHost } from './lua/redis.ts';
import { installStringLibrary, STRING_PRELUDE } from './lua/string.ts';
import { installTableLibrary, TABLE_PRELUDE } from './lua/table.ts';
import { doubleToInt64, formatG } from './numbers.ts';
import { Rand48 } from './rand48.ts';
import { array, bulk, error, integer, NIL, ONE, status, type Reply } from './reply.ts';

/**
 * A node's own part of the Lua state, kept between its scripts: what a script could tell apart
 * if the node had a state of its own. One per engine.
 */
export class LuaNodeState {
  /** Redis's math.random generator (never reseeded between scripts, reset by a restart). */
  readonly rand = new Rand48();
  /** The next id fengari gives an object (a table, a closure) of this node's scripts; -1: none yet. */
  nextObjectId = -1;
  /** Ids fengari gave the JS functions this node's scripts printed. */
  functionIds = new WeakMap<object, number>();
  /** redis.set_repl of the running script: false when its writes must not propagate. */
  replicate = true;
  /** collectgarbage's settings as this node's scripts left them (they live in Redis's Lua state). */
  readonly gc: GcSettings = { ...GC_DEFAULTS };

  /** SCRIPT FLUSH: Redis builds a new Lua state, so the collector's settings start over (math.random's generator lives outside it). */
  flush(): void {
    Object.assign(this.gc, GC_DEFAULTS);
  }

  /** A process restart: a new Lua state and math.random starts over; object ids go on (they are addresses). */
  restart(): void {
    this.flush();
    this.rand.reset();
  }
}

/**
 * The reply of a script that failed with the error table `{err = err, source, line}` (what the
 * error handler builds, with the position of the Lua code that raised it).
 */
export function scriptErrorReply(err: string, sha: string, source: string | null, line: string | null): Reply {
  let message = err;
  if (source !== null && line !== null) message += ` script: ${sha}, on ${source}:${line}.`;
  return error(message.replace(/[\r\n]/g, ' '));
}

/**
 * The Lua prelude: the libraries' own Lua parts (5.1 compatibility, globals Redis removes), then
 * what Redis does to the stock coroutine and debug libraries, and the error handler it returns
 * (which keeps the debug library for itself).
 */
const PRELUDE = `
local dbg = debug
${BASE_PRELUDE}${TABLE_PRELUDE}${STRING_PRELUDE}
coroutine.isyieldable = nil
debug = nil
return function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and (i.what == 'C' or i.what == 'J') then i = dbg.getinfo(3, 'nSl') end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
`;

/** fengari's global state, where it numbers objects (see {@link LuaNodeState}). */
interface GlobalState {
  id_counter: number;
  ids: WeakMap<object, number>;
}

/** A Lua state with Redis's environment, running one node's script at a time. */
export class LuaVm {
  private readonly f: Fengari;
  private readonly L: LuaState;
  private readonly g: GlobalState;
  private readonly handlerRef: number;
  private readonly globals: ReadonlyFlag;
  /** The object counter right after the environment was built: where every node's ids start. */
  private readonly firstObjectId: number;
  /** The node whose script runs now (null between calls: the state holds no node). */
  private host: ScriptHost | null = null;
  private node: LuaNodeState | null = null;
  /** The running script's SHA1 (for error messages). */
  private runningSha = '';
  /** True while a script runs. */
  busy = false;
  /** Set when fengari threw from inside (a locksim bug): the state is not used again. */
  broken = false;
  /**
   * Lua strings of recent short JS strings: keys, tokens and replies repeat a lot, and a cached
   * Lua string is pushed without encoding or copying it (Lua strings are immutable).
   */
  private readonly encoded = new Map<string, LuaString>();
  private readonly OK_FIELD: Uint8Array;
  private readonly ERR_FIELD: Uint8Array;
  /**
   * Registry references of the Lua strings 'KEYS' and 'ARGV': pushing the same Lua string every
   * run skips converting the name and lets fengari reuse the key hash it caches on the string.
   */
  private readonly keysNameRef: number;
  private readonly argvNameRef: number;

  constructor() {
    const f = (this.f = loadFengari());
    const { lua, lauxlib, lualib } = f;
    this.OK_FIELD = f.to_luastring('ok');
    this.ERR_FIELD = f.to_luastring('err');
    const L = (this.L = lauxlib.luaL_newstate());
    this.g = (L as unknown as { l_G: GlobalState }).l_G;
    const libs: Array<[string, (L: LuaState) => number]> = [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['coroutine', lualib.luaopen_coroutine],
      ['debug', lualib.luaopen_debug],
    ];
    for (const [name, open] of libs) {
      lauxlib.luaL_requiref(L, f.to_luastring(name), open, 1);
      lua.lua_pop(L, 1);
    }
    // The loaded-modules table would let scripts reach the libraries unprotected.
    lua.lua_pushnil(L);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, '_LOADED');

    // The libraries Redis 7.0 gives scripts, one file each in lua/.
    const tools = libraryTools(f, L);
    // collectgarbage reads and sets the settings of the node whose script runs.
    installBaseLibrary(tools, () => (this.node as LuaNodeState).gc);
    installStringLibrary(tools);
    installTableLibrary(tools);
    // math.random draws from the generator of the node whose script runs.
    installMathLibrary(tools, {
      nextUnit: () => (this.node as LuaNodeState).rand.nextUnit(),
      seed: (seed) => (this.node as LuaNodeState).rand.seed(seed),
    });
    installBitLibrary(tools);
    installRedisApi(f, L, {
      host: () => this.host as ScriptHost,
      setReplicate: (replicate) => {
        (this.node as LuaNodeState).replicate = replicate;
      },
      pushReply: (S, reply) => this.pushReply(S, reply),
    });

    const prelude = f.compile(PRELUDE, '=prelude');
    if (typeof prelude === 'string') throw new Error(`locksim: the Lua prelude does not compile: ${prelude}`);
    f.pushChunk(L, prelude);
    if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
      throw new Error(`locksim: the Lua prelude failed: ${lua.lua_tojsstring(L, -1)}`);
    }
    this.handlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_pushliteral(L, 'KEYS');
    this.keysNameRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_pushliteral(L, 'ARGV');
    this.argvNameRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);

    // Globals: reading a missing one is an error; every reachable table becomes read-only.
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    this.globals = lua.lua_topointer(L, -1) as ReadonlyFlag;
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushjsfunction(L, (S) => this.missingGlobal(S));
    lua.lua_setfield(L, -2, '__index');
    lua.lua_setmetatable(L, -2);
    this.protect(-1, new Set());
    lua.lua_pushliteral(L, '');
    if (lua.lua_getmetatable(L, -1)) {
      this.protect(-1, new Set());
      lua.lua_pop(L, 1);
    }
    lua.lua_settop(L, 0);
    this.firstObjectId = this.g.id_counter;
  }

  /** The fengari module the state runs on (to compile chunks for it). */
  get fengari(): Fengari {
    return this.f;
  }

  /** Runs `chunk` (the script `sha`) for `node`, with `host` answering its redis.call's. */
  run(node: LuaNodeState, host: ScriptHost, chunk: LuaChunk, sha: string, keys: readonly string[], argv: readonly string[]): Reply {
    const { lua } = this.f;
    const L = this.L;
    const g = this.g;
    this.busy = true;
    this.host = host;
    this.node = node;
    g.id_counter = node.nextObjectId < 0 ? this.firstObjectId : node.nextObjectId;
    g.ids = node.functionIds;
    this.runningSha = sha;
    node.replicate = true;
    let reply: Reply;
    try {
      lua.lua_settop(L, 0);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.handlerRef);
      this.f.pushChunk(L, chunk);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
      this.setGlobalArray(this.keysNameRef, keys);
      this.setGlobalArray(this.argvNameRef, argv);
      lua.lua_pop(L, 1);
      const status = lua.lua_pcall(L, 0, 1, 1);
      reply = status === lua.LUA_OK ? this.toReply(2) : this.errorReply(2);
      lua.lua_settop(L, 0);
    } catch (e) {
      this.broken = true;
      reply = error(`ERR locksim internal error while running a script: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      node.nextObjectId = g.id_counter;
      node.replicate = true;
      this.runningSha = '';
      this.host = null;
      this.node = null;
      this.busy = false;
    }
    return reply;
  }

  // ---------------------------------------------------------------------------- strings

  /** Pushes `s` as a Lua string onto L (the state or a coroutine of it), from a bounded cache for short strings. */
  private pushText(L: LuaState, s: string): void {
    if (s.length > 64) {
      this.f.lua.lua_pushstring(L, s);
      return;
    }
    let text = this.encoded.get(s);
    if (text === undefined) {
      if (this.encoded.size >= 4096) this.encoded.clear();
      text = this.f.newLuaString(this.f.to_luastring(s));
      this.encoded.set(s, text);
    }
    this.f.pushLuaString(L, text);
  }

  /**
   * Sets the global named by the Lua string at registry reference `nameRef` to a new array; the
   * globals table must be on the top of the stack (and stays there).
   */
  private setGlobalArray(nameRef: number, values: readonly string[]): void {
    const { lua } = this.f;
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, nameRef);
    lua.lua_createtable(L, values.length, 0);
    for (let i = 0; i < values.length; i++) {
      this.pushText(L, values[i]);
      lua.lua_rawseti(L, -2, i + 1);
    }
    this.globals.readonly = false;
    lua.lua_rawset(L, -3);
    this.globals.readonly = true;
  }

  // ---------------------------------------------------------------------------- conversions

  /** Lua value at `idx` -> Redis reply (luaReplyToRedisReply). */
  private toReply(idx: number): Reply {
    const { lua } = this.f;
    const L = this.L;
    switch (lua.lua_type(L, idx)) {
      case lua.LUA_TSTRING:
        return bulk(this.f.toText(L, idx) as string);
      case lua.LUA_TBOOLEAN:
        return lua.lua_toboolean(L, idx) ? ONE : NIL;
      case lua.LUA_TNUMBER:
        return integer(doubleToInt64(lua.lua_tonumber(L, idx)));
      case lua.LUA_TTABLE: {
        lua.lua_checkstack(L, 4);
        const err = this.rawStringField(idx, 'err');
        if (err !== null) return error(err.replace(/[\r\n]/g, ' '));
        const ok = this.rawStringField(idx, 'ok');
        if (ok !== null) return status(ok.replace(/[\r\n]/g, ' '));
        const items: Reply[] = [];
        for (let j = 1; ; j++) {
          if (lua.lua_rawgeti(L, idx, j) === lua.LUA_TNIL) {
            lua.lua_pop(L, 1);
            break;
          }
          items.push(this.toReply(lua.lua_gettop(L)));
          lua.lua_pop(L, 1);
        }
        return array(items);
      }
      default:
        return NIL;
    }
  }

  private rawStringField(idx: number, name: string): string | null {
    const { lua } = this.f;
    const L = this.L;
    lua.lua_pushliteral(L, name);
    lua.lua_rawget(L, idx);
    const value = lua.lua_type(L, -1) === lua.LUA_TSTRING ? this.f.toText(L, -1) : null;
    lua.lua_pop(L, 1);
    return value;
  }

  /** The error object of a failed script (as the handler built it) -> error reply. */
  private errorReply(idx: number): Reply {
    const { lua } = this.f;
    const L = this.L;
    if (lua.lua_type(L, idx) !== lua.LUA_TTABLE) {
      const msg = lua.lua_type(L, idx) === lua.LUA_TSTRING ? (this.f.toText(L, idx) as string) : 'execution failure';
      return error(`ERR Error running script ${this.runningSha}, ${msg.slice(0, 100)}`);
    }
    const message = this.rawStringField(idx, 'err') ?? '(null)';
    const source = this.rawStringField(idx, 'source');
    lua.lua_pushliteral(L, 'line');
    lua.lua_rawget(L, idx);
    const line = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? formatG(lua.lua_tonumber(L, -1), 14) : null;
    lua.lua_pop(L, 1);
    return scriptErrorReply(message, this.runningSha, source, line);
  }

  /** Redis reply -> Lua value on L's stack (redisProtocolToLuaType, RESP2); L is the state or a coroutine of it. */
  private pushReply(L: LuaState, reply: Reply): void {
    const { lua } = this.f;
    lua.lua_checkstack(L, 4);
    switch (reply.kind) {
      case 'status':
        lua.lua_createtable(L, 0, 1);
        this.pushText(L, reply.value);
        lua.lua_setfield(L, -2, this.OK_FIELD);
        return;
      case 'error':
        lua.lua_createtable(L, 0, 1);
        lua.lua_pushstring(L, reply.message);
        lua.lua_setfield(L, -2, this.ERR_FIELD);
        return;
      case 'integer':
        lua.lua_pushnumber(L, reply.value);
        return;
      case 'bulk':
        if (reply.value === null) lua.lua_pushboolean(L, false);
        else this.pushText(L, reply.value);
        return;
      case 'array': {
        const items = reply.value;
        if (items === null) {
          lua.lua_pushboolean(L, false);
          return;
        }
        lua.lua_createtable(L, items.length, 0);
        for (let i = 0; i < items.length; i++) {
          this.pushReply(L, items[i]);
          lua.lua_rawseti(L, -2, i + 1);
        }
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------- read-only globals

  /** `__index` of the globals: reading a global that does not exist is an error. */
  private missingGlobal(L: LuaState): number {
    const { lua, lauxlib } = this.f;
    if (!lua.lua_isstring(L, 2)) {
      return lauxlib.luaL_error(L, this.f.to_luastring('Second argument to luaProtectedTableError must be a string or number'));
    }
    const name = lua.lua_tojsstring(L, 2) as string;
    return lauxlib.luaL_error(L, this.f.to_luastring("Script attempted to access nonexistent global variable '%s'"), name);
  }

  /** Marks the table at `idx` and every table reachable from it read-only. */
  private protect(idx: number, seen: Set<unknown>): void {
    const { lua } = this.f;
    const L = this.L;
    const table = lua.lua_topointer(L, idx) as ReadonlyFlag;
    if (seen.has(table)) return;
    seen.add(table);
    const abs = idx < 0 ? lua.lua_gettop(L) + idx + 1 : idx;
    lua.lua_checkstack(L, 4);
    if (lua.lua_getmetatable(L, abs)) {
      this.protect(-1, seen);
      lua.lua_pop(L, 1);
    }
    lua.lua_pushnil(L);
    while (lua.lua_next(L, abs)) {
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE) this.protect(-1, seen);
      lua.lua_pop(L, 1);
    }
    table.readonly = true;
  }
}

let shared: LuaVm | null = null;

/**
 * The state a script runs in now: the process's shared one, built on first use and again after
 * it broke; a private one in the (impossible today) case that a script starts while another runs.
 */
export function luaVm(): LuaVm {
  if (shared === null || shared.broken) shared = new LuaVm();
  return shared.busy ? new LuaVm() : shared;
}
