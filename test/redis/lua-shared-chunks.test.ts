/**
 * Compiled Lua chunks are shared by every simulated node of the process (src/redis/engine/fengari.ts).
 * Sharing must not show: a run's replies and trace hash are the same whether the process compiled
 * nothing before it or ran other worlds and scripts first, and a node's Lua state sees nothing of
 * another's.
 */
import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { createClient } from '../../src/redis/client.ts';
import { compiledChunkCount, forgetCompiledChunks } from '../../src/redis/engine/fengari.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, seconds } from '../../src/sim/index.ts';

/** Scripts whose replies depend on the Lua state's own history: object ids, math.random, errors. */
const SCRIPTS = [
  "return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', 10000)",
  "local t = {} local f = function() end return tostring(t) .. ' ' .. tostring(f) .. ' ' .. tostring({})",
  'return {math.random(1000000), tostring(math.random())}',
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
  'return {tostring(0), tostring(-0.0), tostring(tonumber(ARGV[1]))}',
  'return 1 +',
];

function textOf(reply: unknown): string {
  return reply instanceof Error ? `error: ${reply.message}` : JSON.stringify(reply);
}

/** A world of three nodes whose clients run every script and let each reply steer their timing. */
async function run(seed: number): Promise<{ traceHash: string; replies: string[] }> {
  const world = new World({ seed });
  const registry = new Map();
  const replies: string[] = [];
  for (let n = 1; n <= 3; n++) {
    addRedisNode(world, `redis-${n}`, {}, registry);
    world.addProcess(`client-${n}`, async (ctx) => {
      const redis = createClient(ctx, `redis-${n}`);
      for (let round = 0; round < 3; round++) {
        for (const script of SCRIPTS) {
          const reply = await redis.eval(script, 1, `lock-${round}`, String(n * 10 + round)).catch((e: unknown) => e);
          const text = textOf(reply);
          replies.push(`${n}/${round}: ${text}`);
          // The reply goes into the trace hash, and decides how long the client waits.
          ctx.note(text);
          let h = 0;
          for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 97;
          await ctx.clock.sleep(h + 1);
        }
      }
    });
  }
  await world.run({ until: seconds(30) });
  return { traceHash: world.traceHash, replies };
}

describe('compiled Lua chunks shared between nodes and runs', () => {
  it("a run's replies and trace hash do not depend on what ran before it in the process", async () => {
    forgetCompiledChunks();
    const cold = await run(11);
    expect(cold.replies).toHaveLength(3 * 3 * SCRIPTS.length);
    // Other worlds and engines compile and run these scripts and others, in another order.
    await run(12);
    const engine = new RedisEngine();
    const session = engine.newSession();
    for (const script of [...SCRIPTS].reverse()) engine.execute(session, ['EVAL', script, '1', 'k', '5'], 0);
    for (let i = 0; i < 50; i++) engine.execute(session, ['EVAL', `return {${i}, tostring({})}`, '0'], 0);
    expect(compiledChunkCount()).toBeGreaterThan(SCRIPTS.length);
    const warm = await run(11);
    expect(warm.replies).toEqual(cold.replies);
    expect(warm.traceHash).toBe(cold.traceHash);
    // And once more after the cache is emptied, in between the two.
    forgetCompiledChunks();
    const again = await run(11);
    expect(again.replies).toEqual(cold.replies);
    expect(again.traceHash).toBe(cold.traceHash);
  });

  it('the trace hash does see the replies (so the test above can fail)', async () => {
    const a = await run(11);
    expect(a.replies.some((r) => r.includes('table: 0x'))).toBe(true);
    // The same world with one script changed in a way only its reply shows.
    SCRIPTS[4] = 'return {tostring(-0.0), tostring(0), tostring(tonumber(ARGV[1]))}';
    try {
      const b = await run(11);
      expect(b.replies).not.toEqual(a.replies);
      expect(b.traceHash).not.toBe(a.traceHash);
    } finally {
      SCRIPTS[4] = 'return {tostring(0), tostring(-0.0), tostring(tonumber(ARGV[1]))}';
    }
  });

  it("one node's Lua state sees nothing of another's", () => {
    const a = new RedisEngine();
    const b = new RedisEngine();
    const sa = a.newSession();
    const sb = b.newSession();
    const body = "local t = {} return tostring(t) .. ' ' .. tostring(math.random())";
    const first = b.execute(sb, ['EVAL', body, '0'], 0);
    // Node a runs the same chunk many times, and others; node b's next answer is as if a did nothing.
    for (let i = 0; i < 20; i++) a.execute(sa, ['EVAL', body, '0'], 0);
    const c = new RedisEngine();
    const sc = c.newSession();
    expect(c.execute(sc, ['EVAL', body, '0'], 0)).toEqual(first);
    expect(a.execute(sa, ['EVAL', body, '0'], 0)).not.toEqual(first);
  });

  it("collectgarbage's settings are the node's own, and SCRIPT FLUSH starts them over, as a new Lua state does", () => {
    const a = new RedisEngine();
    const b = new RedisEngine();
    const sa = a.newSession();
    const sb = b.newSession();
    const setPause = (engine: RedisEngine, session: ReturnType<RedisEngine['newSession']>, value: number) => engine.execute(session, ['EVAL', `return collectgarbage('setpause', ${value})`, '0'], 0);
    // As redis-server 7.0.15 answers on one node: the previous value, kept between scripts until SCRIPT FLUSH.
    expect(setPause(a, sa, 100)).toEqual({ kind: 'integer', value: 200 });
    expect(setPause(a, sa, 150)).toEqual({ kind: 'integer', value: 100 });
    // Node b shares the process's Lua state with a, and still starts from the default.
    expect(setPause(b, sb, 120)).toEqual({ kind: 'integer', value: 200 });
    expect(setPause(a, sa, 150)).toEqual({ kind: 'integer', value: 150 });
    expect(a.execute(sa, ['SCRIPT', 'FLUSH'], 0)).toEqual({ kind: 'status', value: 'OK' });
    expect(setPause(a, sa, 100)).toEqual({ kind: 'integer', value: 200 });
    expect(setPause(b, sb, 200)).toEqual({ kind: 'integer', value: 120 });
  });
});
