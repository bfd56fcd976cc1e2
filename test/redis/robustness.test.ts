import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RedisEngine, supportedCommands } from '../../src/redis/engine/engine.ts';

const names = supportedCommands().map((n) => n.split('|')[0]);
const token = fc.oneof(
  fc.constantFrom(...names, 'load', 'exists', 'flush', 'k', 'f', 'm'),
  fc.constantFrom('NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'GET', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'LIMIT', 'WITHSCORES', 'REV', 'BYSCORE', 'BYLEX'),
  fc.constantFrom('0', '1', '-1', '100', '1.5', '(1', '[a', '-', '+', '-inf', '+inf', 'nan', '', ' ', '9223372036854775807', '-9223372036854775808', '99999999999999999999'),
  fc.constantFrom('return 1', "return redis.call('get', KEYS[1])", "return {err='x'}", 'error()', 'return', 'x ='),
  fc.string({ maxLength: 6 }),
);

describe('robustness', () => {
  it('never throws and never hits an internal error, whatever the arguments', () => {
    const engine = new RedisEngine({ onPropagate: () => {} });
    const sessions = [engine.newSession(), engine.newSession()];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1), fc.constantFrom(...names), fc.array(token, { maxLength: 7 }), fc.nat(300)), { maxLength: 40 }), (steps) => {
        let now = 1_000_000;
        for (const [s, name, args, dt] of steps) {
          now += dt;
          const reply = engine.execute(sessions[s], [name, ...args], now);
          expect(reply.kind).toBeDefined();
        }
        expect(engine.stats.internalErrors).toBe(0);
      }),
      { numRuns: 400, seed: 20261201 },
    );
  });

  it('answers an internal error reply (not an exception) for non-string arguments', () => {
    const engine = new RedisEngine();
    const reply = engine.execute(engine.newSession(), [42 as unknown as string, 'x'], 0);
    expect(reply.kind).toBe('error');
  });
});
