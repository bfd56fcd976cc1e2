/**
 * The playground's lessons: the catalog's pitfalls in an order that tells the story of the 2016
 * Redlock debate (Martin Kleppmann's "How to do distributed locking" and Salvatore Sanfilippo's
 * "Is Redlock safe?"), then the pitfalls of implementations. Each lesson is a catalog scenario,
 * unchanged, with what the page adds to it:
 *
 * - the lock of each of its variants as data ({@link LockSpec}), so that the page can change it
 *   (test/play/lessons.test.ts runs each variant with the catalog's factory and with the one
 *   built from the spec, and requires the same trace hash);
 * - the state the lesson opens in (a variant, and fault values that leave something to discover);
 * - the sliders of its fault schedule and the switches of its workload.
 *
 * Only scenarios whose locks are locksim's own algorithms are lessons: the published-library
 * scenarios (library-*) load each library into a node:vm realm per simulated client, which a
 * browser does not have.
 */
import clientClockStep from '../../scenarios/client-clock-step.ts';
import clockDrift from '../../scenarios/clock-drift.ts';
import clockJumpPartition from '../../scenarios/clock-jump-partition.ts';
import control from '../../scenarios/control.ts';
import delayedWrite from '../../scenarios/delayed-write.ts';
import failover from '../../scenarios/failover.ts';
import fencingRegression from '../../scenarios/fencing-regression.ts';
import gcPause from '../../scenarios/gc-pause.ts';
import nodeRestart from '../../scenarios/node-restart.ts';
import pauseInFlight from '../../scenarios/pause-in-flight.ts';
import plainDelRelease from '../../scenarios/plain-del-release.ts';
import renewalTooLate from '../../scenarios/renewal-too-late.ts';
import type { FaultKind } from '../faults/fault.ts';
import type { Scenario } from '../scenario/types.ts';
import type { WorkloadOptions } from '../workload/client.ts';
import type { LockSpec } from './lock-spec.ts';

/** Which side of the debate a lesson shows. */
export type Side = 'basics' | 'kleppmann' | 'antirez' | 'pitfall';

export const SIDE_TITLES: Readonly<Record<Side, string>> = {
  basics: 'the baseline',
  kleppmann: 'Kleppmann: timing breaks leases',
  antirez: 'antirez: what Redlock does about it',
  pitfall: 'a pitfall of implementations',
};

/** The field of a fault a slider moves. `delayMs` is a `delay` fault's fixed delay. */
export type FaultField = 'at' | 'durationMs' | 'deltaMs' | 'delayMs' | 'restartAfterMs';

