import { World, type DelayModel, type ProcessContext } from '../index.ts';

/**
 * The kernel's demonstration and standard async workload: `clients` processes each loop over
 * awaited request/replies to one echo server over the simulated network (no Redis, no locks):
 * what the kernel alone costs per event. `locksim demo` runs it and `npm run bench` times it;
 * it lives beside the kernel it shows so that the command line need not reach into the bench.
 */
export function echoWorld(options: { seed: number; clients?: number; delay?: DelayModel; keepTrace?: boolean }): World {
  const world = new World({
    seed: options.seed,
    keepTrace: options.keepTrace ?? false,
    delay: options.delay ?? { kind: 'uniform', minMs: 0.1, maxMs: 2 },
  });
  world.addProcess('server', (ctx) => ctx.onMessage((from, message) => ctx.send(from, message), { synchronous: true }));
  const clients = options.clients ?? 10;
  for (let i = 0; i < clients; i++) {
    world.addProcess(`client-${i + 1}`, async (ctx: ProcessContext) => {
      let waiting: (() => void) | null = null;
      ctx.onMessage(() => {
        const wake = waiting;
        waiting = null;
        wake?.();
      });
      for (let n = 0; ; n++) {
        await request(ctx, n, (wake) => (waiting = wake));
        if (n % 8 === 7) await ctx.clock.sleep(ctx.random.between(0, 2));
      }
    });
  }
  return world;
}

async function request(ctx: ProcessContext, n: number, park: (wake: () => void) => void): Promise<void> {
  await new Promise<void>((resolve) => {
    park(resolve);
    ctx.send('server', n);
  });
}
