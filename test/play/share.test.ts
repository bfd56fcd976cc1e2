/** A state in the page's address comes back as it was; anything else is refused, not guessed at. */
import { describe, expect, it } from 'vitest';
import { withLockOption } from '../../src/play/edits.ts';
import { LESSONS } from '../../src/play/lessons.ts';
import { decodeState, encodeState } from '../../src/play/share.ts';
import { lessonStartState } from '../../src/play/state.ts';

describe('a state in the address', () => {
  it('comes back equal, Infinity included', () => {
    for (const lesson of LESSONS) {
      const state = withLockOption(lessonStartState(lesson), 'timeoutMs', Infinity);
      const back = decodeState(encodeState(state));
      expect(back, lesson.scenario.name).toEqual(state);
      expect(back?.setup.lock.options.timeoutMs).toBe(Infinity);
    }
  });

  it('is refused when it is not a state of this playground', () => {
    const state = lessonStartState(LESSONS[1] as (typeof LESSONS)[number]);
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    expect(decodeState('not base64 json!')).toBeNull();
    expect(decodeState(encode({ ...state, lesson: 'library-redlock4' }))).toBeNull();
    expect(decodeState(encode({ ...state, preset: 'no-such-variant' }))).toBeNull();
    expect(decodeState(encode({ ...state, seed: -1 }))).toBeNull();
    expect(decodeState(encode({ ...state, setup: { ...state.setup, lock: { algorithm: 'zookeeper', options: {} } } }))).toBeNull();
    expect(decodeState(encode({ ...state, setup: { ...state.setup, nodes: [] } }))).toBeNull();
    expect(decodeState(encode(state))).toEqual(state);
  });
});
