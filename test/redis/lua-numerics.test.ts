/**
 * The simulated node's Lua against redis-server 7.0's Lua 5.1, reply by reply: a fixed table of
 * cases (test/support/lua-numeric-cases.ts: numbers, string.format, tonumber, numerals, the 5.1
 * library and syntax) and generated scripts (fast-check: numerals, numeric strings, format specs,
 * constant expressions, arithmetic). Each script is EVALed on a simulated engine and on a real
 * server; the replies must be identical.
 *
 * LOCKSIM_LUA_RUNS sets the number of generated scripts (default 300), LOCKSIM_LUA_SEED replays a
 * seed. A long run: LOCKSIM_LUA_RUNS=20000 npx vitest run test/redis/lua-numerics.test.ts
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEngine, type Session } from '../../src/redis/engine/engine.ts';
import type { Reply } from '../../src/redis/engine/reply.ts';
import { LUA_NUMERIC_CASES, luaNumericScript, type LuaCase } from '../support/lua-numeric-cases.ts';
import { realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { RespClient } from '../support/resp-client.ts';

const RUNS = Number(process.env.LOCKSIM_LUA_RUNS ?? 300);
const SEED = process.env.LOCKSIM_LUA_SEED === undefined ? undefined : Number(process.env.LOCKSIM_LUA_SEED);

function show(reply: Reply): string {
  switch (reply.kind) {
    case 'array':
      return reply.value === null ? '(nil array)' : `[${reply.value.map(show).join(', ')}]`;
    case 'error':
      return `(error) ${reply.message}`;
    case 'status':
      return `+${reply.value}`;
    case 'integer':
      return `(integer) ${reply.value}`;
    case 'bulk':
      return reply.value === null ? '(nil)' : JSON.stringify(reply.value);
  }
}

describe.runIf(realRedisTestsEnabled())('Lua numbers: simulated node vs redis-server 7.0', () => {
  let server: RedisServer;
  let client: RespClient;
  const engine = new RedisEngine();
  let session: Session;

  beforeAll(async () => {
    server = await startRedisServer();
    client = await RespClient.connect(server.port);
    session = engine.newSession();
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  async function compare(script: LuaCase): Promise<{ real: Reply; simulated: Reply }> {
    const command = ['EVAL', script.body, '0', ...(script.args ?? [])];
    const real = await client.send(command);
    const simulated = engine.execute(session, command, Date.now());
    return { real, simulated };
  }

  it(`agrees on the ${LUA_NUMERIC_CASES.length} cases of the table`, async () => {
    await client.send(['FLUSHALL']);
    engine.execute(session, ['FLUSHALL'], Date.now());
    const differences: string[] = [];
    for (const script of LUA_NUMERIC_CASES) {
      const { real, simulated } = await compare(script);
      if (JSON.stringify(real) !== JSON.stringify(simulated)) {
        differences.push(`${script.name}:\n  ${script.body}\n  redis-server: ${show(real)}\n  simulated:    ${show(simulated)}`);
      }
    }
    expect(differences, `${differences.length} of ${LUA_NUMERIC_CASES.length} cases differ:\n${differences.join('\n')}`).toEqual([]);
  });

  it(`agrees on ${RUNS} generated scripts`, async () => {
    let errors = 0;
    const differences: string[] = [];
    // Every script runs (a long run counts all the differences); the first ones are shown.
    await fc.assert(
      fc.asyncProperty(luaNumericScript, async (script) => {
        const { real, simulated } = await compare(script);
        if (real.kind === 'error') errors++;
        if (show(simulated) !== show(real)) {
          differences.push(`${script.name}: ${script.body}\n  ARGV: ${JSON.stringify(script.args ?? [])}\n  redis-server: ${show(real)}\n  simulated:    ${show(simulated)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(differences, `${differences.length} of ${RUNS} generated scripts differ; the first ones:\n${differences.slice(0, 5).join('\n')}`).toEqual([]);
    // The generators must reach past the error paths.
    expect(errors).toBeLessThan(RUNS * 0.6);
  });
});
