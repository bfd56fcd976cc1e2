/**
 * Redis's glob matcher (`stringmatchlen` in util.c), used by KEYS: `*`, `?`, `[abc]`, `[^abc]`,
 * `[a-z]`, and `\` escapes. Compared by UTF-16 code unit (the same as bytes for ASCII).
 */
export function globMatch(pattern: string, str: string): boolean {
  const skip = { longer: false };
  return matchFrom(pattern, 0, str, 0, skip);
}

function matchFrom(pattern: string, p: number, str: string, s: number, skip: { longer: boolean }): boolean {
  const plen = pattern.length;
  const slen = str.length;
  while (p < plen && s < slen) {
    const pc = pattern.charCodeAt(p);
    switch (pc) {
      case 42: /* '*' */ {
        while (p + 1 < plen && pattern.charCodeAt(p + 1) === 42) p++;
        if (p + 1 === plen) return true;
        while (s < slen) {
          if (matchFrom(pattern, p + 1, str, s, skip)) return true;
          if (skip.longer) return false;
          s++;
        }
        skip.longer = true;
        return false;
      }
      case 63: /* '?' */
        s++;
        break;
      case 91: /* '[' */ {
        p++;
        const not = p < plen && pattern.charCodeAt(p) === 94; /* '^' */
        if (not) p++;
        let match = false;
        const c = str.charCodeAt(s);
        for (;;) {
          if (p < plen && pattern.charCodeAt(p) === 92 /* '\\' */ && plen - p >= 2) {
            p++;
            if (pattern.charCodeAt(p) === c) match = true;
          } else if (p < plen && pattern.charCodeAt(p) === 93 /* ']' */) {
            break;
          } else if (p >= plen) {
            p--;
            break;
          } else if (plen - p >= 3 && pattern.charCodeAt(p + 1) === 45 /* '-' */) {
            let start = pattern.charCodeAt(p);
            let end = pattern.charCodeAt(p + 2);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            p += 2;
            if (c >= start && c <= end) match = true;
          } else if (pattern.charCodeAt(p) === c) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        s++;
        break;
      }
      case 92: /* '\\' */
        if (plen - p >= 2) p++;
        if (pattern.charCodeAt(p) !== str.charCodeAt(s)) return false;
        s++;
        break;
      default:
        if (pc !== str.charCodeAt(s)) return false;
        s++;
        break;
    }
    p++;
    if (s === slen) {
      while (p < plen && pattern.charCodeAt(p) === 42) p++;
      break;
    }
  }
  return p === plen && s === slen;
}
