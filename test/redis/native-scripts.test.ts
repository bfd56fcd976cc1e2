/**
 * The native versions of well-known lock scripts (src/redis/engine/native-scripts.ts) against the Lua
 * VM: two engines, one running them natively and one in fengari, get the same generated keyspace
 * and the same script calls (every native script, in several spellings, with keys and arguments
 * of every kind: missing, extra, non-ASCII, lone surrogates, not integers, keys of other types,
 * expired keys), and must give the same replies (error texts with their line numbers included),
 * keep the same keyspace, propagate the same effects and count the same stats. The native path
 * must also have been taken, or the comparison would prove nothing.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { COMPARE_AND_DELETE_SCRIPT, COMPARE_AND_PEXPIRE_SCRIPT, RECREATE_MISSING_SCRIPT } from '../../src/locks/common.ts';
import { sweepOne } from '../../src/explore/sweep.ts';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { LuaVm } from '../../src/redis/engine/lua-vm.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { luaTokens, NATIVE_SCRIPT_NAMES, nativeScript, nativeTemplate } from '../../src/redis/engine/native-scripts.ts';
import type { Reply } from '../../src/redis/engine/reply.ts';
import { T0 } from './helpers.ts';

/** Other spellings of the templates: the same tokens, other spacing, quotes and comments (and lines). */
function spellings(name: string): string[] {
  const template = nativeTemplate(name);
  const out = [template];
  // Double quotes for single, and the other way round.
  out.push(template.replace(/'/g, '\u0001').replace(/"/g, "'").replace(/\u0001/g, '"'));
  // Every token on a line of its own would move `redis . call (` apart; instead: spaces around
  // operators, a comment first, and each statement keyword on a new line (the lines move).
  out.push(`-- a comment\n${template.replace(/==/g, ' == ').replace(/ then /g, ' then\n  ').replace(/ else /g, '\nelse\n  ').replace(/ elseif /g, '\nelseif ')}\n`);
  // Tabs instead of two spaces (redlock 4 writes its scripts so).
  out.push(template.replace(/ {2}/g, '\t'));
  // CRLF line ends.
  out.push(template.replace(/\n/g, '\r\n'));
  // Command names in capitals (redlock-universal writes them so): passed on as written.
  out.push(template.replace(/(redis\.p?call\()(['"])([a-z]+)\2/g, (_, call: string, q: string, name: string) => `${call}${q}${name.toUpperCase()}${q}`));
  return [...new Set(out)];
}

const SCRIPTS = NATIVE_SCRIPT_NAMES.flatMap((name) => spellings(name).map((body) => ({ name, body })));

/** A spelling that is not recognised: `redis.call(` split over two lines, and a changed token. */
const NOT_NATIVE = [
  "if redis.call('get',KEYS[1])==ARGV[1] then return redis\n.call('del',KEYS[1]) else return 0 end",
  "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 1 end",
  "if redis.call('get',KEYS[1])~=ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end",
];

const STRINGS = ['tok', 'other', '', 'tök', '\u{1F512}', '\ud800x', '\ufefftok', '10000', '-5', '1.5', 'x'.repeat(70)];
const KEYS = ['k1', 'k2', 'k3', 'kö', '\ud83d', '\ufeffk'];

type Setup =
  | { kind: 'absent' }
  | { kind: 'string'; value: string; pxMs: number | null }
  | { kind: 'expired'; value: string }
  | { kind: 'hash' }
  | { kind: 'set' };

const setupArb: fc.Arbitrary<Setup> = fc.oneof(
  fc.constant<Setup>({ kind: 'absent' }),
  fc.record({ kind: fc.constant('string' as const), value: fc.constantFrom(...STRINGS), pxMs: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }) }),
  fc.record({ kind: fc.constant('expired' as const), value: fc.constantFrom(...STRINGS) }),
  fc.constant<Setup>({ kind: 'hash' }),
  fc.constant<Setup>({ kind: 'set' }),
);

interface Case {
  readonly script: { readonly name: string; readonly body: string };
  readonly setups: readonly Setup[];
  readonly keys: readonly string[];
  readonly argv: readonly string[];
  readonly bySha: boolean;
  readonly replicas: boolean;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  script: fc.constantFrom(...SCRIPTS, ...NOT_NATIVE.map((body) => ({ name: 'not native', body }))),
  setups: fc.array(setupArb, { minLength: KEYS.length, maxLength: KEYS.length }),
  // Mostly plain keys (the native path), sometimes ones that do not survive a trip through Lua.
  keys: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('k1', 'k2', 'k3', 'kö') }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) }), { minLength: 0, maxLength: 4 }),
  // Mostly the lock's own token and a TTL, so that the interesting branches are taken often.
  // (sesamecare's scripts SELECT the database ARGV[1] names first: '0' and '10000' cover both outcomes.)
  argv: fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('tok', '10000', '0') }, { weight: 2, arbitrary: fc.constantFrom(...STRINGS) }), { maxLength: 4 }),
  bySha: fc.boolean(),
  replicas: fc.boolean(),
});

