/**
 * Lua scripts whose replies show how Redis's Lua 5.1 handles numbers (and the 5.1 syntax and
 * library behaviour that differs from the Lua 5.3 underneath the simulated node), for tests that
 * EVAL them on a simulated node and on redis-server 7.0 and compare the replies.
 *
 * - {@link LUA_NUMERIC_CASES}: a fixed table, one entry per behaviour.
 * - {@link luaNumericScript}: a fast-check arbitrary of scripts with generated numerals, numeric
 *   strings, format specifications and constant expressions.
 *
 * Both exclude, by construction, the differences the simulation documents as not closed
 * (docs/redis-commands.md, "Lua 5.1 numbers"): the sign of a NaN (every NaN prints as "-nan"),
 * the last bit of transcendental functions (sin, exp, log, pow...: JS's libm is not glibc's),
 * `#t` of a table with holes, and the order `pairs` gives a table's hash part.
 */
import fc from 'fast-check';

export interface LuaCase {
  /** What the case shows. */
  name: string;
  body: string;
  /** ARGV (no KEYS). */
  args?: readonly string[];
}

const c = (name: string, body: string, args?: readonly string[]): LuaCase => (args === undefined ? { name, body } : { name, body, args });

export const LUA_NUMERIC_CASES: readonly LuaCase[] = [
  // One number type: a chunk's constants 0 and -0 share a slot (the first one's value).
  c('0 then -0.0 in one chunk', 'return {tostring(0), tostring(-0.0)}'),
  c('-0.0 then 0 in one chunk', 'return {tostring(-0.0), tostring(0)}'),
  c('-0 then 0', 'return {tostring(-0), tostring(0)}'),
  c('-0 alone', 'return tostring(-0)'),
  c('-0 from arithmetic', 'local a = 0 return {tostring(-a), tostring(0 * -1), tostring(0 / -5), tostring(-0 + 0)}'),
  c('-0.0 passed to a command shares the constant 0', "return {redis.call('echo', 0/0), redis.call('echo', -0.0)}"),
  c('-0 of a length', "return {tostring(-#''), tostring(-#{})}"),
  c('a table key stored as -0', "local t = {} t[-0] = 'z' for k in pairs(t) do return tostring(k) end"),
  c('t[1] and t[1.0] are one key', "local t = {} t[1.0] = 'a' t[2] = 'b' return {t[1], t[2.0], #t}"),
  c('t[0] and t[-0] are one key', "local t = {[0] = 'a'} return t[-0]"),
  // Strings to numbers: C's strtod.
  c(
    'tonumber accepts what strtod accepts',
    "return {tostring(tonumber('inf')), tostring(tonumber('-inf')), tostring(tonumber('-nan')), tostring(tonumber('infinity')), tostring(tonumber('  0x1p4  ')), tostring(tonumber('0x1.8p1')), tostring(tonumber('1e'))}",
  ),
  c('tonumber keeps the sign of -0', "return {tostring(tonumber('-0')), tostring(tonumber('-0.0')), tostring(tonumber(' -0 '))}"),
  c(
    'tonumber edge forms',
    "return {tostring(tonumber('0x1P-2')), tostring(tonumber('0X.8')), tostring(tonumber('0x1.')), tostring(tonumber('infinityx')), tostring(tonumber('nan(')), tostring(tonumber('INF')), tostring(tonumber('1e400')), tostring(tonumber('-1e400')), tostring(tonumber('1e-400'))}",
  ),
  c(
    'tonumber of spaces, signs and partial numbers',
    "return {tostring(tonumber('  12  ')), tostring(tonumber('.5')), tostring(tonumber('5.')), tostring(tonumber('0x')), tostring(tonumber('0xg')), tostring(tonumber('1e+')), tostring(tonumber('- 1')), tostring(tonumber('+1')), tostring(tonumber('+-1'))}",
  ),
  c('tonumber stops at a NUL byte', "return {tostring(tonumber('5\\0')), tostring(tonumber(' 5 ')), tostring(tonumber('5 x')), tostring(tonumber(nil)), tostring(tonumber(true))}"),
  c('arithmetic on strings converts them with strtod', "return {tostring('inf' + 1), tostring('0x10' + 0), tostring(' 1e2 ' * 1), tostring('-0' * 1), tostring(-'2')}"),
  c('arithmetic on a string that is no number', "return {pcall(function() return ARGV[1] + 0 end)}", ['12abc']),
  c('tonumber with a base is strtoul', "return {tonumber('10', 16), tonumber('ff', 16), tonumber('  z  ', 36), tonumber('0x10', 16), tonumber('10', 2.5), tonumber('8', 8), tonumber(' ', 16), tonumber('', 10)}"),
  c('strtoul wraps a negative number modulo 2^64', "return {tostring(tonumber('-1', 16)), tostring(tonumber('-ff', 16)), tostring(tonumber('ffffffffffffffffff', 16))}"),
  c('tonumber with a base: letters, digits out of range', "return {tostring(tonumber('Z', 36)), tostring(tonumber('11', 2)), tostring(tonumber('12', 2)), tostring(tonumber('  7', 8)), tostring(tonumber('0x', 16)), tostring(tonumber('1.5', 16)), tostring(tonumber(255, 16))}"),
  c('tonumber base out of range', "return tonumber('1', 1)"),
  c('tonumber base 37', "return tonumber('10', 37)"),
  c('tonumber without an argument', 'return tonumber()'),
  c('tonumber of a table with a base', 'return tonumber({}, 16)'),
  // Numerals, as 5.1's lexer reads them.
  c('hex numerals', 'return {tostring(0x10), tostring(0x1p4), tostring(0xffffffffffffffff), tostring(0x7fffffff + 1), tostring(0x10p1)}'),
  c('decimal numerals', 'return {tostring(1e1), tostring(.5), tostring(5.), tostring(3e-2), tostring(1e400), tostring(123456.789e3)}'),
  c('a hex float with a negative exponent is malformed in 5.1', 'return 0x1p-4'),
  c('0x.8 is malformed', 'return 0x.8'),
  c('0x1.8p1 is malformed', 'return 0x1.8p1'),
  c('digits then letters', 'return 12xyz'),
  c('an exponent then letters', 'return 1e5e'),
  c('a numeral then a keyword', 'return 3do'),
  c('an underscore in a numeral', 'return 1_000'),
  c('two dots', 'return 3.4.5'),
  c('an exponent without digits', 'return 1e'),
  c('0x alone', 'return 0x'),
  // Printing numbers: %.14g.
  c(
    'tostring of large and small numbers',
    "return {tostring(1e15), tostring(1e16), tostring(2^53), tostring(2^63), tostring(123456789012345678), tostring(0.1), tostring(1/3), tostring(-1e-300), tostring(5e-324)}",
  ),
  c('integral floats print without .0', 'return {tostring(1), tostring(1.0), tostring(3/1), tostring(10/2), tostring(#"abc"), tostring(2^31), tostring(2^31 * 2^31)}'),
  c('no 32-bit wrap-around of lengths', 'return {tostring(#"abcd" * #"abcd" * 100000000000), tostring(math.floor(2^40) * math.floor(2^40))}'),
  c('concatenation formats numbers', "return {'x' .. 1.5 .. -0.0, 1 .. 2, 0.1 .. '', 1e100 .. ''}"),
  c('inf and nan print as glibc prints them', 'return {tostring(1/0), tostring(-1/0), tostring(0/0), tostring(math.huge - math.huge), tostring(math.sqrt(-1)), tostring(math.fmod(1, 0)), tostring(5 % 0)}'),
  // Numbers to Redis replies: truncated to an integer, C's cast.
  c('3.9 becomes 3', 'return 3.9'),
  c('-3.9 becomes -3', 'return -3.9'),
  c('0/0 becomes LLONG_MIN', 'return 0/0'),
  c('1/0 becomes LLONG_MIN', 'return 1/0'),
  c('-1/0 becomes LLONG_MIN', 'return -1/0'),
  c('2^63 becomes LLONG_MIN', 'return 2^63'),
  c('-2^63', 'return -2^63'),
  c('1e30 becomes LLONG_MIN', 'return 1e30'),
  c('numbers in a table', 'return {1.5, -0.5, 2^53 + 1, -0.0}'),
  // Numbers passed to commands: %.17g.
  c('a number passed to a command', "return {redis.call('echo', 0.1), redis.call('echo', 1/3), redis.call('echo', 1e15), redis.call('echo', 1/0), redis.call('echo', 2^63)}"),
  c('numbers stored and read back', "return {redis.call('set', 'lua-num:a', 0.1), redis.call('get', 'lua-num:a'), redis.call('set', 'lua-num:b', 1e20), redis.call('get', 'lua-num:b')}"),
  c('integer replies come back as numbers', "redis.call('del', 'lua-num:n') return {redis.call('incrby', 'lua-num:n', 5) * 2, redis.call('incr', 'lua-num:n') / 2}"),
  c('INCRBY with a fraction from a script', "return redis.call('incrby', 'lua-num:m', 2.5)"),
  c('a string reply plus a number', "redis.call('set', 'lua-num:s', '41') return redis.call('get', 'lua-num:s') + 1"),
  // string.format: C's printf.
  c('%e %g %G %f %E', "return string.format('%e|%g|%G|%f|%.3e|%10.4g|%G|%E', 1234.5678, 1e-5, 1e-20, 2.5, 0.0005, 123456789, 1/0, -0.0)"),
  c('rounding to even, flags', "return string.format('%.0f|%.1f|%.2f|%.0e|%5.1g|%#g|%#.0f|%+e|% f|%-10.2f|%010.3f|%+010.2e', 2.5, 0.25, 0.125, 25, 0.0001, 1, 2, 3, 4, 5, -6.5, 7)"),
  c('inf and nan in printf', "return string.format('%f|%e|%g|%5f|%-6e|%+g|%010f|%G', 0/0, -1/0, 1/0, 1/0, 0/0, 1/0, -1/0, 0/0)"),
  c('exact decimal expansions', "return string.format('%.20f|%.30e|%f', 0.1, 1/3, 1e300)"),
  c('%g picks the shorter form', "return string.format('%g|%g|%g|%g|%g|%g|%.3g|%.10g', 100000, 1000000, 0.0001, 0.00001, 123456789, 0.1, 2/3, 2/3)"),
  c('%d of a float truncates', "return string.format('%d|%d|%i|%5d|%-5d|%05d|%+d', 3.7, -3.7, 2^40, 42, 42, -42, 5)"),
  c('%x %u %o of out-of-range numbers', "return {string.format('%x', 2^63), string.format('%x', 2^64), string.format('%u', -1), string.format('%x', 0/0), string.format('%d', 0/0), string.format('%o', -1e30), string.format('%x', -2^63), string.format('%d', 2^63), string.format('%X', 1e19)}"),
  c('integer flags', "return {string.format('%#x|%#X|%#o|%+d|% d|%.0d|%#.0o|%5.3d|%-5d|%05d|%+.3x', 255, 255, 8, 5, 5, 0, 0, 7, 3, -42, 10)}"),
  c('%c of 0 adds nothing', "return {string.format('%c', 0), string.format('%5c|', 0), string.format('%c%c', 72, 105)}"),
  c('%c out of int range', "return string.format('%c', 2^31 + 65)"),
  c('%s of numbers and NUL bytes', "return {string.format('%s %s', 1, 2.5), string.format('%s', 1e15), string.format('%s', 'a\\0b'), string.format('%5.2s|', 'abc'), string.format('%5s', 'a\\0b'), string.format('%.5s', 'ab\\0c')}"),
  c('%s of 100 bytes or more keeps NULs', "return #string.format('%s', string.rep('a', 100) .. '\\0b')"),
  c('%q is 5.1 quoting', "return {string.format('%q', 'a\\0b\\r\\n\"\\\\' .. string.char(1)), string.format('%q', 0.1), string.format('%q', 1e15)}"),
  c('%d and %x of numeric strings', "return {string.format('%d', '42'), string.format('%x', '0x10'), string.format('%5.1f', ' 2.25 ')}"),
  c('%G no longer fails', "return string.format('%G|%G|%G', 0.000012345, 123456789, 1)"),
  c('%a is not an option in 5.1', "return string.format('%a', 1)"),
  c('%s of a table', "return string.format('%5.1s', {})"),
  c('%d of a word', "return string.format('%d', 'x')"),
  c('%s of nil', "return string.format('%s', nil)"),
  c('a missing argument', "return string.format('%d')"),
  c('a % at the end', "return string.format('%', 1)"),
  c('a three-digit width', "return string.format('%123d', 1)"),
  c('six flags', "return string.format('%------d', 1)"),
  c('%z', "return string.format('%z', 1)"),
  c('a spec cut short', "return string.format('%10.3', 1)"),
  c('a number as the format', 'return string.format(5)'),
  // 5.1's library where it differs from 5.3.
  c('math.type and friends are gone, atan2 is there', 'return {math.type == nil, math.tointeger == nil, type(math.atan2), type(math.log10), type(math.pow), type(math.mod), type(math.frexp)}'),
  c('math.log takes one argument', 'return {tostring(math.log(8, 2)), tostring(math.log10(1000))}'),
  c('modulo is a - floor(a/b)*b', 'return {tostring(-7 % 3), tostring(7 % -3), tostring(5.5 % 2), tostring(5 % math.huge), tostring(-5 % math.huge), tostring(0.3 % 0.1), tostring(1e17 % 3), string.format("%.17g", 0.3 % 0.1)}'),
  c('math.fmod and math.mod are C fmod', 'return {tostring(math.fmod(-7, 3)), tostring(math.fmod(7, -3)), tostring(math.fmod(5.5, 2)), tostring(math.mod(7, 3))}'),
  c('math.floor and ceil keep -0', 'return {tostring(math.floor(3.5)), tostring(math.ceil(-0.5)), tostring(math.floor(-0.0)), tostring(math.floor(-3.5)), tostring(math.floor("2.5"))}'),
  c('math.modf keeps signs', 'return {tostring(select(2, math.modf(-3))), tostring(select(2, math.modf(3.5))), tostring(select(1, math.modf(-0.5))), tostring(select(2, math.modf(-1/0)))}'),
  c('math.frexp and ldexp', 'return {tostring(math.frexp(8)), tostring(select(2, math.frexp(8))), tostring(math.ldexp(0.5, 1024)), tostring(math.ldexp(1, -1075)), tostring(math.ldexp(3, 2.9)), tostring(math.frexp(-0.75)), tostring(select(2, math.frexp(5e-324))), tostring(math.ldexp(1, -1074)), tostring(math.ldexp(0.75, -1073))}'),
  c('math.max and min return numbers', "return {math.max(1, '5'), type(math.max(1, '5')), math.min('2', 3), tostring(math.min(-0, 0)), tostring(math.max(0, -0)), tostring(math.max(1, 0/0))}"),
  c('math.max of nothing', 'return math.max()'),
  c('math.deg divides, math.rad multiplies', 'return {string.format("%.17g", math.deg(1)), string.format("%.17g", math.rad(1)), tostring(math.deg(1)), tostring(math.rad(180))}'),
  c('math.random arguments are truncated', 'return {math.random(0.5 + 1) >= 1, pcall(math.random, 0)}'),
  c('string.rep has no separator and truncates', "return {string.rep('ab', 3, ','), string.rep('x', 2.7), string.rep('x', -1), string.rep('x', 0), string.rep('ab', 0/0)}"),
  c('integer arguments are truncated', "return {string.sub('hello', 2.5), string.sub('hello', 2.5, 4.9), string.byte('abc', 1.5), string.char(65.9, 66), select(2.5, 'a', 'b', 'c')}"),
  c('string.char out of range', 'return string.char(256)'),
  c('string.char of -1', 'return string.char(-1)'),
  c('string.find from past the end', "return {string.find('abc', '', 10), string.find('abc', '$', 10), string.match('abc', '()', 10)}"),
  c('string.find with a fractional start', "return {string.find('abc', 'b', 1.9)}"),
  c('gsub matches an empty string after a match', "return {string.gsub('hello world', '%w*', 'x')}"),
  c('gmatch matches an empty string after a match', "local t = {} for w in string.gmatch('abc de', '%a*') do t[#t+1] = w end return t"),
  c('%a in a replacement is an a', "return {string.gsub('abc', 'b', '%a'), string.gsub('abc', 'b', 'x%')}"),
  c('no %g class', "return {string.find('a b', '%g')}"),
  c('gsub with a fractional limit', "return {string.gsub('abc', '.', 'x', 1.9)}"),
  c('unpack truncates its bounds', 'return {unpack({1, 2, 3}, 1.5, 2.9)}'),
  c('unpack needs a table', "return unpack('abc')"),
  c('table.insert past the end', "local t = {1, 2, 3} table.insert(t, 10, 'x') return {#t, t[10]}"),
  c('table.insert at a fractional position', "local t = {1, 2, 3} table.insert(t, 1.5, 'x') return t"),
  c('table.remove of an empty table returns nothing', 'local t = {} return {select("#", table.remove(t))}'),
  c('table.remove past the end', 'local t = {1, 2, 3} return {table.remove(t, 5), #t}'),
  c('table.concat of numbers', "return {table.concat({1, 2.5, 1e15, 'x'}, ','), table.concat({1, 2, 3}, ',', 2.5, 3)}"),
  c('pairs and ipairs take tables', 'return {pcall(pairs), pcall(ipairs, "abc")}'),
  c('pairs visits the array part in order first', "local t = {1, 2, 3, x = 1, 4} local s = '' for k in pairs(t) do s = s .. tostring(k) .. ';' end return s"),
  c('pairs after filling backwards', "local t = {} for i = 5, 1, -1 do t[i] = i end local s = '' for k in pairs(t) do s = s .. k .. ';' end return s"),
  c('a new closure each time', 'local t = {} for i = 1, 2 do t[i] = function() end end return tostring(t[1] == t[2])'),
  c('float for loops', "local s = '' for i = 0.1, 0.35, 0.1 do s = s .. i .. ',' end for i = 1, 2, 0.5 do s = s .. i .. ';' end for i = '1', '2' do s = s .. i end return s"),
  c('the bit library', 'return {bit.tobit(2^32 + 5), bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(3, 5), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-16, 2), bit.tohex(255), bit.tohex(-1, -4), bit.bnot(0)}'),
  // 5.1 syntax.
  c('// is not an operator', 'return 7 // 2'),
  c('& is not an operator', 'return 1 & 2'),
  c('| in an assignment', 'local x = 1 | 2 return x'),
  c('unary ~ is not an operator', 'return ~1'),
  c('binary ~ is not an operator', 'return 1 ~ 2'),
  c('<< is not an operator', 'return 1 << 2'),
  c('labels do not exist', '::top:: return 1'),
  c('goto is a name', 'local goto = 5 return goto'),
  c('goto is not a statement', 'goto top'),
  c('5.3 string escapes are plain letters in 5.1', 'return "\\x41\\z  b\\u{48}\\q\\9\\65\\0651"'),
  c('a decimal escape above 255', 'return "\\300"'),
  c('no empty statements', '; return 1'),
  c('two semicolons', 'local t = {} ; ; return 1'),
  c('semicolons after statements', 'local a = 1; local b = 2; return a + b;'),
  c('break must be last in its block', 'while true do break; local x = 1 end return 1'),
  c('break outside a loop', 'if true then break end'),
  c('an expression is not a statement', 'local x = 1 x'),
  c('a call is not assignable', 'f() = 1'),
  c('a token after return', 'return 1 2'),
  c('an unclosed parenthesis', 'return (1'),
  c('a control character', 'return \u0001'),
  c('type errors name the variable as 5.1 does', 'local a return a.x'),
  c('a field of a field', 'local t = {} return t.x.y'),
  c('calling a string', "return ('x')()"),
];

