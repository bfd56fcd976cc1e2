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

/**
 * `mantissa * 2^exp2` rounded to the nearest double, ties to even (what glibc's strtod does for
 * hex floats, however many digits they have): subnormals and overflow to Infinity included.
 */
export function binaryToDouble(mantissa: bigint, exp2: number): number {
  if (mantissa === 0n) return 0;
  // Exponents far outside the double range: the result is 0 or Infinity whatever the digits.
  const bits = mantissa.toString(2).length;
  if (bits + exp2 > 1100) return Infinity;
  if (bits + exp2 < -1100) return 0;
  // Keep 53 significant bits, or fewer where the result is subnormal (its lowest bit is 2^-1074).
  const top = bits + exp2; // the value is in [2^(top-1), 2^top)
  if (top < -1074) return 0; // below half the smallest subnormal
  const keep = Math.min(53, top + 1074);
  const drop = bits - keep;
  let kept = drop > 0 ? mantissa >> BigInt(drop) : mantissa << BigInt(-drop);
  if (drop > 0) {
    const rest = mantissa & ((1n << BigInt(drop)) - 1n);
    const half = 1n << BigInt(drop - 1);
    if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
  }
  // kept * 2^(exp2 + drop) is exact in a double unless it overflows: scale in two steps so that
  // neither factor is out of range on its own.
  const scale = exp2 + drop;
  const half = Math.trunc(scale / 2);
  return Number(kept) * 2 ** half * 2 ** (scale - half);
}

/** glibc's `strtod` for the C locale (decimal, hex floats, inf/infinity, nan). */
export function strtod(s: string): StrtodResult {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  const rest = i === 0 ? s : s.slice(i);
  let m = HEX_RE.exec(rest);
  if (m !== null) {
    const digits = m[2];
    const dot = digits.indexOf('.');
    const hex = dot < 0 ? digits : digits.slice(0, dot) + digits.slice(dot + 1);
    const fractionDigits = dot < 0 ? 0 : digits.length - dot - 1;
    const exp = m[3] !== undefined ? Number(m[3]) : 0;
    const magnitude = binaryToDouble(BigInt('0x' + (hex === '' ? '0' : hex)), exp - 4 * fractionDigits);
    const range = magnitude === Infinity || (magnitude === 0 && /[1-9a-fA-F]/.test(digits));
    return { value: m[1] === '-' ? -magnitude : magnitude, end: i + m[0].length, range };
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
  // Integers that print in full are by far the most common case: skip the general path. (Past
  // 2^53, String() prints the shortest digits that read back, not the exact value %g prints.)
  if (Number.isInteger(x) && Math.abs(x) < 10 ** p && Math.abs(x) <= 9007199254740992) return String(x);
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

// ---------------------------------------------------------------------------------------------
// Lua 5.1's conversions (Redis embeds Lua 5.1, built against glibc)

/**
 * Lua 5.1's `luaO_str2d`, which every string-to-number conversion goes through (numerals in the
 * source, `tonumber`, arithmetic on strings): C's `strtod` on the string up to its first NUL,
 * then nothing but white space. So hex floats (`0x1p4`), `inf`, `-infinity`, `nan` and leading
 * or trailing spaces are numbers; `1e` and `0x` are not. Returns null when it is not a number.
 */
export function luaStr2number(bytes: Uint8Array): number | null {
  let n = bytes.indexOf(0);
  if (n < 0) n = bytes.length;
  // The common case, a plain decimal integer, without building a string.
  if (n > 0 && n <= 15) {
    let i = bytes[0] === 45 ? 1 : 0;
    let value = 0;
    for (; i < n; i++) {
      const digit = bytes[i] - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === n && n > (bytes[0] === 45 ? 1 : 0)) return bytes[0] === 45 ? -value : value;
  }
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(bytes[i]);
  const r = strtod(s);
  if (r.end === 0) return null;
  let end = r.end;
  while (end < n && isCSpace(s.charCodeAt(end))) end++;
  return end === n ? r.value : null;
}

const ULONG_MAX = (1n << 64n) - 1n;

/**
 * glibc's `strtoul(s, &end, base)` for 2 <= base <= 36 (Lua 5.1's `tonumber(s, base)`): leading
 * space, a sign (a '-' negates modulo 2^64), "0x" before base-16 digits; ULONG_MAX on overflow.
 * `end` is 0 when no digit was read.
 */
export function strtoul(s: string, base: number): { value: bigint; end: number } {
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let negative = false;
  if (s[i] === '-' || s[i] === '+') negative = s[i++] === '-';
  let prefixEnd = -1;
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    prefixEnd = i + 1; // "0x" with no digit after it converts the "0" and stops at the 'x'
    i += 2;
  }
  const start = i;
  let value = 0n;
  let overflow = false;
  const big = BigInt(base);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : c >= 65 && c <= 90 ? c - 55 : 99;
    if (digit >= base) break;
    if (!overflow) {
      value = value * big + BigInt(digit);
      if (value > ULONG_MAX) overflow = true;
    }
  }
  if (i === start) return { value: 0n, end: prefixEnd < 0 ? 0 : prefixEnd };
  if (overflow) return { value: ULONG_MAX, end: i };
  return { value: negative ? BigInt.asUintN(64, -value) : value, end: i };
}