interface Outcome {
  replies: Reply[];
  dump: unknown;
  effects: string[][];
  stats: Record<string, number>;
}

function runCase(c: Case, native: boolean): Outcome {
  const effects: string[][] = [];
  const engine = new RedisEngine({ nativeScripts: native, onPropagate: c.replicas ? (command) => effects.push(command) : undefined });
  const session = engine.newSession();
  const at = (now: number, ...args: string[]): Reply => engine.execute(session, args, now);
  KEYS.forEach((key, i) => {
    const setup = c.setups[i] as Setup;
    switch (setup.kind) {
      case 'absent':
        return;
      case 'string':
        if (setup.pxMs === null) at(T0 - 1000, 'SET', key, setup.value);
        else at(T0 - 1000, 'SET', key, setup.value, 'PX', String(setup.pxMs + 1000));
        return;
      case 'expired':
        at(T0 - 1000, 'SET', key, setup.value, 'PX', '500');
        return;
      case 'hash':
        at(T0 - 1000, 'HSET', key, 'f', 'tok');
        return;
      case 'set':
        at(T0 - 1000, 'SADD', key, 'tok');
    }
  });
  const replies: Reply[] = [];
  const call = (): Reply => {
    if (c.bySha) {
      const sha = at(T0, 'SCRIPT', 'LOAD', c.script.body);
      if (sha.kind !== 'bulk' || sha.value === null) return sha;
      return at(T0, 'EVALSHA', sha.value, String(c.keys.length), ...c.keys, ...c.argv);
    }
    return at(T0, 'EVAL', c.script.body, String(c.keys.length), ...c.keys, ...c.argv);
  };
  // Twice: the second call finds what the first did (a deleted or extended key, a recreated one).
  replies.push(call());
  replies.push(call());
  const { nativeScriptCalls, ...stats } = engine.stats;
  void nativeScriptCalls;
  return { replies, dump: engine.databases().map((db) => engine.dump(db)), effects, stats };
}