// ---------------------------------------------------------------------------------------------
// Generated scripts

/** Digits, bounded. */
const digits = (min: number, max: number, chars = '0123456789'): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((d) => d.join(''));

const HEX = '0123456789abcdefABCDEF';

/** A decimal numeral as a lexer might see it, sometimes malformed. */
const decimalText: fc.Arbitrary<string> = fc
  .tuple(
    digits(0, 20),
    fc.option(digits(0, 20), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(0, 4)), { nil: undefined }),
  )
  .map(([int, frac, exp]) => `${int}${frac === undefined ? '' : '.' + frac}${exp === undefined ? '' : exp.join('')}`)
  .filter((s) => s.length > 0);

/** A hex numeral, with or without fraction and binary exponent (5.1 reads some of them). */
const hexText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('0x', '0X'),
    digits(0, 18, HEX),
    fc.option(digits(0, 6, HEX), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('p', 'P'), fc.constantFrom('', '+', '-'), digits(0, 4)), { nil: undefined }),
  )
  .map(([prefix, int, frac, exp]) => `${prefix}${int}${frac === undefined ? '' : '.' + frac}${exp === undefined ? '' : exp.join('')}`);

/** Words strtod knows (and some it does not). */
const wordText = fc.constantFrom('inf', 'INF', 'Inf', 'infinity', 'Infinity', 'infinit', 'nan', 'NaN', 'nan()', 'nan(0x1)', 'nan(', 'in', 'na', 'x', '');

