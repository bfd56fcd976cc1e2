/**
 * A private, patched copy of fengari (Lua 5.3 in JS) that behaves like the Lua 5.1 Redis embeds
 * where scripts can tell the difference. Fengari's sources are read and compiled here, with the
 * source patches below applied (each must match exactly once, so a fengari upgrade that moves the
 * code fails loudly instead of silently dropping a patch); other users of fengari in the process
 * keep the stock module.
 *
 * - Lua 5.1 has one number type, the double: every number is a float (numerals, strings converted
 *   to numbers, lengths, library results, table keys). 5.3's integers are gone, and with them
 *   fengari's 32-bit integer wrap-around, `-#t` being 0 instead of -0, and integer-only errors.
 * - Strings become numbers as 5.1's `luaO_str2d` does: C's `strtod` (hex floats, inf, nan,
 *   surrounding spaces), so `tonumber('inf')`, `'0x10' + 0` and `tonumber('-0')` are Redis's.
 * - Numerals are read by 5.1's lexer rule (digits and dots, an exponent, then letters), so
 *   `0x1p-4` is a malformed number as on Redis.
 * - Constant folding is 5.1's: `-0.0` folds to a constant, and a chunk's constants 0 and -0 share
 *   one slot (the first one's), as in 5.1's constant table.
 * - `a % b` is 5.1's `a - floor(a/b)*b`; library integer arguments are truncated (C's cast), not
 *   refused for having a fraction.
 * - Every closure expression makes a new closure (5.3 reuses a cached one).
 * - Numbers print with "%.14g" (LUA_NUMBER_FMT): 1e+15, 0.33333333333333, inf, -nan.
 * - Tables can be made read-only (Redis 7.0 protects the globals and library tables): a write
 *   raises "Attempt to modify a readonly table".
 *
 * Compiled chunks are shared: a script's text is compiled once per process, in a state used only
 * for compiling, and every Lua state that loads it gets a new closure over the same prototype.
 * Prototypes are immutable once built (the closure cache, their only mutable part, is patched
 * out), so what one state runs cannot reach another.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compileFunction } from 'node:vm';
import { formatG, luaPow, luaStr2number } from './numbers.ts';

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

/** What the patched sources call back into (the `__locksim` parameter of every module). */
interface Hooks {
  number2str(n: number): string;
  str2number(bytes: Uint8Array): number | null;
  pow(x: number, y: number): number;
}

const HOOKS: Hooks = {
  number2str: (n) => formatG(n, 14),
  str2number: luaStr2number,
  pow: luaPow,
};

interface SourcePatch {
  file: string;
  /** Text that must occur exactly once in the file. */
  find: string;
  replace: string;
}

const LUA51_READ_NUMERAL = `const read_numeral = function(ls, seminfo) {
    /* Lua 5.1's rule: digits and dots, an optional exponent sign, then letters, digits, '_' */
    do {
        save_and_next(ls);
    } while (lisdigit(ls.current) || ls.current === 46);
    if (check_next2(ls, "Ee"))
        check_next2(ls, "-+");
    while (lislalnum(ls.current))
        save_and_next(ls);
    let obj = new lobject.TValue();
    if (lobject.luaO_str2num(luaZ_buffer(ls.buff), obj) === 0)
        lexerror(ls, to_luastring("malformed number", true), TK_FLT);
    seminfo.r = obj.value;
    return TK_FLT;
};
const read_numeral_53 = function(ls, seminfo) {`;

