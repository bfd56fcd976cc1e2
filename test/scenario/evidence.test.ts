/**
 * No verdict without evidence (issue #22): a run whose clients died of errors, or in which no
 * client ever acquired, is `invalid`, never `safe`, in runScenario and in checkLock; a correct
 * lock stays `safe` and every result says what it was judged on.
 */
import { describe, expect, it } from 'vitest';
import { redlock5 } from '../../src/libraries/redlock5.ts';
import { redlockConstructor } from '../../src/libraries/redlock5.ts';
import { libraryLock } from '../../src/libraries/common.ts';
import { redlock, singleInstance, type LockFactory } from '../../src/locks/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario, Variant } from '../../src/scenario/types.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { checkLock, LockCheckError } from '../../src/testing.ts';

/** A lock whose factory throws, as a library that fails to load does. */
export const throwingLock: LockFactory = () => {
  throw new TypeError('Redlock is not a constructor');
};

/** A lock whose acquire always rejects with an error (it talks to Redis first). */
const rejectingLock: LockFactory = ({ nodes }) => ({
  name: 'rejecting',
  async acquire(resource) {
    await nodes[0]!.call('GET', resource);
    throw new Error('ERR unknown command (script missing)');
  },
  async release() {},
});

/** A lock that never acquires: every attempt returns no lease. */
const neverLock: LockFactory = ({ nodes, clock }) => ({
  name: 'never',
  async acquire(resource) {
    await nodes[0]!.call('GET', resource);
    await clock.sleep(10);
    return null;
  },
  async release() {},
});

function scenario(variants: Variant[]): Scenario {
  return {
    name: 'evidence',
    title: 'a verdict needs evidence',
    explanation: 'Locks that never run must not be judged safe.',
    world: { nodes: 1, clients: 2, durationMs: 3_000 },
    workload: { resource: 'lock:e', ttlMs: 1_000, workMs: { min: 50, max: 100 }, thinkMs: { min: 10, max: 20 } },
    faults: [],
    variants,
  };
}

const world = scenario([
  { name: 'throws', lock: throwingLock, expected: 'safe' },
  { name: 'rejects', lock: rejectingLock, expected: 'safe' },
  { name: 'never', lock: neverLock, expected: 'safe' },
  { name: 'correct', lock: singleInstance(), expected: 'safe' },
]);

describe('a run without evidence is invalid, never safe', () => {
  it('a lock whose factory throws: invalid, naming the error', async () => {
    const r = await runScenario(world, { seed: 1, variant: 'throws' });
    expect(r.verdict).toBe('invalid');
    expect(r.invalid?.kind).toBe('error');
    expect(r.invalid?.reason).toContain('client-1 died of an uncaught error');
    expect(r.invalid?.reason).toContain('Redlock is not a constructor');
    expect(r.invalid?.firstError).toBe('TypeError: Redlock is not a constructor');
    expect(r.evidence.acquisitions).toBe(0);
  });

  it('a lock whose acquire always rejects: invalid, no client ever acquired, with the first error', async () => {
    const r = await runScenario(world, { seed: 1, variant: 'rejects' });
    expect(r.processErrors).toEqual([]);
    expect(r.verdict).toBe('invalid');
    expect(r.invalid?.reason).toMatch(/^no client ever acquired: \d+ attempts failed; the first with client-\d: ERR unknown command/);
    expect(r.invalid?.firstError).toBe('ERR unknown command (script missing)');
    const attempts = Object.values(r.evidence.perClient).map((c) => [c.acquireFailures, c.acquireErrors]);
    for (const [failures, errors] of attempts) expect(failures).toBe(errors);
  });

  it('a lock that never acquires: invalid, no client ever acquired', async () => {
    const r = await runScenario(world, { seed: 1, variant: 'never' });
    expect(r.verdict).toBe('invalid');
    expect(r.invalid?.reason).toMatch(/^no client ever acquired: \d+ attempts returned no lease$/);
    expect(r.invalid?.firstError).toBeNull();
  });

  it('a correct lock stays safe, and its result says what it was judged on, per client', async () => {
    const r = await runScenario(world, { seed: 1, variant: 'correct' });
    expect(r.verdict).toBe('safe');
    expect(r.invalid).toBeNull();
    expect(r.evidence.acquisitions).toBe(r.stats.acquired);
    expect(r.evidence.acquisitions).toBeGreaterThan(0);
    expect(r.evidence.redisCommands).toBe(r.stats.redisCommands);
    expect(Object.keys(r.evidence.perClient)).toEqual(['client-1', 'client-2']);
    const sum = (k: 'acquisitions' | 'sections' | 'writesAccepted') => Object.values(r.evidence.perClient).reduce((s, c) => s + c[k], 0);
    expect(sum('acquisitions')).toBe(r.evidence.acquisitions);
    expect(sum('sections')).toBe(r.evidence.sections);
    expect(sum('writesAccepted')).toBe(r.evidence.writes.accepted);
    expect(r.evidence.writes.accepted).toBe(r.stats.writesAccepted);
  });

  it('a safety violation found is evidence: an unsafe run stays unsafe even if a client then errors', async () => {
    // Two clients, each acquiring without asking anyone (a broken lock), one throwing later from a timer.
    const broken: LockFactory = ({ nodes, clock }) => ({
      name: 'broken',
      async acquire(resource, ttlMs) {
        await nodes[0]!.call('GET', resource);
        clock.setTimer(2_000, () => {
          throw new Error('late failure');
        });
        return { resource, value: 'v', validUntil: clock.monotonic() + ttlMs, timeSource: 'monotonic' };
      },
      async release() {},
    });
    const r = await runScenario(scenario([{ name: 'broken', lock: broken, expected: 'unsafe' }]), { seed: 1 });
    expect(r.processErrors.length).toBeGreaterThan(0);
    expect(r.verdict).toBe('unsafe');
  });

  it('a scenario cannot expect invalid', () => {
    expect(() => validateScenario(scenario([{ name: 'x', lock: singleInstance(), expected: 'invalid' }]), 'x.ts')).toThrow(/'invalid' is not a verdict to expect/);
  });
});

