/**
 * Finds Lua 5.3 syntax that fengari accepts but Redis's Lua 5.1 rejects or reads differently:
 * the operators // & | ~ << >> (and unary ~), goto labels (::name::), and the string escapes
 * \x \z \u{} (5.1 reads "\x41" as "x41"). A script using them would run in locksim and fail (or
 * behave differently) on a real Redis, so the engine refuses it at compile time.
 *
 * A small tokenizer: it skips comments, short and long strings, and numerals, and looks at the
 * operator characters that remain.
 */
export interface Lua53Finding {
  line: number;
  what: string;
}

function longBracketLevel(src: string, i: number): number {
  // At '[': returns the level of "[==[" or -1 when it is not a long bracket.
  let j = i + 1;
  let level = 0;
  while (src[j] === '=') {
    level++;
    j++;
  }
  return src[j] === '[' ? level : -1;
}

export function findLua53Syntax(src: string): Lua53Finding | null {
  let line = 1;
  let i = 0;
  const n = src.length;
  const skipLong = (start: number, level: number): number => {
    const close = ']' + '='.repeat(level) + ']';
    const end = src.indexOf(close, start);
    const stop = end < 0 ? n : end + close.length;
    for (let k = start; k < stop; k++) if (src[k] === '\n') line++;
    return stop;
  };
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === '-' && src[i + 1] === '-') {
      if (src[i + 2] === '[') {
        const level = longBracketLevel(src, i + 2);
        if (level >= 0) {
          i = skipLong(i + 4 + level, level);
          continue;
        }
      }
      while (i < n && src[i] !== '\n') i++;
    } else if (c === '[') {
      const level = longBracketLevel(src, i);
      if (level >= 0) i = skipLong(i + 2 + level, level);
      else i++;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < n && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') {
          const e = src[i + 1];
          if (e === 'x' || e === 'z' || e === 'u') return { line, what: `the string escape '\\${e}'` };
          if (e === '\n') line++;
          i += 2;
        } else i++;
      }
      i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      // A numeral, exponent sign included.
      i++;
      while (i < n && (/[0-9A-Za-z_.]/.test(src[i]) || ((src[i] === '+' || src[i] === '-') && /[eEpP]/.test(src[i - 1])))) i++;
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_]/.test(src[i])) i++;
    } else {
      const two = src.slice(i, i + 2);
      if (two === '//' || two === '<<' || two === '>>' || two === '::') return { line, what: `the operator '${two}'` };
      if (c === '&' || c === '|') return { line, what: `the operator '${c}'` };
      if (c === '~' && src[i + 1] !== '=') return { line, what: "the operator '~'" };
      i += two === '~=' || two === '==' || two === '<=' || two === '>=' || two === '..' ? 2 : 1;
    }
  }
  return null;
}
