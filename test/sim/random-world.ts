/**
 * Random worlds for the determinism tests: processes running little async programs (sleeps,
 * messages, request/reply with awaits, Promise.all, nested awaits, timers) under faults
 * (drift, jumps, pauses, crashes and restarts, partitions). A world is plain data, so
 * fast-check can generate and print it.
 */
import fc from 'fast-check';
import { World, ms, type LinkMode, type ProcessContext } from '../../src/sim/index.ts';

export type Op =
  | { op: 'sleep'; ms: number }
  | { op: 'send'; to: number }
  | { op: 'request'; to: number }
  | { op: 'all'; branches: Op[][] }
  | { op: 'nested'; depth: number }
  | { op: 'timer'; ms: number };

export type Fault =
  | { at: number; kind: 'drift'; target: number; ppm: number }
  | { at: number; kind: 'jump'; target: number; deltaMs: number }
  | { at: number; kind: 'pause'; target: number; forMs: number }
  | { at: number; kind: 'crash'; target: number; restartAfterMs: number }
  | { at: number; kind: 'partition'; split: number; mode: LinkMode; forMs: number };

export interface WorldSpec {
  seed: number;
  programs: Op[][];
  faults: Fault[];
  maxDelayMs: number;
}

const leafOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('sleep' as const), ms: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ op: fc.constant('send' as const), to: fc.nat(9) }),
  fc.record({ op: fc.constant('request' as const), to: fc.nat(9) }),
  fc.record({ op: fc.constant('nested' as const), depth: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('timer' as const), ms: fc.integer({ min: 0, max: 80 }) }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: leafOp },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('all' as const), branches: fc.array(fc.array(leafOp, { maxLength: 4 }), { minLength: 1, maxLength: 3 }) }) },
);
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ at: fc.nat(800), kind: fc.constant('drift' as const), target: fc.nat(9), ppm: fc.integer({ min: -200_000, max: 200_000 }) }),
  fc.record({ at: fc.nat(800), kind: fc.constant('jump' as const), target: fc.nat(9), deltaMs: fc.integer({ min: -5000, max: 5000 }) }),
  fc.record({ at: fc.nat(800), kind: fc.constant('pause' as const), target: fc.nat(9), forMs: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ at: fc.nat(800), kind: fc.constant('crash' as const), target: fc.nat(9), restartAfterMs: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ at: fc.nat(800), kind: fc.constant('partition' as const), split: fc.integer({ min: 1, max: 4 }), mode: fc.constantFrom<LinkMode>('hold', 'drop'), forMs: fc.integer({ min: 1, max: 300 }) }),
);

export const worldSpec: fc.Arbitrary<WorldSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  programs: fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 5 }),
  faults: fc.array(fault, { maxLength: 6 }),
  maxDelayMs: fc.integer({ min: 1, max: 20 }),
});

/** Builds and runs the world for one second of true time; returns the world. */
export async function runSpec(spec: WorldSpec, keepTrace = false): Promise<World> {
  const world = new World({ seed: spec.seed, keepTrace, delay: { kind: 'uniform', minMs: 0.05, maxMs: spec.maxDelayMs } });
  const names = spec.programs.map((_, i) => `p${i}`);
  const nameOf = (i: number) => names[i % names.length] as string;

  spec.programs.forEach((program, index) => {
    world.addProcess(nameOf(index), (ctx: ProcessContext) => {
      const pending = new Map<number, () => void>();
      let nextId = 0;
      ctx.onMessage((from, message) => {
        const m = message as { t: 'req' | 'rep' | 'msg'; id: number };
        if (m.t === 'req') {
          // Reply after a think time from this process's own random stream.
          ctx.clock.setTimer(ctx.random.between(0, 5), () => ctx.send(from, { t: 'rep', id: m.id }));
        } else if (m.t === 'rep') {
          pending.get(m.id)?.();
          pending.delete(m.id);
        } else {
          ctx.note(`msg from ${from}`);
        }
      });
      async function nested(depth: number): Promise<number> {
        return depth === 0 ? 0 : 1 + (await nested(depth - 1));
      }
      async function exec(ops: Op[]): Promise<void> {
        for (const o of ops) {
          switch (o.op) {
            case 'sleep':
              await ctx.clock.sleep(o.ms);
              break;
            case 'send':
              ctx.send(nameOf(o.to), { t: 'msg', id: 0 });
              break;
            case 'request': {
              const id = nextId++;
              await new Promise<void>((resolve) => {
                pending.set(id, resolve);
                ctx.send(nameOf(o.to), { t: 'req', id });
              });
              break;
            }
            case 'all':
              await Promise.all(o.branches.map((b) => exec(b)));
              break;
            case 'nested':
              await nested(o.depth);
              break;
            case 'timer':
              ctx.clock.setTimer(o.ms, () => ctx.note(`timer ${o.ms}`));
              break;
          }
          ctx.note(`${o.op} done at wall=${ctx.clock.now()} mono=${ctx.clock.monotonic().toFixed(3)}`);
        }
      }
      return (async () => {
        for (let loop = 0; loop < 3; loop++) await exec(program);
      })();
    });
  });

  for (const f of spec.faults) {
    world.at(ms(f.at), () => {
      switch (f.kind) {
        case 'drift':
          world.setDrift(nameOf(f.target), f.ppm);
          break;
        case 'jump':
          world.jumpClock(nameOf(f.target), f.deltaMs);
          break;
        case 'pause':
          world.pause(nameOf(f.target));
          world.at(world.now + ms(f.forMs), () => world.resume(nameOf(f.target)));
          break;
        case 'crash':
          world.crash(nameOf(f.target));
          world.at(world.now + ms(f.restartAfterMs), () => world.restart(nameOf(f.target)));
          break;
        case 'partition': {
          const split = Math.min(f.split, names.length - 1);
          world.network.partition([names.slice(0, split), names.slice(split)], f.mode);
          world.at(world.now + ms(f.forMs), () => world.network.heal());
          break;
        }
      }
    });
  }
  await world.run({ until: ms(1000) });
  return world;
}
