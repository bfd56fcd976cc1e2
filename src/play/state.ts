/**
 * What the playground shows: a lesson, the setup (world, workload, lock), the fault schedule and
 * the seed. Every control of the page changes one of these through a function here or in
 * edits.ts; the run, the verdict, the token and the scenario file are all functions of it.
 */
import type { Fault } from '../faults/fault.ts';
import { findVariant } from '../scenario/run.ts';
import { variantFaults } from '../scenario/types.ts';
import type { WorkloadOptions } from '../workload/client.ts';
import { findLesson, type FaultKnob, type Lesson, type WorkloadSwitch } from './lessons.ts';
import { setupOfVariant, withoutUndefined, type PlaySetup } from './setup.ts';

export interface PlayState {
  /** The lesson: a catalog scenario's name. */
  readonly lesson: string;
  /** The catalog variant the state started from. */
  readonly preset: string;
  readonly setup: PlaySetup;
  readonly faults: readonly Fault[];
  readonly seed: number;
}

export function lessonOf(state: PlayState): Lesson {
  const lesson = findLesson(state.lesson);
  if (lesson === undefined) throw new Error(`no lesson '${state.lesson}'`);
  return lesson;
}

/** The state of one catalog variant of a lesson, as the catalog runs it (seed 1 unless given). */
export function presetState(lesson: Lesson, variantName: string, seed = 1): PlayState {
  const variant = findVariant(lesson.scenario, variantName);
  const lock = lesson.locks[variant.name];
  if (lock === undefined) throw new Error(`lesson ${lesson.scenario.name}: no lock spec for variant '${variant.name}'`);
  return { lesson: lesson.scenario.name, preset: variant.name, setup: setupOfVariant(lesson.scenario, variant, lock), faults: variantFaults(lesson.scenario, variant), seed };
}

/** The state a lesson opens in (its start variant, fault values and run length). */
export function lessonStartState(lesson: Lesson): PlayState {
  let state = presetState(lesson, lesson.start.variant);
  for (const [id, value] of Object.entries(lesson.start.knobs ?? {})) {
    const knob = lesson.faultKnobs.find((k) => k.id === id);
    if (knob === undefined) throw new Error(`lesson ${lesson.scenario.name}: its start names no knob '${id}'`);
    state = withKnob(state, knob, value);
  }
  if (lesson.start.durationMs !== undefined) state = { ...state, setup: { ...state.setup, durationMs: lesson.start.durationMs } };
  return state;
}

/** Whether `process` takes part in fault `f` (as its process, a sender, or in a group). */
function involves(f: Fault, process: string): boolean {
  switch (f.kind) {
    case 'partition':
      return f.groups.some((g) => g.includes(process));
    case 'cut':
    case 'delay':
    case 'loss':
      return f.from.includes(process);
    case 'failover':
      return f.replica === process;
    case 'heal':
      return false;
    default:
      return f.process === process;
  }
}

/** The index of the fault a knob moves (the first of its kind and process), or -1. */
export function knobFault(faults: readonly Fault[], knob: FaultKnob): number {
  return faults.findIndex((f) => f.kind === knob.kind && (knob.process === undefined || involves(f, knob.process)));
}

/** The knob's current value, or undefined when the schedule has no such fault (or field). */
export function knobValue(state: PlayState, knob: FaultKnob): number | undefined {
  const f = state.faults[knobFault(state.faults, knob)] as Record<string, unknown> | undefined;
  if (f === undefined) return undefined;
  if (knob.field === 'delayMs') {
    const delay = f.delay as { kind: string; ms?: number } | undefined;
    return delay?.kind === 'fixed' ? delay.ms : undefined;
  }
  const value = f[knob.field];
  return typeof value === 'number' ? value : undefined;
}

/** The state with the knob's fault field set to `value`. */
export function withKnob(state: PlayState, knob: FaultKnob, value: number): PlayState {
  const index = knobFault(state.faults, knob);
  if (index < 0) return state;
  const f = state.faults[index] as Fault;
  const changed = (knob.field === 'delayMs' ? { ...f, delay: { kind: 'fixed', ms: value } } : { ...f, [knob.field]: value }) as Fault;
  return { ...state, faults: state.faults.map((g, i) => (i === index ? changed : g)) };
}

/** Whether a workload switch is on. */
export function switchOn(state: PlayState, sw: WorkloadSwitch): boolean {
  return JSON.stringify(state.setup.workload[sw.field]) === JSON.stringify(sw.on);
}

/** The state with a workload switch on or off. */
export function withSwitch(state: PlayState, sw: WorkloadSwitch, on: boolean): PlayState {
  const workload: WorkloadOptions = withoutUndefined({ ...state.setup.workload, [sw.field]: on ? sw.on : sw.off });
  return { ...state, setup: { ...state.setup, workload } };
}