/** The source patches, by file. See the module comment for why each one is there. */
const PATCHES: readonly SourcePatch[] = [
  // Numbers print with %.14g.
  {
    file: 'luaconf.js',
    find: 'return String(Number(n.toPrecision(14))); /* should match behaviour of LUA_NUMBER_FMT */',
    replace: 'return __locksim.number2str(n);',
  },
  { file: 'luaconf.js', find: 'const LUA_COMPAT_FLOATSTRING = conf.LUA_COMPAT_FLOATSTRING || false;', replace: 'const LUA_COMPAT_FLOATSTRING = true;' },
  // One number type: whatever asks for an integer gets a float of the same value.
  { file: 'lobject.js', find: 'setivalue(x) {\n        this.type = LUA_TNUMINT;', replace: 'setivalue(x) {\n        this.type = LUA_TNUMFLT;' },
  {
    file: 'lobject.js',
    find: 'const luaO_str2num = function(s, o) {',
    replace: `const luaO_str2num = function(s, o) {
    const n = __locksim.str2number(s);
    if (n === null) return 0;
    o.setfltvalue(n);
    return s.length + 1;
};
const luaO_str2num_53 = function(s, o) {`,
  },
  {
    file: 'lapi.js',
    find: 'const lua_pushinteger = function(L, n) {\n    fengari_argcheckinteger(n);\n    L.stack[L.top] = new TValue(LUA_TNUMINT, n);',
    replace: 'const lua_pushinteger = function(L, n) {\n    L.stack[L.top] = new TValue(LUA_TNUMFLT, n);',
  },
  {
    file: 'lapi.js',
    find: 'const lua_seti = function(L, idx, n) {\n    fengari_argcheckinteger(n);\n    api_checknelems(L, 1);\n    let t = index2addr(L, idx);\n    L.stack[L.top] = new TValue(LUA_TNUMINT, n);',
    replace: 'const lua_seti = function(L, idx, n) {\n    api_checknelems(L, 1);\n    let t = index2addr(L, idx);\n    L.stack[L.top] = new TValue(LUA_TNUMFLT, n);',
  },
  {
    file: 'lapi.js',
    find: 'const lua_geti = function(L, idx, n) {\n    let t = index2addr(L, idx);\n    fengari_argcheckinteger(n);\n    L.stack[L.top] = new TValue(LUA_TNUMINT, n);',
    replace: 'const lua_geti = function(L, idx, n) {\n    let t = index2addr(L, idx);\n    L.stack[L.top] = new TValue(LUA_TNUMFLT, n);',
  },
  // lua_tointeger is 5.1's C cast: truncation, and LLONG_MIN for NaN and out-of-range values.
  {
    file: 'lapi.js',
    find: 'const lua_tointegerx = function(L, idx) {\n    return lvm.tointeger(index2addr(L, idx));\n};',
    replace: `const lua_tointegerx = function(L, idx) {
    const n = lvm.tonumber(index2addr(L, idx));
    if (n === false) return false;
    return n >= -9223372036854775808 && n < 9223372036854775808 ? (Math.trunc(n) || 0) : -9223372036854775808;
};`,
  },
  { file: 'ltable.js', find: 'let k = new lobject.TValue(LUA_TNUMINT, key);', replace: 'let k = new lobject.TValue(LUA_TNUMFLT, key);' },
  // A float key keeps its value (so a key stored as -0 reads back as -0, as in 5.1).
  { file: 'ltable.js', find: 'k = new lobject.TValue(LUA_TNUMINT, kv);', replace: 'k = new lobject.TValue(LUA_TNUMFLT, kv);' },
  // Lua 5.1's next() visits the array part (positive integer keys, in order) before the hash part.
  // Fengari keeps a table's entries in one list in insertion order; keep the positive integer keys
  // (up to 5.1's MAXASIZE, 2^26) as a sorted run at its head, the other keys after them in insertion
  // order. (5.1's hash part is in hash order, which is not simulated.)
  { file: 'ltable.js', find: 'this.l = void 0; /* last entry */', replace: 'this.l = void 0; /* last entry */\n        this.lastInt = void 0; /* last entry of the run of positive integer keys at the head */' },
  {
    file: 'ltable.js',
    find: `    let prev = null;
    let entry = {
        key: key,
        value: value,
        p: prev = t.l,
        n: void 0
    };
    if (!t.f) t.f = entry;
    if (prev) prev.n = entry;
    t.strong.set(hash, entry);
    t.l = entry;`,
    replace: `    let entry = { key: key, value: value, p: void 0, n: void 0 };
    let after = t.l || null;  /* the entry to link the new one after (null: at the head) */
    const kv = key.value;
    if (key.ttisnumber() && kv >= 1 && kv <= 67108864 && Math.floor(kv) === kv) {
        const last = t.lastInt;
        if (!last) after = null;
        else if (kv > last.key.value) after = last;
        else if (kv < t.f.key.value) after = null;
        else {
            after = t.f;
            while (after !== last && after.n.key.value < kv) after = after.n;
        }
        if (!last || after === last) t.lastInt = entry;
    }
    if (after === null) {
        entry.n = t.f;
        if (t.f) t.f.p = entry;
        t.f = entry;
        if (!t.l) t.l = entry;
    } else {
        entry.p = after;
        entry.n = after.n;
        if (after.n) after.n.p = entry;
        else t.l = entry;
        after.n = entry;
    }
    t.strong.set(hash, entry);`,
  },
  { file: 'ltable.js', find: 'if(t.l === e) t.l = prev;', replace: 'if(t.l === e) t.l = prev;\n        if(t.lastInt === e) t.lastInt = prev || void 0;' },
  // Table constructors store their list items first to last (5.3 stores them last to first).
  {
    file: 'lvm.js',
    find: `                for (; n > 0; n--) {
                    ltable.luaH_setint(h, last--, L.stack[ra + n]);
                }`,
    replace: `                for (let j = 1; j <= n; j++) {
                    ltable.luaH_setint(h, last - n + j, L.stack[ra + j]);
                }`,
  },
  // 5.1's string.find and string.match start at the end of the subject when 'init' is past it.
  {
    file: 'lstrlib.js',
    find: `    else if (init > ls + 1) {  /* start after string's end? */
        lua_pushnil(L);  /* cannot find anything */
        return 1;
    }`,
    replace: '    else if (init > ls + 1) init = ls + 1;',
  },
  // 5.1's patterns have no %g class (it matches a 'g'); gsub and gmatch may match an empty string
  // right after a match; a '%' before a non-digit in a replacement keeps that character.
  { file: 'lstrlib.js', find: "case 103 /* 'g'.charCodeAt(0) */: return  isgraph(c);\n", replace: '' },
  { file: 'lstrlib.js', find: "case 71  /* 'G'.charCodeAt(0) */: return !isgraph(c);\n", replace: '' },
  {
    file: 'lstrlib.js',
    find: `        if ((e = match(gm.ms, src, gm.p)) !== null && e !== gm.lastmatch) {
            gm.src = gm.lastmatch = e;`,
    replace: `        if ((e = match(gm.ms, src, gm.p)) !== null) {
            gm.src = e === src ? e + 1 : e;  /* empty match? go at least one position */`,
  },
  {
    file: 'lstrlib.js',
    find: `        if ((e = match(ms, src, p)) !== null && e !== lastmatch) {  /* match? */
            n++;
            add_value(ms, b, src, e, tr);  /* add replacement to buffer */
            src = lastmatch = e;
        } else if (src < ms.src_end)  /* otherwise, skip one character */`,
    replace: `        if ((e = match(ms, src, p)) !== null) {
            n++;
            add_value(ms, b, src, e, tr);  /* add replacement to buffer */
        }
        if (e !== null && e > src)  /* non empty match? */
            src = e;  /* skip it */
        else if (src < ms.src_end)`,
  },
  {
    file: 'lstrlib.js',
    find: `            if (!isdigit(news[i])) {
                if (news[i] !== L_ESC)
                    luaL_error(L, to_luastring("invalid use of '%c' in replacement string"), L_ESC);
                luaL_addchar(b, news[i]);`,
    replace: `            if (!isdigit(news[i])) {
                luaL_addchar(b, i < l ? news[i] : 0);  /* past the end: C's terminating NUL */`,
  },
  // 5.1's type errors: "attempt to index local 'a' (a nil value)" (5.3: "a nil value (local 'a')";
  // 5.3's "constant" kind does not exist in 5.1, which then names nothing).
  {
    file: 'ldebug.js',
    find: `const luaG_typeerror = function(L, o, op) {
    let t = ltm.luaT_objtypename(L, o);
    luaG_runerror(L, to_luastring("attempt to %s a %s value%s", true), op, t, varinfo(L, o));
};`,
    replace: `const luaG_typeerror = function(L, o, op) {
    let t = ltm.luaT_objtypename(L, o);
    let ci = L.ci;
    let kind = null;
    if (ci.callstatus & lstate.CIST_LUA) {
        kind = getupvalname(L, ci, o);
        let stkid = isinstack(L, ci, o);
        if (!kind && stkid)
            kind = getobjname(ci.func.value.p, currentpc(ci), stkid - ci.l_base);
    }
    if (kind && String.fromCharCode.apply(null, kind.funcname) === "constant") kind = null;
    if (kind)
        luaG_runerror(L, to_luastring("attempt to %s %s '%s' (a %s value)", true), op, kind.funcname, kind.name, t);
    luaG_runerror(L, to_luastring("attempt to %s a %s value", true), op, t);
};`,
  },
  // x ^ y is C's pow (correctly rounded where glibc's is; see luaPow).
  { file: 'lvm.js', find: 'L.stack[ra].setfltvalue(Math.pow(numberop1, numberop2));', replace: 'L.stack[ra].setfltvalue(__locksim.pow(numberop1, numberop2));' },
  { file: 'lobject.js', find: 'case LUA_OPPOW:  return Math.pow(v1, v2);', replace: 'case LUA_OPPOW:  return __locksim.pow(v1, v2);' },
  // 5.1's luai_nummod.
  {
    file: 'llimits.js',
    find: 'const luai_nummod = function(L, a, b) {\n    let m = a % b;\n    if ((m*b) < 0)\n        m += b;\n    return m;\n};',
    replace: 'const luai_nummod = function(L, a, b) {\n    return a - Math.floor(a / b) * b;\n};',
  },
  // 5.1 folds constants whose value is 0 or -0 (it refuses only NaN).
  { file: 'lcode.js', find: 'if (isNaN(n) || n === 0)', replace: 'if (isNaN(n))' },
  // A new closure every time (and no closure kept on a prototype shared between states).
  { file: 'lvm.js', find: 'let ncl = getcached(p, cl.upvals, L.stack, base);  /* cached closure */', replace: 'let ncl = null;' },
  { file: 'lvm.js', find: 'p.cache = ncl;  /* save it on cache for reuse */', replace: '' },
  { file: 'llex.js', find: 'const read_numeral = function(ls, seminfo) {', replace: LUA51_READ_NUMERAL },
  // 5.1's tokens: no '//', '<<', '>>', '::' (each is two single-character tokens), 'goto' is a name.
  { file: 'llex.js', find: 'else if (check_next1(ls, 60 /* (\'<\').charCodeAt(0) */)) return TK_SHL;\n', replace: '' },
  { file: 'llex.js', find: 'else if (check_next1(ls, 62 /* (\'>\').charCodeAt(0) */)) return TK_SHR;\n', replace: '' },
  { file: 'llex.js', find: 'if (check_next1(ls, 47 /* (\'/\').charCodeAt(0) */)) return TK_IDIV;\n                else return 47', replace: 'return 47' },
  { file: 'llex.js', find: 'if (check_next1(ls, 58 /* (\':\').charCodeAt(0) */)) return TK_DBCOLON;\n                else return 58', replace: 'return 58' },
  { file: 'llex.js', find: 'if (kidx !== void 0 && kidx <= 22)', replace: 'if (kidx !== void 0 && kidx <= 22 && kidx + FIRST_RESERVED !== TK_GOTO)' },
  // 5.1's escapes: \\x, \\u and \\z are not escapes (the backslash is dropped, the letter kept), nor is
  // any other character that is not a digit; a decimal escape above 255 is "too large".
  { file: 'llex.js', find: "case 120 /* ('x').charCodeAt(0) */: c = readhexaesc(ls); will = 'read_save'; break;\n", replace: '' },
  { file: 'llex.js', find: "case 117 /* ('u').charCodeAt(0) */: utf8esc(ls); will = 'no_save'; break;\n", replace: '' },
  { file: 'llex.js', find: "case 122 /* ('z').charCodeAt(0) */: {  /* zap following span of spaces */", replace: "case -122: {" },
  {
    file: 'llex.js',
    find: 'esccheck(ls, lisdigit(ls.current), to_luastring("invalid escape sequence", true));',
    replace: "if (!lisdigit(ls.current)) { c = ls.current; will = 'read_save'; break; }",
  },
  {
    file: 'llex.js',
    find: 'esccheck(ls, r <= 255, to_luastring("decimal escape too large", true));',
    replace: 'if (r > 255) { luaZ_buffremove(ls.buff, i + 1); lexerror(ls, to_luastring("escape sequence too large", true), TK_STRING); }',
  },
  // ... and no bitwise operators.
  { file: 'lparser.js', find: "case 126 /* ('~').charCodeAt(0) */: return OPR_BNOT;\n", replace: '' },
  { file: 'lparser.js', find: "case 38 /* ('&').charCodeAt(0) */: return OPR_BAND;\n", replace: '' },
  { file: 'lparser.js', find: "case 124 /* ('|').charCodeAt(0) */: return OPR_BOR;\n", replace: '' },
  { file: 'lparser.js', find: "case 126 /* ('~').charCodeAt(0) */: return OPR_BXOR;\n", replace: '' },
  // 5.1 refuses a 'break' outside a loop where it reads it.
  {
    file: 'lparser.js',
    find: `        llex.luaX_next(ls);  /* skip break */
        label = luaS_newliteral(ls.L, "break");`,
    replace: `        llex.luaX_next(ls);  /* skip break */
        let bl = ls.fs.bl;
        while (bl !== null && !bl.isloop) bl = bl.previous;
        if (bl === null) llex.luaX_syntaxerror(ls, to_luastring("no loop to break", true));
        label = luaS_newliteral(ls.L, "break");`,
  },
  // 5.1's error texts quote every token ("'<eof>' expected near '&'"), control characters as char(N).
  {
    file: 'llex.js',
    find: `const luaX_token2str = function(ls, token) {
    if (token < FIRST_RESERVED) {  /* single-byte symbols? */
        return lobject.luaO_pushfstring(ls.L, to_luastring("'%c'", true), token);
    } else {
        let s = luaX_tokens[token - FIRST_RESERVED];
        if (token < TK_EOS)  /* fixed format (symbols and reserved words)? */
            return lobject.luaO_pushfstring(ls.L, to_luastring("'%s'", true), s);
        else  /* names, strings, and numerals */
            return s;
    }
};`,
    replace: `const luaX_token2str = function(ls, token) {
    if (token < FIRST_RESERVED) {
        if (token < 32 || token === 127)
            return lobject.luaO_pushfstring(ls.L, to_luastring("'char(%d)'", true), token);
        return lobject.luaO_pushfstring(ls.L, to_luastring("'%c'", true), token);
    }
    return lobject.luaO_pushfstring(ls.L, to_luastring("'%s'", true), luaX_tokens[token - FIRST_RESERVED]);
};`,
  },
  // 5.1's statements: anything that is not a call is an assignment ("'=' expected"), ';' only
  // after a statement, 'break' last in its block, and a call's '(' on the line of its function.
  {
    file: 'lparser.js',
    find: `    if (ls.t.token === 61 /* ('=').charCodeAt(0) */ || ls.t.token === 44 /* (',').charCodeAt(0) */) { /* stat . assignment ? */
        v.prev = null;
        assignment(ls, v, 1);
    }
    else {  /* stat -> func */
        check_condition(ls, v.v.k === expkind.VCALL, to_luastring("syntax error", true));
        SETARG_C(getinstruction(fs, v.v), 1);  /* call statement uses no results */
    }`,
    replace: `    if (v.v.k === expkind.VCALL) {
        SETARG_C(getinstruction(fs, v.v), 1);  /* call statement uses no results */
    }
    else {
        v.prev = null;
        assignment(ls, v, 1);
    }`,
  },
  {
    file: 'lparser.js',
    find: `        case 59 /* (';').charCodeAt(0) */: {  /* stat -> ';' (empty statement) */
            llex.luaX_next(ls);  /* skip ';' */
            break;
        }
`,
    replace: '',
  },
  {
    file: 'lparser.js',
    find: `        if (ls.t.token === R.TK_RETURN) {
            statement(ls);
            return;  /* 'return' must be last statement */
        }
        statement(ls);
    }`,
    replace: `        if (ls.t.token === R.TK_RETURN || ls.t.token === R.TK_BREAK) {
            statement(ls);
            testnext(ls, 59);
            return;  /* 'return' and 'break' must be last statement */
        }
        statement(ls);
        testnext(ls, 59);
    }`,
  },
  {
    file: 'lparser.js',
    find: `        case 40 /* ('(').charCodeAt(0) */: {  /* funcargs -> '(' [ explist ] ')' */
            llex.luaX_next(ls);`,
    replace: `        case 40 /* ('(').charCodeAt(0) */: {  /* funcargs -> '(' [ explist ] ')' */
            if (ls.linenumber !== ls.lastline)
                llex.luaX_syntaxerror(ls, to_luastring("ambiguous syntax (function call x new statement)", true));
            llex.luaX_next(ls);`,
  },
];

function applyPatches(file: string, source: string, applied: Set<SourcePatch>): string {
  let text = source;
  for (const patch of PATCHES) {
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
  const modules = new Map<string, { exports: unknown }>();
  const applied = new Set<SourcePatch>();
  const load = (path: string): unknown => {
    const cached = modules.get(path);
    if (cached !== undefined) return cached.exports;
    const module = { exports: {} as unknown };
    modules.set(path, module);
    const source = applyPatches(path.slice(dir.length + 1), readFileSync(path, 'utf8'), applied);
    const body = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname', '__locksim'], { filename: path });
    const localRequire = (id: string): unknown => (id.startsWith('./') ? load(join(dir, id)) : realRequire(id));
    body.call(module.exports, module.exports, localRequire, module, path, dir, HOOKS);
    return module.exports;
  };
  const main = load(entry);
  const missed = PATCHES.filter((patch) => !applied.has(patch)).map((patch) => patch.file);
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