// ---------------------------------------------------------------------------------------------
// C printf's floating-point conversions (glibc): %e %E %f %g %G

const F64 = new DataView(new ArrayBuffer(8));

/** A finite double > 0 exactly as `digits * 10^-scale` (every double has a finite decimal expansion). */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  F64.setFloat64(0, x);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  if (exp2 >= 0) return { digits: mantissa << BigInt(exp2), scale: 0 };
  return { digits: mantissa * 5n ** BigInt(-exp2), scale: -exp2 };
}

/** `n / 10^drop` rounded to nearest, ties to even (n >= 0). */
function roundDrop(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const unit = 10n ** BigInt(drop);
  const q = n / unit;
  const r = n % unit;
  const twice = 2n * r;
  return twice > unit || (twice === unit && (q & 1n) === 1n) ? q + 1n : q;
}

/** `a` (finite, >= 0) with `precision` digits after the point, as %f prints it. */
function fixedDigits(a: number, precision: number): string {
  if (a === 0) return precision > 0 ? '0.' + '0'.repeat(precision) : '0';
  const { digits, scale } = exactDecimal(a);
  const text = roundDrop(digits, scale - precision).toString().padStart(precision + 1, '0');
  return precision > 0 ? `${text.slice(0, text.length - precision)}.${text.slice(text.length - precision)}` : text;
}

/** The `count` significant digits of `a` (finite, > 0) rounded, and the decimal exponent of the first. */
function significantDigits(a: number, count: number): { text: string; exp: number } {
  const { digits, scale } = exactDecimal(a);
  const length = digits.toString().length;
  let text = roundDrop(digits, length - count).toString();
  let exp = length - 1 - scale;
  if (text.length > count) {
    // Rounding carried into a new digit (9.99 -> 10.0).
    text = text.slice(0, count);
    exp++;
  }
  return { text, exp };
}

