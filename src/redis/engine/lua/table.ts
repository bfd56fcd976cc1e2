/**
 * Lua 5.1's table library where fengari's 5.3 one differs in a way a script can tell, as Redis
 * 7.0 embeds it:
 *
 * - `table.insert` and `table.remove` are 5.1's (no bounds errors; raw accesses).
 * - `table.sort` is 5.1's quicksort (5.3's picks random pivots with Math.random).
 * - 5.1's `table.getn` and `table.maxn` (its prelude part); 5.3's `unpack`, `pack` and `move`
 *   are gone (`unpack` is a global: base.ts).
 */
import type { Fengari, LuaJsFunction, LuaState } from '../fengari.ts';
import type { LibraryTools } from './library.ts';

/** Lua run once the library is installed (in the state's prelude chunk). */
export const TABLE_PRELUDE = `
table.getn = function(t) return #t end
table.maxn = function(t)
  local n = 0
  for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end
  return n
end
`;

/** Installs the 5.1 functions into L's `table` table (before it is made read-only). */
export function installTableLibrary(tools: LibraryTools): void {
  const { f, error, checkInt, optInt, checkTable, install } = tools;
  const { lua } = f;

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
}

/**
 * Lua 5.1's table.sort (a plain quicksort). Fengari's 5.3 sort picks random pivots with
 * Math.random on large unbalanced inputs, which would make runs irreproducible; 5.1's is
 * deterministic and orders equal elements exactly as Redis does.
 */
function sortFunction(f: Fengari): LuaJsFunction {
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