/** Interesting doubles, as %.17g text. */
const specialNumbers = fc.constantFrom(
  '0', '-0', '1', '-1', '0.5', '2.5', '3.5', '-2.5', '0.125', '0.1', '1e15', '1e16', '1e17', '1e21', '1e22',
  '9007199254740992', '9007199254740993', '9223372036854775807', '9223372036854775808', '-9223372036854775808',
  '18446744073709551615', '18446744073709551616', '1e308', '1.7976931348623157e308', '2.2250738585072014e-308',
  '4.9406564584124654e-324', '1e-320', '123456789012345678', '0.30000000000000004', '99999999999999.99',
  '999999.5', '0.000099999', '0.00001', '1e300', '-1e-300', '1e400', '-1e400',
);

/** A double from any part of the range, as %.17g text (exact in both directions). */
const anyDouble: fc.Arbitrary<string> = fc.oneof(
  specialNumbers,
  fc.double({ noNaN: true }).map((x) => (Object.is(x, -0) ? '-0' : Number.isFinite(x) ? x.toPrecision(17) : x > 0 ? 'inf' : '-inf')),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.tuple(fc.integer({ min: -99999, max: 99999 }), fc.integer({ min: 0, max: 6 })).map(([n, d]) => String(n / 10 ** d)),
);