function exponentForm(text: string, exp: number, point: boolean, upper: boolean): string {
  const ax = Math.abs(exp);
  const mantissa = text.length > 1 || point ? `${text[0]}.${text.slice(1)}` : text;
  return `${mantissa}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
}

export interface PrintfSpec {
  /** Any of "-+ #0". */
  flags: string;
  width: number | null;
  precision: number | null;
}

/**
 * glibc's `printf` of one double with %e, %E, %f, %g or %G and the given flags, width and
 * precision: exact decimal expansion, rounded to nearest with ties to even, exponents of at least
 * two digits, `inf` and `nan` (upper case for E and G) padded with spaces even under '0'.
 * Every NaN prints as "-nan" (x86's default NaN, which 0/0 gives, has its sign bit set; JS
 * numbers do not carry a NaN's sign).
 */
export function formatDouble(conv: 'e' | 'E' | 'f' | 'g' | 'G', spec: PrintfSpec, x: number): string {
  const { flags } = spec;
  const upper = conv === 'E' || conv === 'G';
  const negative = x < 0 || Object.is(x, -0) || Number.isNaN(x);
  const sign = negative ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const alt = flags.includes('#');
  let body: string;
  let finite = true;
  if (!Number.isFinite(x)) {
    finite = false;
    body = Number.isNaN(x) ? 'nan' : 'inf';
    if (upper) body = body.toUpperCase();
  } else {
    const a = Math.abs(x);
    const precision = spec.precision ?? 6;
    if (conv === 'f') {
      body = fixedDigits(a, precision);
      if (alt && precision === 0) body += '.';
    } else if (conv === 'e' || conv === 'E') {
      const { text, exp } = a === 0 ? { text: '0'.repeat(precision + 1), exp: 0 } : significantDigits(a, precision + 1);
      body = exponentForm(text, exp, alt, upper);
    } else {
      const p = precision === 0 ? 1 : precision;
      const { text, exp } = a === 0 ? { text: '0'.repeat(p), exp: 0 } : significantDigits(a, p);
      if (exp < -4 || exp >= p) {
        const kept = alt ? text : text.replace(/0+$/, '') || '0';
        body = exponentForm(kept, exp, alt, upper);
      } else {
        body = fixedDigits(a, p - 1 - exp);
        if (!alt && body.includes('.')) body = body.replace(/0+$/, '').replace(/\.$/, '');
        else if (alt && !body.includes('.')) body += '.';
      }
    }
  }
  const width = spec.width ?? 0;
  const length = sign.length + body.length;
  if (length >= width) return sign + body;
  if (flags.includes('-')) return sign + body + ' '.repeat(width - length);
  if (flags.includes('0') && finite) return sign + '0'.repeat(width - length) + body;
  return ' '.repeat(width - length) + sign + body;
}

// ---------------------------------------------------------------------------------------------
// pow

/** A finite non-zero double as `sign * mantissa * 2^exp2` with an odd mantissa. */
function splitDouble(x: number): { negative: boolean; mantissa: bigint; exp2: number } {
  F64.setFloat64(0, x);
  const hi = F64.getUint32(0);
  const lo = F64.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2 = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exp2 = biased - 1075;
  }
  while ((mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exp2++;
  }
  return { negative: hi >>> 31 === 1, mantissa, exp2 };
}

/** x^n for an integer n, rounded once (to nearest, ties to even), or null when out of reach. */
function exactIntegerPower(x: number, n: number): number | null {
  const { negative, mantissa, exp2 } = splitDouble(x);
  const sign = negative && n % 2 !== 0 ? -1 : 1;
  const bits = mantissa.toString(2).length;
  // log2 |x^n| lies within n * [exp2 + bits - 1, exp2 + bits): far out of range is 0 or inf.
  const low = n * (exp2 + bits - 1);
  const high = n * (exp2 + bits);
  if (Math.min(low, high) > 1100) return sign * Infinity;
  if (Math.max(low, high) < -1200) return sign * 0;
  if (Math.abs(n) * bits > 20_000) return null; // exact digits too long to be worth it
  const power = mantissa ** BigInt(Math.abs(n));
  if (n > 0) return sign * binaryToDouble(power, exp2 * n);
  // 1 / (power * 2^(exp2*|n|)): a quotient with 64 bits more than needed, and a sticky bit.
  const shift = power.toString(2).length + 64;
  const q = (1n << BigInt(shift)) / power;
  const r = (1n << BigInt(shift)) % power;
  return sign * binaryToDouble((q << 1n) | (r === 0n ? 0n : 1n), -shift - 1 + exp2 * n);
}

/**
 * C's pow (glibc, as Lua 5.1's `^` and math.pow call it): C99's special cases (pow(1, NaN) and
 * pow(-1, ±inf) are 1), integer exponents and ^0.5 correctly rounded as glibc rounds them. Other
 * exponents use JS's Math.pow, which may differ from glibc in the last bit.
 */
export function luaPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === -1 && !Number.isFinite(y)) return 1;
  if (x === 0 || !Number.isFinite(x) || !Number.isFinite(y)) return Math.pow(x, y);
  if (Number.isInteger(y)) return exactIntegerPower(x, y) ?? Math.pow(x, y);
  if (y === 0.5 && x > 0) return Math.sqrt(x);
  return Math.pow(x, y);
}
