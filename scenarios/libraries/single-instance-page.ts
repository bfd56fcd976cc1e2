import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { LockFactory } from '../../src/locks/interface.ts';
import type { Scenario, Variant } from '../../src/scenario/types.ts';
import { COMMAND_TIMEOUT_MS, LIVENESS_BOUND_MS, nodes, shortWork, world } from './common.ts';

/** What both libraries do beyond acquiring, and what the page's shared schedule shows of them. */
const SHARED_EXPLANATION =
  '`extend` and `release` run compare-and-PEXPIRE and compare-and-DEL scripts (`pexpireifequal`, ' +
    '`delifequal`) and report a lost key as LockExtendError / LockReleaseError. It computes no validity and never ' +
    'renews by itself. gc-pause: client-1, holding the lock for a 1-2.5 s section, is paused at 0.5 s for 6 s, longer ' +
    'than the 5 s TTL; the key expires, client-2 takes it, and client-1 resumes inside its section and writes: two ' +
    'holders and a lost update, as with any TTL lock without fencing (nothing the holder could check would have ' +
    'stopped a write it was already making). in-model: redis-1 paused for 2 s (commands wait; a SET that timed out ' +
    'on the client is applied later and only delays the next holder), client-1 cut off from redis-1 for 3 s (its ' +
    'release is lost: the key lives out its TTL), client-1 crashed and restarted, and redis-1\'s clock running 0.8 % ' +
    'fast: safe. The 1 s command timeout keeps every granted SET younger than 1 s when its reply arrives, so a 2.5 s ' +
    'section fits in the 5 s TTL; a caller with no command timeout, or sections close to the TTL, would need to ' +
    'check the elapsed time itself, which the library does not do.';

/**
 * A TTL lock library's two standard variants on `lockNodes`: `gc-pause` (the holder paused at
 * 0.5 s for 6 s, past its 5 s keys: unsafe without fencing) and `in-model` (a node pause, a cut,
 * a client crash and node drift within the allowance: safe), with the 1 s command timeout.
 */
export function pauseAndInModelVariants(lock: LockFactory, lockNodes: string[]): Variant[] {
  return [
    { name: 'gc-pause', breaks: ['mutex', 'lost-update'], lock, nodes: lockNodes, commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'a 6 s pause of the holder outlives the 5 s key' },
    {
      name: 'in-model',
      lock,
      nodes: lockNodes,
      faults: [
        { kind: 'drift', at: 0, process: 'redis-1', ppm: 8_000 },
        { kind: 'pause', at: 1_200, process: 'redis-1', durationMs: 2_000 },
        { kind: 'cut', at: 8_000, from: ['client-1'], to: ['redis-1'], mode: 'drop', durationMs: 3_000 },
        { kind: 'crash', at: 15_000, process: 'client-1', restartAfterMs: 1_000 },
      ],
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      expected: 'safe',
      note: 'a node pause, a partition, a client crash and node drift within the allowance',
    },
  ];
}

/**
 * The catalog page of a single-instance ioredis lock library (ioredis-lock 4 and its ES-module
 * successor @microfleet/ioredis-lock 6): what any TTL lock has under a pause, and nothing more.
 * The same world, pause and in-model schedule for both, so their verdicts compare directly.
 */
export function singleInstanceLibraryScenario(page: {
  name: string;
  title: string;
  /** How the library acquires (the rest of the page's explanation is shared). */
  explanation: string;
  lock: LockFactory;
}): Scenario {
  const { lock } = page;
  return {
    name: page.name,
    title: page.title,
    explanation: `${page.explanation} ${SHARED_EXPLANATION}`,
    tags: ['library', 'pause'],
    world,
    workload: shortWork,
    livenessBoundMs: LIVENESS_BOUND_MS,
    // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
    explore: ALL_FAULTS,
    faults: [{ kind: 'pause', at: 500, process: 'client-1', durationMs: 6_000 }],
    variants: pauseAndInModelVariants(lock, nodes(1)),
  };
}