/** A string `tonumber` and arithmetic may be given: numbers with spaces, signs, junk. */
export const numericString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', '', '', ' ', '  ', '\t', '\n '),
    fc.constantFrom('', '', '', '-', '+', '--', '+-'),
    fc.oneof({ weight: 4, arbitrary: decimalText }, { weight: 2, arbitrary: hexText }, { weight: 2, arbitrary: wordText }, { weight: 2, arbitrary: anyDouble }),
    fc.constantFrom('', '', '', '', ' ', '  ', 'x', 'e', '.', '\u0000', '\u00001', ' 1', '\v'),
  )
  .map(([lead, sign, body, trail]) => lead + sign + body + trail);

/** A spec for string.format: flags, width, precision, conversion (sometimes invalid). */
export const formatSpec: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.constantFrom('-', '+', ' ', '#', '0'), { maxLength: 6 }),
    fc.option(digits(1, 3), { nil: undefined }),
    fc.option(digits(0, 3), { nil: undefined }),
    fc.constantFrom('d', 'i', 'o', 'u', 'x', 'X', 'c', 'e', 'E', 'f', 'g', 'G', 'e', 'f', 'g', 'G', 's', 'q', 'a', 'z', '%'),
  )
  .map(([flags, width, precision, conv]) => `%${flags.join('')}${width ?? ''}${precision === undefined ? '' : '.' + precision}${conv}`);

