/**
 * Number parsing and formatting exactly as Redis 7.0 (and its C library) does it:
 * `string2ll` for integers, `strtod` for doubles, `%.17g` for scores and Lua numbers passed to
 * redis.call, `%.14g` for Lua 5.1's tostring.
 *
 * Integers are JS numbers. Values beyond 2^53 are exact only where it matters for replies that
 * Redis computes (INCR family uses BigInt past that range); expiry times are plain numbers.
 */

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;
/** (long long) of a double that does not fit, on x86-64: LLONG_MIN. */
export const LLONG_MIN_NUMBER = -9223372036854775808;
const TWO_63 = 9223372036854775808;

const INT_RE = /^(?:0|-?[1-9][0-9]*)$/;

/**
 * Redis's `string2ll`: no spaces, no '+', no leading zeros, no "-0", within int64.
 * Returns null when the string is not such an integer. Past 2^53 the result is rounded.
 */
export function parseInt64(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (n <= 15) {
    // Fast path: short strings (exact in a double), checked and read in one pass; the same
    // strings as INT_RE: "0", or an optional '-' then a non-zero digit then digits.
    let i = 0;
    let negative = false;
    if (s.charCodeAt(0) === 45) {
      if (n === 1) return null;
      negative = true;
      i = 1;
    }
    if (s.charCodeAt(i) === 48) return n === 1 ? 0 : null;
    let value = 0;
    for (; i < n; i++) {
      const digit = s.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return null;
      value = value * 10 + digit;
    }
    return negative ? -value : value;
  }
  const big = parseInt64Exact(s);
  return big === null ? null : Number(big);
}

/** Like {@link parseInt64} but exact (BigInt). */
export function parseInt64Exact(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s)) return null;
  const v = BigInt(s);
  if (v > LLONG_MAX || v < LLONG_MIN) return null;
  return v;
}

/** True when `n` needs no BigInt care (|n| <= 2^53 - 1). */
export function isSafe(n: number): boolean {
  return n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER;
}

/**
 * `a + b` for int64 operands as Redis's INCRBY checks it: null when it would overflow.
 * Exact: uses BigInt when either operand or the result is beyond 2^53.
 */
export function addInt64(aText: string | null, a: number, b: number, bText: string | null): { value: number; text: string } | null {
  if (isSafe(a) && isSafe(b)) {
    const r = a + b;
    if (isSafe(r)) return { value: r, text: String(r) };
  }
  const ab = aText !== null ? BigInt(aText) : BigInt(a);
  const bb = bText !== null ? BigInt(bText) : BigInt(b);
  const r = ab + bb;
  if (r > LLONG_MAX || r < LLONG_MIN) return null;
  return { value: Number(r), text: r.toString() };
}

/** True when `a + b` (both int64 as numbers, possibly rounded) exceeds LLONG_MAX (expire arithmetic). */
export function sumExceedsInt64(a: number, b: number): boolean {
  if (isSafe(a) && isSafe(b) && isSafe(a + b)) return false;
  return BigInt(Math.trunc(a)) + BigInt(Math.trunc(b)) > LLONG_MAX;
}

/** C `(long long)x` on x86-64: truncation, and LLONG_MIN for NaN and out-of-range values. */
export function doubleToInt64(x: number): number {
  if (!(x >= -TWO_63 && x < TWO_63)) return LLONG_MIN_NUMBER;
  const t = Math.trunc(x);
  return t === 0 ? 0 : t; // no -0
}

// ---------------------------------------------------------------------------------------------
// strtod

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export interface StrtodResult {
  /** The parsed value (0 when nothing was parsed). */
  value: number;
  /** Characters consumed; 0 when no conversion was performed. */
  end: number;
  /** errno == ERANGE: overflow (±HUGE_VAL) or underflow (result rounded to zero). */
  range: boolean;
}

const DEC_RE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const HEX_RE = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?/;
const INF_RE = /^([+-]?)(?:infinity|inf)/i;
const NAN_RE = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;

