/** Small helpers for the engine's unit tests. */
import { RedisEngine, type EngineOptions, type Session } from '../../src/redis/engine/engine.ts';
import type { Reply } from '../../src/redis/engine/reply.ts';

export const T0 = 1_700_000_000_000;

export const ok: Reply = { kind: 'status', value: 'OK' };
export const nil: Reply = { kind: 'bulk', value: null };
export const nilArray: Reply = { kind: 'array', value: null };
export const st = (value: string): Reply => ({ kind: 'status', value });
export const int = (value: number): Reply => ({ kind: 'integer', value });
export const bulk = (value: string | null): Reply => ({ kind: 'bulk', value });
export const err = (message: string): Reply => ({ kind: 'error', message });
export const arr = (...value: Reply[]): Reply => ({ kind: 'array', value });
export const bulks = (...values: string[]): Reply => ({ kind: 'array', value: values.map(bulk) });

export interface Harness {
  engine: RedisEngine;
  session: Session;
  /** Runs a command on the harness's session at `now`. */
  at(now: number, ...args: string[]): Reply;
  /** Runs a command at T0. */
  run(...args: string[]): Reply;
  /** Everything propagated so far. */
  propagated: string[][];
}

export function harness(options: EngineOptions = {}): Harness {
  const propagated: string[][] = [];
  const engine = new RedisEngine({
    ...options,
    onPropagate: (command) => {
      propagated.push(command);
      options.onPropagate?.(command);
    },
  });
  const session = engine.newSession();
  return {
    engine,
    session,
    propagated,
    at: (now, ...args) => engine.execute(session, args, now),
    run: (...args) => engine.execute(session, args, T0),
  };
}
