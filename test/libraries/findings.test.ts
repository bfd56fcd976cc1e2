/**
 * What exploring the published libraries found (docs/libraries.md), pinned: each schedule is the
 * shrunk one `scenarios/libraries/explore.ts` printed (or a hand-made one of the same kind),
 * with the seed it ran with. If a library upgrade or a locksim change alters one of these
 * verdicts, this test says which.
 */
import { describe, expect, it } from 'vitest';
import { libraryScenarios } from '../../scenarios/libraries/index.ts';
import { COMMAND_TIMEOUT_MS, fixedDelayWorld, longWork, nodes } from '../../scenarios/libraries/common.ts';
import type { Fault } from '../../src/faults/fault.ts';
import { redisSemaphore } from '../../src/libraries/index.ts';
import { runScenario, type RunResult } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { mechanismsOf } from '../../src/check/mechanism.ts';

const scenario = (name: string): Scenario => libraryScenarios.find((s) => s.name === `library-${name}`)!;
/**
 * The redlock pages replay their pause with ioredis's default (no command timeout) on 15 ms
 * links; the findings below were made as the other pages run: 5 ms links and the 1 s command
 * timeout production configurations set.
 */
const asFound = (s: Scenario): Scenario =>
  s.name === 'library-redlock4' || s.name === 'library-redlock5'
    ? { ...s, world: fixedDelayWorld, variants: s.variants.map((v) => ({ ...v, commandTimeoutMs: COMMAND_TIMEOUT_MS })) }
    : s;
const run = (name: string, variant: string, seed: number, faults: Fault[]): Promise<RunResult> => runScenario(asFound(scenario(name)), { seed, variant, faults });
const errors = (r: RunResult): string[] => r.processErrors.map((e) => `${e.process}: ${e.message}`);
const fromClient1 = (at: number, durationMs: number, ms: number): Fault => ({
  kind: 'delay',
  at,
  durationMs,
  from: ['client-1'],
  to: ['client-2', 'redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5'],
  delay: { kind: 'fixed', ms },
});