/** glibc's `strtod` for the C locale (decimal, hex floats, inf/infinity, nan). */
export function strtod(s: string): StrtodResult {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  const rest = i === 0 ? s : s.slice(i);
  let m = HEX_RE.exec(rest);
  if (m !== null) {
    const sign = m[1] === '-' ? -1 : 1;
    const digits = m[2];
    const dot = digits.indexOf('.');
    const intPart = dot < 0 ? digits : digits.slice(0, dot);
    const fracPart = dot < 0 ? '' : digits.slice(dot + 1);
    let value = 0;
    for (const ch of intPart) value = value * 16 + parseInt(ch, 16);
    let scale = 1 / 16;
    for (const ch of fracPart) {
      value += parseInt(ch, 16) * scale;
      scale /= 16;
    }
    const exp = m[3] !== undefined ? Number(m[3]) : 0;
    value = value * Math.pow(2, exp);
    const range = !Number.isFinite(value) || (value === 0 && /[1-9a-fA-F]/.test(digits));
    return { value: sign * value, end: i + m[0].length, range };
  }
  m = INF_RE.exec(rest);
  if (m !== null) return { value: m[1] === '-' ? -Infinity : Infinity, end: i + m[0].length, range: false };
  m = NAN_RE.exec(rest);
  if (m !== null) return { value: NaN, end: i + m[0].length, range: false };
  m = DEC_RE.exec(rest);
  if (m !== null) {
    const text = m[0];
    const value = Number(text);
    const range = !Number.isFinite(value) || (value === 0 && /[1-9]/.test(text.replace(/[eE].*$/, '')));
    return { value, end: i + text.length, range };
  }
  return { value: 0, end: 0, range: false };
}

/**
 * Redis's `getDoubleFromObject` (ZADD scores, ZINCRBY): the whole string must parse, no leading
 * space, not NaN, no overflow/underflow to ±inf/0. Returns null when invalid.
 */
export function parseScore(s: string): number | null {
  if (s.length === 0 || isCSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  if (r.end !== s.length || r.end === 0) return null;
  if (r.range && (r.value === Infinity || r.value === -Infinity || r.value === 0)) return null;
  if (Number.isNaN(r.value)) return null;
  return r.value;
}

/**
 * One end of a score range as `zslParseRange` reads it: optional '(' for exclusive, then plain
 * `strtod` that must consume everything (so leading spaces and "" are accepted; NaN is not).
 */
export function parseRangeBound(s: string): { value: number; exclusive: boolean } | null {
  const exclusive = s.length > 0 && s.charCodeAt(0) === 40; /* ( */
  const body = exclusive ? s.slice(1) : s;
  const r = strtod(body);
  if (r.end !== body.length) return null;
  if (Number.isNaN(r.value)) return null;
  return { value: r.value, exclusive };
}

// ---------------------------------------------------------------------------------------------
// %g formatting

/**
 * The `n` significant decimal digits of `a` (> 0, finite) rounded as glibc's printf does: to
 * nearest, ties to even, on the exact binary value. JS's toExponential rounds ties up, so exact
 * ties are detected (they need the digits past `n` to be exactly 5000...) and fixed.
 */
function roundDigits(a: number, n: number): { digits: string; exp: number } {
  const s = a.toExponential(n - 1);
  const e = s.indexOf('e');
  let digits = n === 1 ? s.slice(0, e) : s[0] + s.slice(2, e);
  let exp = Number(s.slice(e + 1));
  const longer = a.toExponential(n);
  if (longer.charCodeAt(longer.indexOf('e') - 1) === 53 /* '5' */) {
    const exact = a.toExponential(99);
    const ee = exact.indexOf('e');
    const all = exact[0] + exact.slice(2, ee);
    if (all.charCodeAt(n) === 53 && /^0*$/.test(all.slice(n + 1)) && (all.charCodeAt(n - 1) - 48) % 2 === 0) {
      digits = all.slice(0, n);
      exp = Number(exact.slice(ee + 1));
    }
  }
  return { digits, exp };
}

/** C `printf("%.<p>g", x)` for finite and non-finite doubles (glibc spelling: inf, -inf, -nan). */
export function formatG(x: number, p: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '-nan' : x > 0 ? 'inf' : '-inf';
  // Integers that print in full are by far the most common case: skip the general path.
  if (Number.isInteger(x) && Math.abs(x) < 10 ** p && Math.abs(x) < 1e21) return String(x);
  const sign = x < 0 ? '-' : '';
  const { digits, exp } = roundDigits(Math.abs(x), p);
  if (exp < -4 || exp >= p) {
    const rest = digits.slice(1).replace(/0+$/, '');
    const ax = Math.abs(exp);
    return `${sign}${digits[0]}${rest === '' ? '' : '.' + rest}e${exp < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let intPart: string;
  let frac: string;
  if (exp >= 0) {
    intPart = digits.slice(0, exp + 1);
    frac = digits.slice(exp + 1);
  } else {
    intPart = '0';
    frac = '0'.repeat(-exp - 1) + digits;
  }
  frac = frac.replace(/0+$/, '');
  return frac === '' ? sign + intPart : `${sign}${intPart}.${frac}`;
}

/** A sorted-set score as Redis 7.0 replies it (RESP2 bulk): '%.17g', with inf/-inf spelled out. */
export function formatScore(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return formatG(x, 17);
}
