/**
 * Lua scripting as Redis 7.0 does it: each script compiled once and cached by SHA1, run with
 * KEYS and ARGV, Redis's conversions between replies and Lua values, its error formats, its
 * math.random. One per engine (node). The Lua state itself is shared by every node of the
 * process (lua-vm.ts says why that cannot show); the well-known lock scripts run natively
 * (native-scripts.ts), with the VM for every other script and shape. See docs/redis-commands.md
 * for what differs from Redis's Lua 5.1.
 */
import { createHash } from 'node:crypto';
import { loadFengari, type LuaChunk } from './fengari.ts';
import { LuaNodeState, luaVm } from './lua-vm.ts';
import type { ScriptHost } from './lua/redis.ts';
import { nativeScript, type NativeMatch } from './native-scripts.ts';
import { error, type ErrorReply, type Reply } from './reply.ts';

export function sha1hex(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

/** A cached script: its body, its compiled chunk (made on the first run the VM needs), its native version. */
interface CachedScript {
  readonly body: string;
  chunk: LuaChunk | null;
  readonly native: NativeMatch | null;
}

/**
 * A script compiled for Redis: the chunk, or the error reply EVAL gives. The compiled chunk is
 * shared by every node of the process (see {@link Fengari.compile}); the outcome is a function of
 * the text alone.
 */
function compileScript(body: string): { readonly chunk: LuaChunk } | ErrorReply {
  const chunk = loadFengari().compile(body, '@user_script');
  if (typeof chunk === 'string') return error(`ERR Error compiling script (new function): ${chunk}`);
  return { chunk };
}

export class LuaScripting {
  private readonly host: ScriptHost;
  /** SHA1 -> the script. */
  private readonly scripts = new Map<string, CachedScript>();
  /** Body -> SHA1, to skip hashing scripts already seen. */
  private readonly shaOfBody = new Map<string, string>();
  /** What this node's scripts can tell of their Lua state (math.random, object ids). */
  private readonly node = new LuaNodeState();
  /** Counters for the engine's stats: scripts compiled (loaded), runs answered natively. */
  compiled = 0;
  nativeRuns = 0;
  /** Whether known scripts run natively (tests turn it off to compare with the VM). */
  readonly native: boolean;
  private readonly callFromScript = (args: string[]): Reply => this.host.callFromScript(args);

  constructor(host: ScriptHost, options: { native?: boolean } = {}) {
    this.host = host;
    this.native = options.native ?? true;
  }

  /** redis.set_repl of the running script: false when its writes must not propagate. */
  get replicate(): boolean {
    return this.node.replicate;
  }

  sha1(body: string): string {
    let sha = this.shaOfBody.get(body);
    if (sha === undefined) {
      sha = sha1hex(body);
      if (this.shaOfBody.size >= 10_000) this.shaOfBody.clear();
      this.shaOfBody.set(body, sha);
    }
    return sha;
  }

  has(sha: string): boolean {
    return this.scripts.has(sha);
  }

  get cachedScripts(): number {
    return this.scripts.size;
  }

  /** Compiles and caches `body`: its SHA1, or the compile error reply. */
  load(body: string): string | Reply {
    const sha = this.sha1(body);
    if (this.scripts.has(sha)) return sha;
    // A script with a native version compiles (its tokens are the template's): no need to yet.
    const native = this.native ? nativeScript(body) : null;
    let chunk: LuaChunk | null = null;
    if (native === null) {
      const compiled = compileScript(body);
      if (!('chunk' in compiled)) return compiled;
      chunk = compiled.chunk;
    }
    this.scripts.set(sha, { body, chunk, native });
    this.compiled++;
    return sha;
  }

  /** SCRIPT FLUSH: forgets every script and starts a new Lua state (the random generator keeps its state, as in Redis). */
  flush(): void {
    this.scripts.clear();
    this.shaOfBody.clear();
    this.node.flush();
  }

  /** A process restart: also restarts math.random's sequence. */
  restart(): void {
    this.flush();
    this.node.restart();
  }

  /** Runs a cached script. */
  run(sha: string, keys: readonly string[], argv: readonly string[]): Reply {
    const script = this.scripts.get(sha);
    if (script === undefined) return error('NOSCRIPT No matching script. Please use EVAL.');
    if (script.native !== null) {
      const reply = script.native.run(this.callFromScript, sha, keys, argv);
      if (reply !== null) {
        this.nativeRuns++;
        return reply;
      }
    }
    if (script.chunk === null) {
      const compiled = compileScript(script.body);
      if (!('chunk' in compiled)) return compiled;
      script.chunk = compiled.chunk;
    }
    return luaVm().run(this.node, this.host, script.chunk, sha, keys, argv);
  }
}
