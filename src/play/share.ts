/**
 * A playground state in the page's address (`#gc-pause/<state>`), so that a link opens the page
 * on exactly what its sender saw. The state is JSON in base64url (Infinity, which JSON lacks, as
 * the string "Infinity"); a link that does not hold a state of this playground is ignored, and
 * the lesson opens as usual.
 */
import { RESOURCE_MODES } from '../workload/resource.ts';
import { findLesson } from './lessons.ts';
import type { PlayState } from './state.ts';

const INFINITY = 'Infinity';

export function encodeState(state: PlayState): string {
  const json = JSON.stringify(state, (_key, value: unknown) => (value === Infinity ? INFINITY : value));
  return Buffer.from(json, 'utf8').toString('base64url');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNamedList = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x.name === 'string');

/** The state a link holds, or null when it holds none this playground can show. */
export function decodeState(text: string): PlayState | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'), (_key, v: unknown) => (v === INFINITY ? Infinity : v));
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.lesson !== 'string' || typeof value.preset !== 'string') return null;
  const lesson = findLesson(value.lesson);
  if (lesson === undefined || !lesson.scenario.variants.some((v) => v.name === value.preset)) return null;
  if (!Number.isSafeInteger(value.seed) || (value.seed as number) < 0 || !Array.isArray(value.faults)) return null;
  const setup = value.setup;
  if (!isObject(setup) || !isNamedList(setup.nodes) || !isNamedList(setup.clients) || typeof setup.durationMs !== 'number') return null;
  if (!isObject(setup.workload) || typeof setup.workload.ttlMs !== 'number' || !(RESOURCE_MODES as readonly unknown[]).includes(setup.resource)) return null;
  const lock = setup.lock;
  if (!isObject(lock) || (lock.algorithm !== 'redlock' && lock.algorithm !== 'single-instance') || !isObject(lock.options)) return null;
  return value as unknown as PlayState;
}