/** Shows a number so that every bit counts, NaN apart (its sign is not simulated). */
const SHOW = "local function show(x) if type(x) ~= 'number' then return type(x) .. ':' .. tostring(x) end if x ~= x then return 'NaN' end return string.format('%.17g', x) .. '|' .. tostring(x) end";

/** Scripts (with ARGV) over generated numbers, strings and formats. */
export const luaNumericScript: fc.Arbitrary<LuaCase> = fc.oneof(
  // Strings to numbers: tonumber, coercion in arithmetic, tonumber with a base.
  fc.tuple(numericString, fc.integer({ min: 2, max: 36 })).map(([s, base]) =>
    c(
      'a string to a number',
      `${SHOW} local ok, sum = pcall(function() return ARGV[1] + 0 end) return {show(tonumber(ARGV[1])), tostring(ok), ok and show(sum) or sum, show(tonumber(ARGV[1], tonumber(ARGV[2])))}`,
      [s, String(base)],
    ),
  ),
  // Numerals in the source (5.1's lexer), malformed ones included.
  fc.tuple(fc.constantFrom('', '-'), fc.oneof(decimalText, hexText, anyDouble)).map(([sign, numeral]) => {
    const literal = /^[-+]/.test(numeral) ? `(${numeral})` : numeral;
    return c('a numeral', `${SHOW} return {show(${sign}${literal}), ${sign}${literal}}`);
  }),
  // string.format of one argument, the number given as text and converted in the script.
  fc.tuple(formatSpec, fc.oneof(anyDouble, fc.constant('nan-free'))).map(([spec, value]) =>
    value === 'nan-free'
      ? c('string.format of a string', 'return string.format(ARGV[1], ARGV[2])', [`[${spec}]`, 'a string\u0000with NUL'])
      : c('string.format of a number', 'return string.format(ARGV[1], tonumber(ARGV[2]))', [`[${spec}]`, value]),
  ),
  // Constants 0 and -0 in one chunk, folded expressions among them.
  fc.array(fc.constantFrom('0', '-0', '0.0', '-0.0', '- 0', '0e5', '-0x0', '1-1', '0*-1', '-(0)', '0/-1', '2^-2000', '-2^-2000'), { minLength: 1, maxLength: 4 }).map((exprs) =>
    c('zeros in one chunk', `return {${exprs.map((e) => `tostring(${e})`).join(', ')}}`),
  ),
  // Arithmetic with exact results (no libm): + - * / %, floor, ceil, fmod, modf, frexp, ldexp,
  // sqrt, conversions to replies and to command arguments. (Not ^: glibc's pow is not correctly
  // rounded, and the simulation's is; they differ in the last bit for about 1 in 500 arguments.)
  fc.tuple(anyDouble, anyDouble, fc.constantFrom('+', '-', '*', '/', '%')).map(([a, b, op]) =>
    c(
      'arithmetic',
      `${SHOW} local a, b = tonumber(ARGV[1]), tonumber(ARGV[2]) local r = a ${op} b ` +
        "return {show(r), r, show(math.floor(a)), show(math.ceil(a)), show(math.fmod(a, b)), show((math.modf(a))), show(select(2, math.modf(a))), show(math.frexp(a)), show(select(2, math.frexp(a))), show(math.ldexp(a, 3)), show(math.sqrt(math.abs(a))), show(math.max(a, b)), show(math.min(a, b)), redis.call('echo', r == r and r or 0)}",
      [a, b],
    ),
  ),
);
