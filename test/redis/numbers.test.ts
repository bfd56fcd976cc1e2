import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/redis/engine/glob.ts';
import { doubleToInt64, formatG, formatScore, parseInt64, parseRangeBound, parseScore, strtod } from '../../src/redis/engine/numbers.ts';
import { Rand48 } from '../../src/redis/engine/rand48.ts';

describe('numbers', () => {
  it('formatG matches glibc printf %.Ng, ties to even included', () => {
    const cases: Array<[number, number, string]> = [
      [123456789012345, 14, '1.2345678901234e+14'],
      [0.1, 17, '0.10000000000000001'],
      [1e-5, 17, '1.0000000000000001e-05'],
      [1 / 3, 14, '0.33333333333333'],
      [1e15, 14, '1e+15'],
      [2 ** 53, 14, '9.007199254741e+15'],
      [1e20, 17, '1e+20'],
      [5e-324, 17, '4.9406564584124654e-324'],
      [1e16, 17, '10000000000000000'],
      [1e17, 17, '1e+17'],
      [0.125, 2, '0.12'],
      [0.375, 2, '0.38'],
      [2.5, 1, '2'],
      [3.5, 1, '4'],
      [9.9999999999999995, 14, '10'],
      [-0.0001, 14, '-0.0001'],
      [0.00001, 14, '1e-05'],
      [-0, 14, '-0'],
      [Infinity, 14, 'inf'],
      [-Infinity, 17, '-inf'],
    ];
    for (const [x, p, text] of cases) expect(formatG(x, p), `${x} %.${p}g`).toBe(text);
    expect(formatScore(Infinity)).toBe('inf');
    expect(formatScore(1.5)).toBe('1.5');
  });

  it('parseInt64 is string2ll', () => {
    expect(parseInt64('0')).toBe(0);
    expect(parseInt64('-12')).toBe(-12);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807);
    for (const bad of ['', '-0', '01', '+1', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', 'x']) {
      expect(parseInt64(bad), bad).toBeNull();
    }
  });

  it('strtod and the two score parsers', () => {
    expect(strtod('  1.5xyz')).toEqual({ value: 1.5, end: 5, range: false });
    expect(strtod('0x1p4').value).toBe(16);
    expect(strtod('-Infinity').value).toBe(-Infinity);
    expect(strtod('1e400')).toEqual({ value: Infinity, end: 5, range: true });
    expect(parseScore('1e400')).toBeNull();
    expect(parseScore('1e-400')).toBeNull();
    expect(parseScore('5e-324')).toBe(5e-324);
    expect(parseScore(' 1')).toBeNull();
    expect(parseScore('inf')).toBe(Infinity);
    expect(parseRangeBound(' 1')).toEqual({ value: 1, exclusive: false });
    expect(parseRangeBound('(')).toEqual({ value: 0, exclusive: true });
    expect(parseRangeBound('1e400')).toEqual({ value: Infinity, exclusive: false });
    expect(parseRangeBound('nan')).toBeNull();
    expect(parseRangeBound('((1')).toBeNull();
  });

  it('doubleToInt64 truncates like a C cast on x86-64', () => {
    expect(doubleToInt64(3.99)).toBe(3);
    expect(doubleToInt64(-3.99)).toBe(-3);
    expect(Object.is(doubleToInt64(-0.5), 0)).toBe(true);
    expect(doubleToInt64(NaN)).toBe(-9223372036854775808);
    expect(doubleToInt64(2 ** 63)).toBe(-9223372036854775808);
  });
});

describe('glob', () => {
  it('matches like stringmatchlen', () => {
    expect(globMatch('*', '')).toBe(false); // as in Redis (KEYS * short-circuits before matching)
    expect(globMatch('a*b?c', 'axxbyc')).toBe(true);
    expect(globMatch('[a-c]x', 'bx')).toBe(true);
    expect(globMatch('[c-a]x', 'bx')).toBe(true);
    expect(globMatch('[^a]x', 'ax')).toBe(false);
    expect(globMatch('a\\*', 'a*')).toBe(true);
    expect(globMatch('a\\*', 'ab')).toBe(false);
    expect(globMatch('[abc', 'a')).toBe(true);
    expect(globMatch('**a', 'bba')).toBe(true);
  });
});

describe('rand48', () => {
  it('reproduces Redis math.random from a fresh process and after randomseed(0)', () => {
    const r = new Rand48();
    expect(r.nextUnit().toPrecision(14)).toBe('0.39646477363839');
    r.seed(0);
    expect(r.nextUnit().toPrecision(14)).toBe('0.17082803611217');
  });
});