describe('redlock 5.0.0-beta.2', () => {
  it('with 2 nodes, a 2.5 s partition of one node leaves both clients waiting forever (a 1-1 vote never reaches quorum 2)', async () => {
    const faults: Fault[] = [{ kind: 'partition', at: 0, durationMs: 2_500, groups: [['redis-2'], ['client-1', 'client-2', 'redis-1', 'redis-3', 'redis-4', 'redis-5']] }];
    const r = await run('redlock5', 'acquire-2-nodes', 1, faults);
    expect(r.verdict).toBe('stuck');
    expect(r.stats.acquired).toBe(0);
    // redlock 4 waits for every reply and counts: the same fault costs it nothing.
    expect((await run('redlock4', '2-nodes', 1, faults)).verdict).toBe('safe');
  });

  it('acquire returns a lock that expired while its replies were in flight (redlock 4 checks, redlock 5 does not)', async () => {
    // The scenarios' own schedule: client-1 paused at 310 ms for 8 s with every "yes" in flight.
    expect((await runScenario(scenario('redlock5'), { seed: 1, variant: 'acquire-3-nodes' })).verdict).toBe('unsafe');
    expect((await runScenario(scenario('redlock4'), { seed: 1, variant: '3-nodes' })).verdict).toBe('safe');
  });

  it('using: a 560 ms delay on the holder\'s links makes the extension (sent 500 ms before expiry) arrive too late; the signal fires only after the retries', async () => {
    const r = await run('redlock5', 'using-3-nodes', 3, [fromClient1(18_180, 4_450, 560)]);
    expect(r.verdict).toBe('unsafe');
  });

  it('using: a partition that leaves the holder one node of three does not abort its signal before another client holds the lock', async () => {
    // By construction: client-1 takes the lock at ~20 ms for a 7 s job; at 4 s it is cut off with
    // redis-1 alone, so its extension (due 500 ms before the 5 s expiry) cannot reach a quorum;
    // the keys expire on redis-2 and redis-3 and client-2 takes them. redlock 5 retries the
    // extension and never aborts the routine's signal in time.
    const base = asFound(scenario('redlock5'));
    const sevenSecondJobs: Scenario = { ...base, variants: base.variants.map((v) => ({ ...v, workload: { ...v.workload, workMs: { min: 7_000, max: 7_000 } } })) };
    const partition: Fault = { kind: 'partition', at: 4_000, durationMs: 5_000, groups: [['client-1', 'redis-1'], ['client-2', 'redis-2', 'redis-3', 'redis-4', 'redis-5']] };
    for (const seed of [1, 2, 3]) {
      const r = await runScenario(sevenSecondJobs, { seed, variant: 'using-3-nodes', faults: [partition] });
      expect(mechanismsOf(r.violations)).toContain('mutex');
      const taken = r.history.events.find((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok');
      const lost = r.history.events.find((e) => e.process === 'client-1' && e.kind === 'lost');
      expect(taken).toBeDefined();
      expect(lost === undefined || lost.at > (taken?.at ?? 0)).toBe(true);
    }
  });
});

describe('@sesamecare-oss/redlock 1.4.0', () => {
  it('using: cut off from 2 of 3 nodes, the holder runs its routine to the end; using() returns only after the extension\'s 11 attempts', async () => {
    for (const seed of [1, 2, 3]) {
      const r = await runScenario(scenario('sesamecare-redlock'), { seed, variant: 'using-cut-off' });
      expect(mechanismsOf(r.violations)).toEqual(expect.arrayContaining(['mutex', 'lost-update']));
      const events = r.history.events;
      const taken = events.find((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok');
      const write = events.find((e) => e.process === 'client-1' && e.kind === 'write' && e.phase === 'invoke');
      const released = events.find((e) => e.process === 'client-1' && e.kind === 'release' && e.phase === 'ok');
      // client-2 holds the lock soon after the keys expire (~5 s), long before client-1's write (8-9 s) …
      expect(taken!.at).toBeLessThan(6_000_000);
      expect(write!.at).toBeGreaterThan(8_000_000);
      // … whose signal was never aborted: no lost-lease notice before the write.
      expect(events.some((e) => e.process === 'client-1' && e.kind === 'lost' && e.at < write!.at)).toBe(false);
      // using() waits for the whole retry loop of the failed extension (from 4.45 s) before it returns.
      expect(released!.at).toBeGreaterThan(12_000_000);
    }
  });
});

describe('redis-semaphore 5.8.0', () => {
  it('Semaphore: a client clock 1 s behind (less than the TTL) breaks it; Mutex, which reads no client clock, survives', async () => {
    const faults: Fault[] = [{ kind: 'jump', at: 0, process: 'client-1', deltaMs: -1_000 }];
    expect((await run('redis-semaphore', 'Semaphore', 0, faults)).verdict).toBe('unsafe');
    expect((await run('redis-semaphore', 'RedlockSemaphore', 0, faults)).verdict).toBe('unsafe');
    expect((await run('redis-semaphore', 'Mutex', 0, faults)).verdict).toBe('safe');
  });

  it('RedlockMutex: one crashed node makes the acquire wait 1 s for its timeout; the refresh timer starts after that, so it comes after the keys expired', async () => {
    // By construction: redis-1 is down when client-1 acquires at 0 ms; the acquire returns with
    // a quorum of 2 only when redis-1's command times out (1 s); the refresh timer (0.8 x 5 s)
    // starts then, so the refresh comes at ~5 s, when the keys set at ~0 ms expire.
    for (const seed of [1, 2, 3]) {
      const r = await run('redis-semaphore', 'RedlockMutex', seed, [{ kind: 'crash', at: 0, process: 'redis-1', restartAfterMs: 10_000 }]);
      expect(mechanismsOf(r.violations)).toContain('mutex');
      const first = r.history.events.find((e) => e.process === 'client-1' && e.kind === 'acquire' && e.phase === 'ok');
      expect(first?.at).toBeGreaterThanOrEqual(1_000_000);
    }
  });

  it('RedlockSemaphore: a 500 ms delay during the first acquire (EVALSHA, NOSCRIPT, EVAL) has the same effect', async () => {
    expect((await run('redis-semaphore', 'RedlockSemaphore', 0, [fromClient1(0, 2_500, 500)])).verdict).toBe('unsafe');
  });

  it('Mutex: a node clock 1 s fast is enough (the refresh at 0.8 x TTL races the early expiry)', async () => {
    expect((await run('redis-semaphore', 'Mutex', 0, [{ kind: 'jump', at: 5_620, process: 'redis-1', deltaMs: 1_000 }])).verdict).toBe('unsafe');
  });

  it('Mutex: a refresh that times out rejects inside the refresh timer: an unhandled rejection kills the process', async () => {
    const r = await run('redis-semaphore', 'Mutex', 1, [{ kind: 'partition', at: 3_000, durationMs: 3_000, groups: [['client-1'], ['redis-1']] }]);
    expect(errors(r)).toEqual(['client-1: RealmCrash: unhandled rejection in redis-semaphore@5.8.0.Mutex: Error: Command timed out']);
    expect(r.verdict).toBe('safe');
  });

  it('with the default onLockLost (it throws), losing the lock kills the process', async () => {
    const s = scenario('redis-semaphore');
    const withDefault: Scenario = {
      ...s,
      variants: [{ name: 'Mutex(onLockLost=default)', lock: redisSemaphore({ kind: 'Mutex', onLockLost: 'default' }), nodes: nodes(1), workload: longWork, commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe' }],
    };
    const r = await runScenario(withDefault, { seed: 1 });
    expect(errors(r)).toEqual(['client-1: RealmCrash: unhandled rejection in redis-semaphore@5.8.0.Mutex(onLockLost=default): Error: Lost mutex for key mutex:lock:counter']);
    expect(r.verdict).toBe('unsafe');
  });
});