describe('native lock scripts against the Lua VM', () => {
  it('every template is recognised, and locksim\'s own lock scripts are', () => {
    for (const name of NATIVE_SCRIPT_NAMES) for (const body of spellings(name)) expect(nativeScript(body)?.name, body).toBe(name);
    expect(nativeScript(COMPARE_AND_DELETE_SCRIPT)?.name).toBe('compare-and-delete');
    expect(nativeScript(COMPARE_AND_PEXPIRE_SCRIPT)?.name).toBe('compare-and-pexpire');
    expect(nativeScript(RECREATE_MISSING_SCRIPT)?.name).toBe('recreate-missing');
    for (const body of NOT_NATIVE) expect(nativeScript(body), body).toBeNull();
  });

  it('the Redis documentation\'s release script is recognised, with its lines', () => {
    const docs = 'if redis.call("get",KEYS[1]) == ARGV[1] then\n    return redis.call("del",KEYS[1])\nelse\n    return 0\nend';
    expect(nativeScript(docs)).toMatchObject({ name: 'compare-and-delete', lines: [1, 2] });
  });

  it('the tokenizer refuses what it does not know (those scripts run in the VM)', () => {
    expect(luaTokens("return [[long]]")).toBeNull();
    expect(luaTokens("--[[ long comment ]] return 1")).toBeNull();
    expect(luaTokens("return '\\065'")).toBeNull();
    expect(luaTokens('return 0x10')).toBeNull();
    expect(luaTokens("return 'a' -- c\nreturn 2")?.map((t) => `${t.line}:${t.text}`)).toEqual(['1:return', '1:a', '2:return', '2:2']);
  });

  it('gives the same replies, keyspace, effects and stats as the VM, on generated calls', () => {
    let nativeCalls = 0;
    let errorsCompared = 0;
    const nativeByScript = new Map<string, number>();
    fc.assert(
      fc.property(caseArb, (c) => {
        const vm = runCase(c, false);
        const native = runCase(c, true);
        expect(native).toEqual(vm);
        errorsCompared += vm.replies.filter((r) => r.kind === 'error').length;
        // Count the calls the native engine answered natively, from a fresh run of the case.
        const engine = new RedisEngine();
        const s = engine.newSession();
        engine.execute(s, ['EVAL', c.script.body, String(c.keys.length), ...c.keys, ...c.argv], T0);
        const answered = engine.stats.nativeScriptCalls ?? 0;
        nativeCalls += answered;
        if (answered > 0) nativeByScript.set(c.script.name, (nativeByScript.get(c.script.name) ?? 0) + 1);
      }),
      { numRuns: 2500, seed: 21 },
    );
    // The comparison must have exercised the native path of every script, and errors (with their line numbers).
    expect(nativeCalls).toBeGreaterThan(500);
    for (const name of NATIVE_SCRIPT_NAMES) expect(nativeByScript.get(name) ?? 0, name).toBeGreaterThan(10);
    expect(errorsCompared).toBeGreaterThan(50);
  });

  it("the published libraries' own lock scripts run natively (redlock 4 and 5, @sesamecare-oss/redlock, redlock-universal's compare scripts)", async () => {
    const vmRuns = vi.spyOn(LuaVm.prototype, 'run');
    try {
      for (const [ref, variant] of [['library-redlock4', '3-nodes'], ['library-redlock5', 'using-3-nodes'], ['library-sesamecare-redlock', 'using-cut-off'], ['library-redlock-universal', 'in-model']] as const) {
        vmRuns.mockClear();
        const run = await sweepOne(await loadScenario(ref), ref, variant, 3);
        expect(run.acquisitions, `${ref}/${variant}`).toBeGreaterThan(0);
        expect(vmRuns, `${ref}/${variant}`).not.toHaveBeenCalled();
      }
      // And one whose scripts have no native version does use the VM (so the spy sees it).
      vmRuns.mockClear();
      await sweepOne(await loadScenario('library-redis-semaphore'), 'library-redis-semaphore', 'Mutex', 3);
      expect(vmRuns).toHaveBeenCalled();
    } finally {
      vmRuns.mockRestore();
    }
  }, 60_000);

  it('an error raised inside a native script names the script and the line, as Lua does', () => {
    for (const native of [true, false]) {
      const engine = new RedisEngine({ nativeScripts: native });
      const s = engine.newSession();
      engine.execute(s, ['HSET', 'k', 'f', 'v'], T0);
      const body = 'if redis.call("get",KEYS[1]) == ARGV[1] then\n    return redis.call("del",KEYS[1])\nelse\n    return 0\nend';
      const reply = engine.execute(s, ['EVAL', body, '1', 'k', 'v'], T0);
      expect(reply).toEqual({ kind: 'error', message: expect.stringMatching(/^WRONGTYPE Operation against a key holding the wrong kind of value script: [0-9a-f]{40}, on @user_script:1\.$/) });
      engine.execute(s, ['SET', 'k2', 'v'], T0);
      const pexpire = engine.execute(s, ['EVAL', nativeTemplate('compare-and-pexpire'), '1', 'k2', 'v', 'soon'], T0);
      expect(pexpire).toEqual({ kind: 'error', message: expect.stringMatching(/^ERR value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:1\.$/) });
      expect(engine.stats.nativeScriptCalls).toBe(native ? 2 : 0);
    }
  });
});