/** A slider over one field of one fault of the schedule (the first of that kind and process). */
export interface FaultKnob {
  readonly id: string;
  readonly label: string;
  readonly kind: FaultKind;
  readonly process?: string;
  readonly field: FaultField;
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/** A switch of the workload: the value of `field` when on and when off (undefined: the default). */
export interface WorkloadSwitch {
  readonly id: string;
  readonly label: string;
  readonly field: 'checkValidityBeforeWrite' | 'stopAtValidity' | 'watchLeaseSignal';
  readonly on: WorkloadOptions[WorkloadSwitch['field']];
  readonly off: WorkloadOptions[WorkloadSwitch['field']];
}

export interface Lesson {
  readonly scenario: Scenario;
  readonly side: Side;
  /** A short heading for the list. */
  readonly heading: string;
  /** What to try, in a sentence or two. */
  readonly tryThis: string;
  /** The lock of each of the scenario's variants, by variant name. */
  readonly locks: Readonly<Record<string, LockSpec>>;
  /** The state the lesson opens in: a variant, fault values by knob id, a run length. */
  readonly start: { readonly variant: string; readonly knobs?: Readonly<Record<string, number>>; readonly durationMs?: number };
  readonly faultKnobs: readonly FaultKnob[];
  readonly switches?: readonly WorkloadSwitch[];
  /** Node counts a slider may choose (only where the fault schedule names no node). */
  readonly nodeCounts?: readonly number[];
}

const REDLOCK: LockSpec = { algorithm: 'redlock', options: {} };
const SINGLE: LockSpec = { algorithm: 'single-instance', options: {} };
const fenced = (lock: LockSpec, fencing: LockSpec['fencing'] = {}): LockSpec => ({ ...lock, fencing });

const pauseKnobs = (maxAt: number, minAt = 0): FaultKnob[] => [
  { id: 'pause', label: 'pause of client-1 (ms)', kind: 'pause', process: 'client-1', field: 'durationMs', min: 0, max: 25_000, step: 250 },
  { id: 'pause-at', label: 'pause starts at (ms)', kind: 'pause', process: 'client-1', field: 'at', min: minAt, max: maxAt, step: 1 },
];

export const LESSONS: readonly Lesson[] = [
  {
    scenario: control,
    side: 'basics',
    heading: 'A lock that works',
    tryThis: 'Five clients contend for one lock with no faults: every lock is safe. Change the number of nodes or the TTL: it stays safe, because nothing here breaks the timing assumptions. Slow the network past Redlock\'s 50 ms wait for each node and nobody ever acquires: no verdict at all. The run is 10 s here (the catalog runs a minute).',
    locks: { redlock: REDLOCK, 'single-instance': SINGLE },
    start: { variant: 'redlock', durationMs: 10_000 },
    faultKnobs: [],
    nodeCounts: [1, 2, 3, 4, 5, 6, 7],
  },
  {
    scenario: gcPause,
    side: 'kleppmann',
    heading: 'A pause longer than the lease',
    tryThis: 'client-1 is paused for 5 s while it holds a 10 s lease: safe. Drag the pause past the lease: the key expires while client-1 is frozen, client-2 takes the lock, and client-1 resumes and writes inside client-2\'s critical section (UNSAFE). Then turn fencing on.',
    locks: { 'single-instance': SINGLE, redlock: REDLOCK, 'single-instance+fencing': fenced(SINGLE), 'redlock+fencing': fenced(REDLOCK) },
    start: { variant: 'redlock', knobs: { pause: 5_000 } },
    faultKnobs: pauseKnobs(5_000),
    nodeCounts: [1, 2, 3, 4, 5, 6, 7],
  },
  {
    scenario: delayedWrite,
    side: 'kleppmann',
    heading: 'A write delayed in the network',
    tryThis: 'client-1\'s write leaves within its lease but the network holds it. At 5 s it still lands safely; drag the delay past the lease and it overwrites client-2\'s update. Checking the lease before writing does not help (the write was valid when it left); fencing does.',
    locks: { redlock: REDLOCK, 'redlock+check': REDLOCK, 'redlock+fencing': fenced(REDLOCK) },
    start: { variant: 'redlock', knobs: { delay: 5_000 } },
    faultKnobs: [
      { id: 'delay', label: 'delay of client-1\'s write (ms)', kind: 'delay', process: 'client-1', field: 'delayMs', min: 0, max: 25_000, step: 250 },
      { id: 'delay-at', label: 'delay starts at (ms)', kind: 'delay', process: 'client-1', field: 'at', min: 0, max: 5_000, step: 10 },
    ],
    switches: [{ id: 'check-before-write', label: 'check the lease before writing', field: 'checkValidityBeforeWrite', on: true, off: undefined }],
    nodeCounts: [1, 2, 3, 4, 5, 6, 7],
  },
  {
    scenario: pauseInFlight,
    side: 'antirez',
    heading: 'antirez\'s answer: measure the time after the replies',
    tryThis: 'client-1 is paused while its SET NX replies are in flight. Redlock measures the elapsed time after the last reply, finds the validity negative and gives the lock up: safe. Pick the variant without that check (or a single instance) and the late "yes" is trusted: UNSAFE.',
    locks: {
      redlock: { algorithm: 'redlock', options: { timeoutMs: 20_000 } },
      'redlock(checkValidity=false)': { algorithm: 'redlock', options: { timeoutMs: 20_000, checkValidity: false } },
      'single-instance': { algorithm: 'single-instance', options: { timeoutMs: 20_000 } },
      'single-instance(timeoutMs=200)': { algorithm: 'single-instance', options: { timeoutMs: 200 } },
    },
    start: { variant: 'redlock' },
    faultKnobs: pauseKnobs(119, 1),
    switches: [{ id: 'stop-at-validity', label: 'clients stop their work at the validity they computed', field: 'stopAtValidity', on: { marginMs: 5 }, off: undefined }],
  },
  {
    scenario: clockJumpPartition,
    side: 'kleppmann',
    heading: 'A node\'s clock jumps',
    tryThis: 'The two clients see different majorities that share redis-3. Its wall clock jumps 20 s forward and the key expires there at once: client-2 gets its majority too. Make the jump smaller than the time left on the lease and the lock holds.',
    locks: { redlock: REDLOCK },
    start: { variant: 'redlock' },
    faultKnobs: [
      { id: 'jump', label: 'redis-3\'s wall clock jumps by (ms)', kind: 'jump', process: 'redis-3', field: 'deltaMs', min: -20_000, max: 30_000, step: 250 },
      { id: 'jump-at', label: 'the jump happens at (ms)', kind: 'jump', process: 'redis-3', field: 'at', min: 0, max: 11_000, step: 50 },
    ],
  },
  {
    scenario: clockDrift,
    side: 'antirez',
    heading: 'Clocks drift beyond the allowance',
    tryThis: 'Redlock subtracts 1 % of the TTL for clock drift. Two of the three nodes run 2 % fast (open "node clocks"): UNSAFE. Bring both under 1 % and it is safe again. A larger drift factor shortens the validity Redlock reports, but these clients work 9.85 s whatever it says: the overlap stays, now past the validity they computed.',
    locks: { 'drift-2%': { algorithm: 'redlock', options: { retryCount: 1_000, retryDelayMs: 20, retryJitterMs: 20 } }, 'drift-0.5%': { algorithm: 'redlock', options: { retryCount: 1_000, retryDelayMs: 20, retryJitterMs: 20 } } },
    start: { variant: 'drift-2%' },
    faultKnobs: [],
  },
  {
    scenario: nodeRestart,
    side: 'antirez',
    heading: 'A node restarts without the lock',
    tryThis: 'redis-3 crashes and comes back at once, empty: two majorities. Delay its restart past the TTL (antirez\'s "delayed restart"), or pick a variant with AOF always, and the lock holds.',
    locks: { 'persistence-none': REDLOCK, 'aof-everysec': REDLOCK, 'aof-everysec-process-crash': REDLOCK, 'aof-always': REDLOCK, 'delayed-restart': REDLOCK },
    start: { variant: 'persistence-none' },
    faultKnobs: [
      { id: 'restart-after', label: 'redis-3 restarts after (ms)', kind: 'crash', process: 'redis-3', field: 'restartAfterMs', min: 0, max: 15_000, step: 250 },
      { id: 'crash-at', label: 'redis-3 crashes at (ms)', kind: 'crash', process: 'redis-3', field: 'at', min: 0, max: 5_000, step: 50 },
    ],
  },
  {
    scenario: failover,
    side: 'pitfall',
    heading: 'Failover to an asynchronous replica',
    tryThis: 'The primary dies before replicating the lock; the promoted replica never saw it. Make replication fast enough and the replica has the key. Fencing does not help here: its counter failed over too.',
    locks: { 'single-instance': SINGLE, 'single-instance+fencing': fenced(SINGLE) },
    start: { variant: 'single-instance' },
    faultKnobs: [{ id: 'replication-delay', label: 'replication delay to the replica (ms)', kind: 'delay', process: 'redis-1', field: 'delayMs', min: 0, max: 3_000, step: 10 }],
  },
  {
    scenario: fencingRegression,
    side: 'pitfall',
    heading: 'Fencing\'s counter restarts from zero',
    tryThis: 'The fencing token counter lives on redis-2, which restarts empty: tokens are handed out again and the rightful holder\'s writes are refused. Pick AOF always for the counter\'s node.',
    locks: { 'persistence-none': fenced(SINGLE, { node: 1 }), 'aof-always': fenced(SINGLE, { node: 1 }) },
    start: { variant: 'persistence-none' },
    faultKnobs: [{ id: 'crash-at', label: 'redis-2 crashes at (ms)', kind: 'crash', process: 'redis-2', field: 'at', min: 0, max: 7_000, step: 50 }],
  },
  {
    scenario: clientClockStep,
    side: 'pitfall',
    heading: 'The holder\'s wall clock steps back',
    tryThis: 'NTP steps client-1\'s wall clock back by 10 s while it watches its lease on that clock: it works on after the key expired. Switch the lock\'s time source to the monotonic clock.',
    locks: {
      'wall-clock': { algorithm: 'single-instance', options: { timeSource: 'wall' }, lease: { maxRenewals: 0 } },
      monotonic: { algorithm: 'single-instance', options: {}, lease: { maxRenewals: 0 } },
    },
    start: { variant: 'wall-clock' },
    faultKnobs: [
      { id: 'step', label: 'client-1\'s wall clock steps by (ms)', kind: 'jump', process: 'client-1', field: 'deltaMs', min: -20_000, max: 5_000, step: 250 },
      { id: 'step-at', label: 'the step happens at (ms)', kind: 'jump', process: 'client-1', field: 'at', min: 0, max: 9_000, step: 50 },
    ],
  },
  {
    scenario: plainDelRelease,
    side: 'pitfall',
    heading: 'Release by plain DEL',
    tryThis: 'client-1\'s release is held in the network past its lease; by then client-2 holds the lock, and a plain DEL deletes client-2\'s key. Switch the release to compare-and-delete.',
    locks: { 'release=del': { algorithm: 'single-instance', options: { release: 'del' } }, 'compare-and-delete': SINGLE },
    start: { variant: 'release=del' },
    faultKnobs: [{ id: 'delay', label: 'delay of client-1\'s commands to redis-1 (ms)', kind: 'delay', process: 'client-1', field: 'delayMs', min: 0, max: 25_000, step: 250 }],
  },
  {
    scenario: renewalTooLate,
    side: 'pitfall',
    heading: 'Auto-renewal fails, noticed too late',
    tryThis: 'client-1 is cut off from Redis during a 15 s job; its renewals fail and the key expires. A job that listens to the lease\'s abort signal stops in time; one that does not writes inside client-2\'s section.',
    locks: { 'signal-ignored': { ...SINGLE, lease: {} }, 'abort-signal': { ...SINGLE, lease: {} } },
    start: { variant: 'signal-ignored' },
    faultKnobs: [
      { id: 'cut-at', label: 'client-1 is cut off at (ms)', kind: 'partition', field: 'at', min: 0, max: 12_000, step: 100 },
      { id: 'cut-for', label: 'for (ms)', kind: 'partition', field: 'durationMs', min: 0, max: 25_000, step: 250 },
    ],
    switches: [{ id: 'watch-signal', label: 'the job listens to the lease\'s abort signal', field: 'watchLeaseSignal', on: undefined, off: false }],
  },
];

export function findLesson(name: string): Lesson | undefined {
  return LESSONS.find((l) => l.scenario.name === name);
}
