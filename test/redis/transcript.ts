/**
 * Runs a fixed list of commands against a RedisEngine and a real redis-server side by side, over
 * several connections, and lists every reply that differs. The focused command tests use it to
 * check each case against the real server, not against our reading of Redis's source.
 */
import { RedisEngine, type EngineOptions } from '../../src/redis/engine/engine.ts';
import { formatReply, replyEquals, type Reply } from '../../src/redis/engine/reply.ts';
import { afterAll, beforeAll, expect } from 'vitest';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { RespClient } from '../support/resp-client.ts';

/** One command: on connection `on` (default 0); `unordered` compares array replies as multisets. */
export interface Line {
  readonly args: readonly string[];
  readonly on?: number;
  readonly unordered?: boolean;
}

/** `[...args]` on connection 0, or a {@link Line}. */
export type LineInput = readonly string[] | Line;

export interface TranscriptResult {
  /** One line per command: the command, Redis's reply, and the engine's when it differs. */
  readonly log: string[];
  /** The commands whose replies differ. */
  readonly differences: string[];
  readonly engine: RedisEngine;
  /** The engine's replies, in order. */
  readonly replies: Reply[];
}

function normalize(reply: Reply, unordered: boolean): string {
  if (!unordered || reply.kind !== 'array' || reply.value === null) return formatReply(reply);
  return `[${reply.value.map((r) => normalize(r, false)).sort().join(', ')}]`;
}

/**
 * Flushes the server (FLUSHALL, SCRIPT FLUSH), then runs `lines` in order on both sides, the
 * engine at the machine's time when each command is sent (use TTLs long enough not to matter).
 */
export async function runTranscript(server: RedisServer, lines: readonly LineInput[], options: EngineOptions = {}): Promise<TranscriptResult> {
  const connections = 1 + Math.max(0, ...lines.map((l) => ('args' in l ? (l.on ?? 0) : 0)));
  const clients: RespClient[] = [];
  for (let i = 0; i < connections; i++) clients.push(await RespClient.connect(server.port));
  const engine = new RedisEngine(options);
  const sessions = clients.map(() => engine.newSession());
  const log: string[] = [];
  const differences: string[] = [];
  const replies: Reply[] = [];
  try {
    await (clients[0] as RespClient).send(['FLUSHALL']);
    await (clients[0] as RespClient).send(['SCRIPT', 'FLUSH']);
    for (const input of lines) {
      const line: Line = 'args' in input ? input : { args: input };
      const on = line.on ?? 0;
      const now = Date.now();
      const redis = await (clients[on] as RespClient).send(line.args);
      const mine = engine.execute(sessions[on] as ReturnType<RedisEngine['newSession']>, line.args, now);
      replies.push(mine);
      const same = line.unordered ? normalize(redis, true) === normalize(mine, true) : replyEquals(redis, mine);
      const text = `[c${on}] ${line.args.map((a) => JSON.stringify(a)).join(' ')}\n    redis:  ${formatReply(redis)}`;
      if (same) log.push(text);
      else {
        const full = `${text}\n    engine: ${formatReply(mine)}`;
        log.push(full);
        differences.push(full);
      }
    }
  } finally {
    for (const c of clients) await c.close();
  }
  return { log, differences, engine, replies };
}

/**
 * For a describe block: a real redis-server started before its tests and stopped after them, and
 * `agree(lines)`, which fails with the whole transcript when the engine and the server differ.
 */
export function withTranscriptServer(): { agree(lines: readonly LineInput[], options?: EngineOptions): Promise<void>; server(): RedisServer } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const running = (): RedisServer => {
    if (server === undefined) throw new Error('the redis-server of this describe block is not running');
    return server;
  };
  return {
    server: running,
    async agree(lines, options) {
      const { differences, log } = await runTranscript(running(), lines, options);
      expect(differences, `transcript:\n${log.join('\n')}`).toEqual([]);
    },
  };
}