describe('checkLock throws on a run without evidence, whatever failOn says', () => {
  for (const [name, lock, message] of [
    ['a throwing factory', throwingLock, /has no verdict \(invalid\).*Redlock is not a constructor/],
    ['an acquire that always rejects', rejectingLock, /has no verdict \(invalid\).*no client ever acquired: .*ERR unknown command/],
    ['a lock that never acquires', neverLock, /has no verdict \(invalid\).*no client ever acquired/],
  ] as const) {
    it(name, async () => {
      const error = await checkLock({ lock, nodes: 1, runs: 3, durationMs: 3_000, failOn: ['stuck'] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockCheckError);
      expect((error as LockCheckError).message).toMatch(message);
      expect((error as LockCheckError).result.verdict).toBe('invalid');
      // Its replay token reproduces it.
      const again = await checkLock({ lock, nodes: 1, durationMs: 3_000, replay: (error as LockCheckError).token }).catch((e: unknown) => e);
      expect((again as LockCheckError).result.verdict).toBe('invalid');
    });
  }

  it('a correct lock passes', async () => {
    await expect(checkLock({ lock: redlock({ retryCount: 100, retryDelayMs: 20, retryJitterMs: 20 }), runs: 3 })).resolves.toBeUndefined();
  });
});

describe('library adapters: no silent false verdicts', () => {
  it("an unknown mode is an error naming the valid ones", () => {
    expect(() => redlock5({ mode: 'bogus' as never })).toThrow(/unknown mode "bogus": the valid modes are 'auto', 'realm', 'host'/);
  });

  it("mode 'host' against simulated nodes is refused: the run is invalid with the reason", async () => {
    const hostLock = libraryLock('probe', () => singleInstance()({} as never), { mode: 'host' });
    const r = await runScenario(scenario([{ name: 'host', lock: hostLock, expected: 'safe' }]), { seed: 1 });
    expect(r.verdict).toBe('invalid');
    expect(r.invalid?.reason).toContain("mode 'host' runs the library on the host's real clock");
  });

  it('redlock 5 forks: the default export or the named export Redlock, else an error naming the package and its exports', () => {
    class Redlock {}
    expect(redlockConstructor({ default: Redlock }, 'redlock5')).toBe(Redlock);
    expect(redlockConstructor({ Redlock, ResourceLockedError: class {} }, '@sesamecare-oss/redlock')).toBe(Redlock);
    expect(() => redlockConstructor({ ExecutionError: class {}, version: '1' }, 'some-fork')).toThrow("some-fork: no Redlock constructor: neither its default export nor a named export 'Redlock' is a class (it exports 'ExecutionError', 'version')");
  });
});
