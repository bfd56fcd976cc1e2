/**
 * The `redis` table Redis 7.0 gives scripts (script_lua.c): `redis.call` and `redis.pcall`
 * into the node's engine, `sha1hex`, `error_reply` and `status_reply`, `log`, `setresp`,
 * `set_repl`, `replicate_commands`, `breakpoint` and `debug` (no-ops outside the debugger),
 * `acl_check_cmd`, and the LOG_*, REPL_* and version constants. Errors are Redis's error
 * tables (`{err = "CODE message"}`), with its texts.
 */
import { createHash } from 'node:crypto';
import type { Fengari, LuaState } from '../fengari.ts';
import { formatG } from '../numbers.ts';
import { error, type Reply } from '../reply.ts';

/** What scripts call back into (the engine of the node running the script). */
export interface ScriptHost {
  /** Runs one command for redis.call/pcall; script-level refusals come back as error replies. */
  callFromScript(args: string[]): Reply;
  /** True when `name` is a command redis.acl_check_cmd should accept. */
  knowsCommand(name: string): boolean;
}

/** What the `redis` table needs from the Lua state running the script. */
export interface RedisApiBridge {
  /** The engine of the node whose script runs now. */
  host(): ScriptHost;
  /** redis.set_repl: whether the running script's writes propagate. */
  setReplicate(replicate: boolean): void;
  /** Pushes a command's reply onto S's stack as Redis converts it (redisProtocolToLuaType). */
  pushReply(S: LuaState, reply: Reply): void;
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

const REPL_NONE = 0;
const REPL_ALL = 3;

/** Creates the global `redis` table of L (before globals are made read-only). */
export function installRedisApi(f: Fengari, L: LuaState, bridge: RedisApiBridge): void {
  const { lua } = f;

  // Results go onto the stack of the caller, S: the state's main thread, or a coroutine a
  // script made (there, as in Redis, redis.call answers inside the coroutine).
  const pushErrorTable = (S: LuaState, text: string): void => {
    lua.lua_createtable(S, 0, 1);
    lua.lua_pushstring(S, text);
    lua.lua_setfield(S, -2, 'err');
  };

  /** Raises (redis.call) or returns (redis.pcall) an error table. */
  const fail = (S: LuaState, text: string, raise: boolean): number => {
    pushErrorTable(S, text);
    return raise ? lua.lua_error(S) : 1;
  };

  const redisCall = (S: LuaState, raise: boolean): number => {
    const argc = lua.lua_gettop(S);
    if (argc === 0) return fail(S, 'ERR Please specify at least one argument for this redis lib call', raise);
    const args: string[] = new Array(argc);
    for (let i = 1; i <= argc; i++) {
      const t = lua.lua_type(S, i);
      if (t === lua.LUA_TNUMBER) args[i - 1] = formatG(lua.lua_tonumber(S, i), 17);
      else if (t === lua.LUA_TSTRING) args[i - 1] = f.toText(S, i) as string;
      else return fail(S, 'ERR Lua redis lib command arguments must be strings or integers', raise);
    }
    let reply: Reply;
    try {
      reply = bridge.host().callFromScript(args);
    } catch (e) {
      reply = error(`ERR locksim internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (reply.kind === 'error') return fail(S, errorTableText(`-${reply.message}`), raise);
    bridge.pushReply(S, reply);
    return 1;
  };

  const sha1hex = (S: LuaState): number => {
    if (lua.lua_gettop(S) !== 1) return fail(S, 'ERR wrong number of arguments', true);
    // The bytes, as Redis hashes them (a number is converted to its text first).
    const bytes = lua.lua_tolstring(S, 1) ?? new Uint8Array(0);
    lua.lua_pushstring(S, createHash('sha1').update(bytes).digest('hex'));
    return 1;
  };

  const errorReply = (S: LuaState): number => {
    if (lua.lua_gettop(S) !== 1 || lua.lua_type(S, -1) !== lua.LUA_TSTRING) {
      pushErrorTable(S, 'ERR wrong number or type of arguments');
      return 1;
    }
    const text = f.toText(S, -1) as string;
    pushErrorTable(S, errorTableText(text.startsWith('-') ? text : `-${text}`));
    return 1;
  };

  const statusReply = (S: LuaState): number => {
    if (lua.lua_gettop(S) !== 1 || lua.lua_type(S, -1) !== lua.LUA_TSTRING) {
      pushErrorTable(S, 'ERR wrong number or type of arguments');
      return 1;
    }
    const text = f.toText(S, -1) as string;
    lua.lua_createtable(S, 0, 1);
    lua.lua_pushstring(S, text);
    lua.lua_setfield(S, -2, 'ok');
    return 1;
  };

  const log = (S: LuaState): number => {
    const argc = lua.lua_gettop(S);
    if (argc < 2) return fail(S, 'ERR redis.log() requires two arguments or more.', true);
    if (!lua.lua_isnumber(S, 1)) return fail(S, 'ERR First argument must be a number (log level).', true);
    const level = lua.lua_tonumber(S, 1);
    if (level < 0 || level > 3) return fail(S, 'ERR Invalid debug level.', true);
    return 0;
  };

  const setresp = (S: LuaState): number => {
    if (lua.lua_gettop(S) !== 1) return fail(S, 'ERR redis.setresp() requires one argument.', true);
    const resp = Math.trunc(lua.lua_tonumber(S, 1));
    if (resp !== 2 && resp !== 3) return fail(S, 'ERR RESP version must be 2 or 3.', true);
    if (resp === 3) return fail(S, 'ERR locksim does not simulate RESP3 in scripts (redis.setresp(3))', true);
    return 0;
  };

  const setRepl = (S: LuaState): number => {
    if (lua.lua_gettop(S) !== 1) return fail(S, 'ERR redis.set_repl() requires one argument.', true);
    const flags = Math.trunc(lua.lua_tonumber(S, 1));
    if (flags < REPL_NONE || flags > REPL_ALL) {
      return fail(S, 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', true);
    }
    if (flags !== REPL_NONE && flags !== REPL_ALL) {
      return fail(S, 'ERR locksim does not simulate redis.set_repl() with REPL_AOF or REPL_REPLICA alone', true);
    }
    bridge.setReplicate(flags === REPL_ALL);
    return 0;
  };

  const aclCheckCmd = (S: LuaState): number => {
    const argc = lua.lua_gettop(S);
    if (argc === 0) return fail(S, 'ERR Please specify at least one argument for this redis lib call', true);
    const name = lua.lua_type(S, 1) === lua.LUA_TSTRING ? (lua.lua_tojsstring(S, 1) as string) : '';
    if (!bridge.host().knowsCommand(name)) return fail(S, 'ERR Invalid command passed to redis.acl_check_cmd()', true);
    lua.lua_pushboolean(S, true);
    return 1;
  };

  lua.lua_createtable(L, 0, 32);
  const fn = (name: string, body: (S: LuaState) => number) => {
    lua.lua_pushjsfunction(L, body);
    lua.lua_setfield(L, -2, name);
  };
  const num = (name: string, value: number) => {
    lua.lua_pushnumber(L, value);
    lua.lua_setfield(L, -2, name);
  };
  fn('call', (S) => redisCall(S, true));
  fn('pcall', (S) => redisCall(S, false));
  fn('sha1hex', sha1hex);
  fn('error_reply', errorReply);
  fn('status_reply', statusReply);
  fn('log', log);
  fn('setresp', setresp);
  fn('set_repl', setRepl);
  fn('replicate_commands', (S) => {
    lua.lua_pushboolean(S, true);
    return 1;
  });
  fn('breakpoint', (S) => {
    lua.lua_pushboolean(S, false);
    return 1;
  });
  fn('debug', () => 0);
  fn('acl_check_cmd', aclCheckCmd);
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
