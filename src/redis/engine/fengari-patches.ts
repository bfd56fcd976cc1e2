/**
 * The source patches that make fengari (Lua 5.3 in JS) read, compile and run scripts as the
 * Lua 5.1 inside Redis 7.0 does, where a script can tell the difference (fengari.ts applies them
 * to fengari 0.1.5's sources as it loads them):
 *
 * - One number type, the double: every number is a float (numerals, strings converted to
 *   numbers, lengths, library results, table keys). 5.3's integers are gone, and with them
 *   fengari's 32-bit wrap-around, `-#t` being 0 instead of -0, and integer-only errors; library
 *   integer arguments are truncated (C's cast) instead of refused for having a fraction.
 * - Strings become numbers as 5.1's `luaO_str2d` does: C's `strtod` (hex floats, inf, nan,
 *   surrounding spaces); numbers print with "%.14g"; `a % b` is `a - floor(a/b)*b`; `a ^ b` is
 *   numbers.ts's C pow.
 * - 5.1's lexer and parser where 5.3's differ: numerals, tokens (no `//`, `<<`, `>>`, `::`, no
 *   bitwise operators, `goto` is a name), string escapes, statements (`;`, `break`, call
 *   ambiguity), error texts; constant folding (-0.0 is a constant; 0 and -0 share a slot).
 * - 5.1's run-time behaviour: a new closure for every closure expression, type errors worded as
 *   5.1 words them, next() visiting positive integer keys first and in order (the array part),
 *   string.find from past the end, gsub/gmatch empty matches, no %g class.
 */
import { formatG, luaPow, luaStr2number } from './numbers.ts';

/** What the patched sources call back into (the `__locksim` parameter of every module). */
export interface PatchHooks {
  number2str(n: number): string;
  str2number(bytes: Uint8Array): number | null;
  pow(x: number, y: number): number;
}

export const PATCH_HOOKS: PatchHooks = {
  number2str: (n) => formatG(n, 14),
  str2number: luaStr2number,
  pow: luaPow,
};

export interface SourcePatch {
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
export const FENGARI_PATCHES: readonly SourcePatch[] = [
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
            /* the predecessor: a key just below (dense keys, any order), else a walk from the head */
            after = null;
            for (let d = 1; d <= 8 && after === null; d++) after = t.strong.get(kv - d) || null;
            if (after === null) {
                after = t.f;
                while (after !== last && after.n.key.value < kv) after = after.n;
            }
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
