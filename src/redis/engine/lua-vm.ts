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
import { createHash } from 'node:crypto';
import { loadFengari, type Fengari, type LuaChunk, type LuaState, type LuaString, type ReadonlyFlag } from './fengari.ts';
import { installLua51Library } from './lua51-lib.ts';
import { doubleToInt64, formatG } from './numbers.ts';
import { Rand48 } from './rand48.ts';
import { array, bulk, error, integer, NIL, ONE, status, type Reply } from './reply.ts';

/** What scripts call back into (the engine of the node running the script). */
export interface ScriptHost {
  /** Runs one command for redis.call/pcall; script-level refusals come back as error replies. */
  callFromScript(args: string[]): Reply;
  /** True when `name` is a command redis.acl_check_cmd should accept. */
  knowsCommand(name: string): boolean;
}

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

  /** A process restart: math.random starts over; object ids go on (they are addresses). */
  restart(): void {
    this.rand.reset();
  }
}

/** Redis's error text for an error reply raised as a Lua error (`luaPushErrorBuff`): "-CODE msg" keeps CODE, anything else gets "ERR". */
export function errorTableText(text: string): string {
  let code = 'ERR';
  let msg = text;
  if (text.startsWith('-')) {
    const space = text.indexOf(' ');
    if (space < 0) msg = text.slice(1);
    else {
      code = text.slice(1, space);
      msg = text.slice(space + 1);
    }
  }
  return `${code} ${msg.replace(/^[\r\n]+|[\r\n]+$/g, '')}`;
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

/** The Lua prelude: 5.1 compatibility, globals Redis removes, and the error handler it returns. */
const PRELUDE = `
local dbg = debug
loadstring = load
gcinfo = function() return 0 end
table.getn = function(t) return #t end
table.maxn = function(t)
  local n = 0
  for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end
  return n
end
string.gfind = string.gmatch
string.pack = nil
string.unpack = nil
string.packsize = nil
coroutine.isyieldable = nil
dofile = nil
loadfile = nil
print = nil
rawlen = nil
debug = nil
_VERSION = 'Lua 5.1'
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

const REPL_NONE = 0;
const REPL_ALL = 3;

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

    lua.lua_pushjsfunction(L, (S) => this.luaError(S));
    lua.lua_setglobal(L, 'error');
    lua.lua_pushjsfunction(L, (S) => this.luaSetmetatable(S));
    lua.lua_setglobal(L, 'setmetatable');
    // math.random draws from the generator of the node whose script runs.
    installLua51Library(f, L, {
      nextUnit: () => (this.node as LuaNodeState).rand.nextUnit(),
      seed: (seed) => (this.node as LuaNodeState).rand.seed(seed),
    });
    this.installRedisTable();

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

  /** Pushes `s` as a Lua string onto this.L, from a bounded cache for short strings. */
  private pushText(s: string): void {
    if (s.length > 64) {
      this.f.lua.lua_pushstring(this.L, s);
      return;
    }
    let text = this.encoded.get(s);
    if (text === undefined) {
      if (this.encoded.size >= 4096) this.encoded.clear();
      text = this.f.newLuaString(this.f.to_luastring(s));
      this.encoded.set(s, text);
    }
    this.f.pushLuaString(this.L, text);
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
      this.pushText(values[i]);
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

  /** Redis reply -> Lua value on the stack (redisProtocolToLuaType, RESP2). */
  private pushReply(reply: Reply): void {
    const { lua } = this.f;
    const L = this.L;
    lua.lua_checkstack(L, 4);
    switch (reply.kind) {
      case 'status':
        lua.lua_createtable(L, 0, 1);
        this.pushText(reply.value);
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
        else this.pushText(reply.value);
        return;
      case 'array': {
        const items = reply.value;
        if (items === null) {
          lua.lua_pushboolean(L, false);
          return;
        }
        lua.lua_createtable(L, items.length, 0);
        for (let i = 0; i < items.length; i++) {
          this.pushReply(items[i]);
          lua.lua_rawseti(L, -2, i + 1);
        }
        return;
      }
    }
  }

  private pushErrorTable(text: string): void {
    const { lua } = this.f;
    lua.lua_createtable(this.L, 0, 1);
    lua.lua_pushstring(this.L, text);
    lua.lua_setfield(this.L, -2, 'err');
  }

  // ---------------------------------------------------------------------------- the redis table

  private installRedisTable(): void {
    const { lua } = this.f;
    const L = this.L;
    lua.lua_createtable(L, 0, 32);
    const fn = (name: string, f: (L: LuaState) => number) => {
      lua.lua_pushjsfunction(L, f);
      lua.lua_setfield(L, -2, name);
    };
    const num = (name: string, value: number) => {
      lua.lua_pushnumber(L, value);
      lua.lua_setfield(L, -2, name);
    };
    fn('call', (S) => this.redisCall(S, true));
    fn('pcall', (S) => this.redisCall(S, false));
    fn('sha1hex', (S) => this.redisSha1hex(S));
    fn('error_reply', (S) => this.redisErrorReply(S));
    fn('status_reply', (S) => this.redisStatusReply(S));
    fn('log', (S) => this.redisLog(S));
    fn('setresp', (S) => this.redisSetresp(S));
    fn('set_repl', (S) => this.redisSetRepl(S));
    fn('replicate_commands', (S) => {
      lua.lua_pushboolean(S, true);
      return 1;
    });
    fn('breakpoint', (S) => {
      lua.lua_pushboolean(S, false);
      return 1;
    });
    fn('debug', () => 0);
    fn('acl_check_cmd', (S) => this.redisAclCheckCmd(S));
    num('LOG_DEBUG', 0);
    num('LOG_VERBOSE', 1);
    num('LOG_NOTICE', 2);
    num('LOG_WARNING', 3);
    num('REPL_NONE', 0);
    num('REPL_AOF', 1);
    num('REPL_SLAVE', 2);
    num('REPL_REPLICA', 2);
    num('REPL_ALL', 3);
    lua.lua_pushliteral(L, '7.0.15');
    lua.lua_setfield(L, -2, 'REDIS_VERSION');
    num('REDIS_VERSION_NUM', 0x07000f);
    lua.lua_setglobal(L, 'redis');
  }

  /** Raises (redis.call) or returns (redis.pcall) an error table. */
  private fail(L: LuaState, text: string, raise: boolean): number {
    this.pushErrorTable(text);
    return raise ? this.f.lua.lua_error(L) : 1;
  }

  private redisCall(L: LuaState, raise: boolean): number {
    const { lua } = this.f;
    const argc = lua.lua_gettop(L);
    if (argc === 0) return this.fail(L, 'ERR Please specify at least one argument for this redis lib call', raise);
    const args: string[] = new Array(argc);
    for (let i = 1; i <= argc; i++) {
      const t = lua.lua_type(L, i);
      if (t === lua.LUA_TNUMBER) args[i - 1] = formatG(lua.lua_tonumber(L, i), 17);
      else if (t === lua.LUA_TSTRING) args[i - 1] = this.f.toText(L, i) as string;
      else return this.fail(L, 'ERR Lua redis lib command arguments must be strings or integers', raise);
    }
    let reply: Reply;
    try {
      reply = (this.host as ScriptHost).callFromScript(args);
    } catch (e) {
      reply = error(`ERR locksim internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (reply.kind === 'error') return this.fail(L, errorTableText(`-${reply.message}`), raise);
    this.pushReply(reply);
    return 1;
  }

  private redisSha1hex(L: LuaState): number {
    const { lua } = this.f;
    if (lua.lua_gettop(L) !== 1) return this.fail(L, 'ERR wrong number of arguments', true);
    // The bytes, as Redis hashes them (a number is converted to its text first).
    const bytes = lua.lua_tolstring(L, 1) ?? new Uint8Array(0);
    lua.lua_pushstring(L, createHash('sha1').update(bytes).digest('hex'));
    return 1;
  }

  private redisErrorReply(L: LuaState): number {
    const { lua } = this.f;
    if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      this.pushErrorTable('ERR wrong number or type of arguments');
      return 1;
    }
    const text = this.f.toText(L, -1) as string;
    this.pushErrorTable(errorTableText(text.startsWith('-') ? text : `-${text}`));
    return 1;
  }

  private redisStatusReply(L: LuaState): number {
    const { lua } = this.f;
    if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      this.pushErrorTable('ERR wrong number or type of arguments');
      return 1;
    }
    const text = this.f.toText(L, -1) as string;
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushstring(L, text);
    lua.lua_setfield(L, -2, 'ok');
    return 1;
  }

  private redisLog(L: LuaState): number {
    const { lua } = this.f;
    const argc = lua.lua_gettop(L);
    if (argc < 2) return this.fail(L, 'ERR redis.log() requires two arguments or more.', true);
    if (!lua.lua_isnumber(L, 1)) return this.fail(L, 'ERR First argument must be a number (log level).', true);
    const level = lua.lua_tonumber(L, 1);
    if (level < 0 || level > 3) return this.fail(L, 'ERR Invalid debug level.', true);
    return 0;
  }

  private redisSetresp(L: LuaState): number {
    const { lua } = this.f;
    if (lua.lua_gettop(L) !== 1) return this.fail(L, 'ERR redis.setresp() requires one argument.', true);
    const resp = Math.trunc(lua.lua_tonumber(L, 1));
    if (resp !== 2 && resp !== 3) return this.fail(L, 'ERR RESP version must be 2 or 3.', true);
    if (resp === 3) return this.fail(L, 'ERR locksim does not simulate RESP3 in scripts (redis.setresp(3))', true);
    return 0;
  }

  private redisSetRepl(L: LuaState): number {
    const { lua } = this.f;
    if (lua.lua_gettop(L) !== 1) return this.fail(L, 'ERR redis.set_repl() requires one argument.', true);
    const flags = Math.trunc(lua.lua_tonumber(L, 1));
    if (flags < REPL_NONE || flags > REPL_ALL) {
      return this.fail(L, 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', true);
    }
    if (flags !== REPL_NONE && flags !== REPL_ALL) {
      return this.fail(L, 'ERR locksim does not simulate redis.set_repl() with REPL_AOF or REPL_REPLICA alone', true);
    }
    (this.node as LuaNodeState).replicate = flags === REPL_ALL;
    return 0;
  }

  private redisAclCheckCmd(L: LuaState): number {
    const { lua } = this.f;
    const argc = lua.lua_gettop(L);
    if (argc === 0) return this.fail(L, 'ERR Please specify at least one argument for this redis lib call', true);
    const name = lua.lua_type(L, 1) === lua.LUA_TSTRING ? (lua.lua_tojsstring(L, 1) as string) : '';
    if (!(this.host as ScriptHost).knowsCommand(name)) return this.fail(L, 'ERR Invalid command passed to redis.acl_check_cmd()', true);
    lua.lua_pushboolean(L, true);
    return 1;
  }

  // ---------------------------------------------------------------------------- globals, error, math

  /** `__index` of the globals: reading a global that does not exist is an error. */
  private missingGlobal(L: LuaState): number {
    const { lua, lauxlib } = this.f;
    if (!lua.lua_isstring(L, 2)) {
      return lauxlib.luaL_error(L, this.f.to_luastring('Second argument to luaProtectedTableError must be a string or number'));
    }
    const name = lua.lua_tojsstring(L, 2) as string;
    return lauxlib.luaL_error(L, this.f.to_luastring("Script attempted to access nonexistent global variable '%s'"), name);
  }

  /** Lua 5.1's `error`: numbers get the position prefix too (5.3 adds it to strings only). */
  private luaError(L: LuaState): number {
    const { lua, lauxlib } = this.f;
    const level = lua.lua_type(L, 2) <= 0 ? 1 : Math.trunc(lauxlib.luaL_checknumber(L, 2));
    lua.lua_settop(L, 1);
    if (lua.lua_isstring(L, 1) && level > 0) {
      lauxlib.luaL_where(L, level);
      lua.lua_pushvalue(L, 1);
      lua.lua_concat(L, 2);
    }
    return lua.lua_error(L);
  }

  /** `setmetatable` that refuses read-only tables, as Redis 7.0's patched Lua does. */
  private luaSetmetatable(L: LuaState): number {
    const { lua, lauxlib } = this.f;
    lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
    const t = lua.lua_type(L, 2);
    if (t !== lua.LUA_TNIL && t !== lua.LUA_TTABLE) {
      return lauxlib.luaL_argerror(L, 2, this.f.to_luastring('nil or table expected'));
    }
    if ((lua.lua_topointer(L, 1) as ReadonlyFlag).readonly === true) {
      lua.lua_pushliteral(L, 'Attempt to modify a readonly table');
      return lua.lua_error(L);
    }
    if (lauxlib.luaL_getmetafield(L, 1, this.f.to_luastring('__metatable')) !== lua.LUA_TNIL) {
      return lauxlib.luaL_error(L, this.f.to_luastring('cannot change a protected metatable'));
    }
    lua.lua_settop(L, 2);
    lua.lua_setmetatable(L, 1);
    return 1;
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
