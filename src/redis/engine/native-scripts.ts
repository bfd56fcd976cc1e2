/**
 * Well-known lock scripts run as JavaScript instead of in the Lua VM: compare-and-delete,
 * compare-and-pexpire and the recreate-missing renewal (locksim's own locks, and the forms the
 * Redis documentation gives), and the acquire, extend and release scripts of redlock 4 and 5. A
 * script call in fengari costs some microseconds; these take a fraction of one, and lock scripts
 * are most of what a simulated node runs.
 *
 * A script is recognised by its tokens, not its bytes: spacing, comments and the quotes of its
 * strings may differ from the template, nothing else may. Each native script does exactly what
 * its Lua does through the same `redis.call` path (same commands, same arguments, in the same
 * order, so the keyspace, the propagated effects and the stats are the same), converts replies
 * the way Lua would (a nil bulk is `false`, a status reply a table, strings compare byte for
 * byte), and fails as the Lua would: an error reply raised by `redis.call` becomes the same
 * `... script: <sha>, on @user_script:<line>.` reply. A call whose shape the native code does
 * not cover (too few keys or arguments, text that would not come back unchanged from Lua) runs
 * in the VM. test/redis/native-scripts.test.ts runs every native script against the VM on
 * generated keyspaces and arguments and requires identical replies, keyspaces, effects and stats.
 */
import { scriptErrorReply } from './lua-vm.ts';
import { errorTableText } from './lua/redis.ts';
import { integer, ZERO, type Reply } from './reply.ts';

/** `redis.call` / `redis.pcall` for a native script; the engine's own script path. */
export type ScriptCall = (args: string[]) => Reply;

/** Thrown by {@link NativeContext.call} when Lua's `redis.call` would raise. */
class Raised {
  constructor(
    readonly site: number,
    readonly message: string,
  ) {}
}

/**
 * What a native script runs with: redis.call and redis.pcall, numbered by call site, each with
 * the command name as this script spells it (`'get'`, `"GET"`: Redis does not mind the case,
 * but the name is passed on as written, so it is passed on as written here too).
 */
export class NativeContext {
  constructor(
    private readonly command: ScriptCall,
    private readonly names: readonly string[],
  ) {}

  /**
   * `redis.call` at call site `site` (0-based, in the template's order) with `args`, whose first
   * element is a placeholder for the command name: an error reply raises.
   */
  call(site: number, args: string[]): Reply {
    args[0] = this.names[site] as string;
    const reply = this.command(args);
    if (reply.kind === 'error') throw new Raised(site, reply.message);
    return reply;
  }

  /** `redis.pcall` (`args` as for {@link NativeContext.call}): an error reply is returned, as a value. */
  pcall(site: number, args: string[]): Reply {
    args[0] = this.names[site] as string;
    return this.command(args);
  }
}

/** A script with a native implementation. */
interface NativeScript {
  readonly name: string;
  /** The template (one of the texts it is known by; the others differ only in spacing, comments and quotes). */
  readonly template: string;
  /** Minimum KEYS and ARGV it needs (fewer: Lua would pass nil to a command; the VM runs it). */
  readonly minKeys: number;
  readonly minArgs: number;
  /** Which arguments reach commands (the others are only compared, which needs no round trip). */
  readonly passesArgs: number;
  /** Any further condition on the arguments for the native code to run them. */
  readonly accepts?: (argv: readonly string[]) => boolean;
  run(c: NativeContext, keys: readonly string[], argv: readonly string[]): Reply;
}

/** A Lua value as `==` sees it, for a reply a script got: true when it is the string `s`. */
function isString(reply: Reply, s: string): boolean {
  // A bulk reply becomes a Lua string; nil becomes false; the others a number or a table. Lua
  // compares strings byte for byte, and equal UTF-16 strings are exactly those with equal bytes
  // (fengari's encoding of a JS string is one-to-one), so `===` decides as Lua does.
  return reply.kind === 'bulk' && reply.value === s;
}

/** Lua's `v == false` for a reply: a nil bulk (or nil array). */
function isFalse(reply: Reply): boolean {
  return (reply.kind === 'bulk' || reply.kind === 'array') && reply.value === null;
}

/** `return <reply of redis.call>` for an integer reply: the same integer (a Lua number holds it exactly). */
function returnInteger(reply: Reply): Reply {
  return reply.kind === 'integer' && Number.isSafeInteger(reply.value) ? reply : unexpected(reply);
}

function unexpected(reply: Reply): never {
  throw new Error(`native script: unexpected reply ${reply.kind}`);
}

/** `tonumber(s)` of a Lua string that is a plain decimal integer, and the text Lua passes on for it: the same digits. */
const PLAIN_INTEGER = /^(0|[1-9][0-9]{0,14})$/;

/**
 * The acquire, extend and release scripts of redlock 4 and 5, and of @sesamecare-oss/redlock,
 * which first SELECTs the database in ARGV[1] (by `redis.pcall`, so a failure is ignored) and
 * so reads its value and TTL one argument later.
 */
function redlockScripts(family: 'redlock' | 'sesamecare'): NativeScript[] {
  const select = family === 'sesamecare';
  // ARGV index of the value and of the TTL, and the first call site after the SELECT.
  const v = select ? 1 : 0;
  const first = select ? 1 : 0;
  const prefix = select
    ? `

  -- Protected call to execute SELECT command if supported
  redis.pcall("SELECT", tonumber(ARGV[1]))

`
    : '';
  const n = (i: number): number => i + (select ? 1 : 0);
  /** The SELECT of sesamecare's scripts; false when ARGV[1] is not a plain integer (the VM runs those). */
  const selectFirst = (c: NativeContext, argv: readonly string[]): void => {
    if (select) c.pcall(0, ['', argv[0] as string]);
  };
  const plainSelect = (argv: readonly string[]): boolean => !select || PLAIN_INTEGER.test(argv[0] ?? '');
  return [
    {
      name: `${family}-acquire`,
      template: `${prefix}
  -- Return 0 if an entry already exists.
  for i, key in ipairs(KEYS) do
    if redis.call("exists", key) == 1 then
      return 0
    end
  end

  -- Create an entry for each provided key.
  for i, key in ipairs(KEYS) do
    redis.call("set", key, ARGV[${n(1)}], "PX", ARGV[${n(2)}])
  end

  -- Return the number of entries added.
  return #KEYS
`,
      minKeys: 0,
      minArgs: n(2),
      passesArgs: n(2),
      accepts: plainSelect,
      run(c, keys, argv) {
        selectFirst(c, argv);
        for (const key of keys) {
          const exists = c.call(first, ['', key]);
          if (exists.kind === 'integer' && exists.value === 1) return ZERO;
        }
        for (const key of keys) c.call(first + 1, ['', key, argv[v] as string, 'PX', argv[v + 1] as string]);
        return integer(keys.length);
      },
    },
    {
      name: `${family}-extend`,
      template: `${prefix}
  -- Return 0 if an entry exists with a *different* lock value.
  for i, key in ipairs(KEYS) do
    if redis.call("get", key) ~= ARGV[${n(1)}] then
      return 0
    end
  end

  -- Update the entry for each provided key.
  for i, key in ipairs(KEYS) do
    redis.call("set", key, ARGV[${n(1)}], "PX", ARGV[${n(2)}])
  end

  -- Return the number of entries updated.
  return #KEYS
`,
      minKeys: 0,
      minArgs: n(2),
      passesArgs: n(2),
      accepts: plainSelect,
      run(c, keys, argv) {
        selectFirst(c, argv);
        for (const key of keys) if (!isString(c.call(first, ['', key]), argv[v] as string)) return ZERO;
        for (const key of keys) c.call(first + 1, ['', key, argv[v] as string, 'PX', argv[v + 1] as string]);
        return integer(keys.length);
      },
    },
    {
      name: `${family}-release`,
      template: `${prefix}
  local count = 0
  for i, key in ipairs(KEYS) do
    -- Only remove entries for *this* lock value.
    if redis.call("get", key) == ARGV[${n(1)}] then
      redis.pcall("del", key)
      count = count + 1
    end
  end

  -- Return the number of entries removed.
  return count
`,
      minKeys: 0,
      minArgs: n(1),
      passesArgs: select ? 1 : 0,
      accepts: plainSelect,
      run(c, keys, argv) {
        selectFirst(c, argv);
        let count = 0;
        for (const key of keys) {
          if (isString(c.call(first, ['', key]), argv[v] as string)) {
            c.pcall(first + 1, ['', key]);
            count++;
          }
        }
        return integer(count);
      },
    },
  ];
}

/** The scripts, by name. */
const SCRIPTS: readonly NativeScript[] = [
  {
    // Also redlock-universal's DELETE_IF_MATCH (the same tokens, upper-case command names).
    name: 'compare-and-delete',
    template: "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end",
    minKeys: 1,
    minArgs: 1,
    passesArgs: 0,
    run(c, keys, argv) {
      if (isString(c.call(0, ['', keys[0] as string]), argv[0] as string)) return returnInteger(c.call(1, ['', keys[0] as string]));
      return ZERO;
    },
  },
  {
    // Also redlock-universal's EXTEND_IF_MATCH.
    name: 'compare-and-pexpire',
    template: "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) else return 0 end",
    minKeys: 1,
    minArgs: 2,
    passesArgs: 2,
    run(c, keys, argv) {
      if (isString(c.call(0, ['', keys[0] as string]), argv[0] as string)) return returnInteger(c.call(1, ['', keys[0] as string, argv[1] as string]));
      return ZERO;
    },
  },
  {
    name: 'recreate-missing',
    template:
      "local v=redis.call('get',KEYS[1]) if v==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) " +
      "elseif v==false then redis.call('set',KEYS[1],ARGV[1],'PX',ARGV[2]) return 1 else return 0 end",
    minKeys: 1,
    minArgs: 2,
    passesArgs: 2,
    run(c, keys, argv) {
      const key = keys[0] as string;
      const v = c.call(0, ['', key]);
      if (isString(v, argv[0] as string)) return returnInteger(c.call(1, ['', key, argv[1] as string]));
      if (isFalse(v)) {
        c.call(2, ['', key, argv[0] as string, 'PX', argv[1] as string]);
        return integer(1);
      }
      return ZERO;
    },
  },
  ...redlockScripts('redlock'),
  ...redlockScripts('sesamecare'),
];

// ------------------------------------------------------------------------------------------------
// Recognising a script by its tokens

/** A token's kind and text (a string token's text is its value), and the line it starts on. */
interface Token {
  readonly kind: 'name' | 'string' | 'number' | 'op';
  readonly text: string;
  readonly line: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const OPERATORS = ['...', '==', '~=', '<=', '>=', '..', '+', '-', '*', '/', '%', '^', '#', '<', '>', '=', '(', ')', '{', '}', '[', ']', ';', ':', ',', '.'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };

/**
 * The tokens of a Lua chunk, with lines counted as Lua counts them; null for anything outside
 * the small subset the templates use (long strings and comments, unusual escapes, numbers other
 * than plain integers), which simply runs in the VM.
 */
export function luaTokens(source: string): Token[] | null {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;
  const newline = (): void => {
    // \n, \r, \r\n and \n\r are one line break each (llex.c inclinenumber).
    const c = source[i];
    i++;
    if ((source[i] === '\n' || source[i] === '\r') && source[i] !== c) i++;
    line++;
  };
  while (i < n) {
    const c = source[i] as string;
    if (c === '\n' || c === '\r') {
      newline();
      continue;
    }
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '-' && source[i + 1] === '-') {
      if (source[i + 2] === '[') return null;
      while (i < n && source[i] !== '\n' && source[i] !== '\r') i++;
      continue;
    }
    if (NAME_START.test(c)) {
      const start = i;
      while (i < n && NAME_PART.test(source[i] as string)) i++;
      out.push({ kind: 'name', text: source.slice(start, i), line });
      continue;
    }
    if (c >= '0' && c <= '9') {
      const start = i;
      while (i < n && source[i]! >= '0' && source[i]! <= '9') i++;
      if (i < n && /[A-Za-z_.]/.test(source[i] as string)) return null;
      out.push({ kind: 'number', text: source.slice(start, i), line });
      continue;
    }
    if (c === '"' || c === "'") {
      const startLine = line;
      let value = '';
      i++;
      for (;;) {
        if (i >= n) return null;
        const d = source[i] as string;
        if (d === c) break;
        if (d === '\n' || d === '\r') return null;
        if (d === '\\') {
          const e = ESCAPES[source[i + 1] ?? ''];
          if (e === undefined) return null;
          value += e;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      i++;
      out.push({ kind: 'string', text: value, line: startLine });
      continue;
    }
    if (c === '[' && (source[i + 1] === '[' || source[i + 1] === '=')) return null;
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op === undefined) return null;
    out.push({ kind: 'op', text: op, line });
    i += op.length;
  }
  return out;
}

/** Where a template calls `redis.call`/`redis.pcall`: the index of each `redis` token, in order. */
function callSites(tokens: readonly Token[]): number[] {
  const sites: number[] = [];
  for (let i = 0; i + 3 < tokens.length; i++) {
    const t = tokens[i] as Token;
    const member = tokens[i + 2] as Token;
    if (t.kind === 'name' && t.text === 'redis' && tokens[i + 1]?.text === '.' && (member.text === 'call' || member.text === 'pcall') && tokens[i + 3]?.text === '(') sites.push(i);
  }
  return sites;
}

interface Template {
  readonly script: NativeScript;
  readonly tokens: readonly Token[];
  readonly sites: readonly number[];
}

const TEMPLATES: readonly Template[] = SCRIPTS.map((script) => {
  const tokens = luaTokens(script.template);
  if (tokens === null) throw new Error(`native script ${script.name}: its template does not tokenize`);
  return { script, tokens, sites: callSites(tokens) };
});

/** A recognised script: its native code and the line of each of its call sites in this text. */
export interface NativeMatch {
  readonly name: string;
  readonly lines: readonly number[];
  /** Runs it, or returns null when this call's shape is one the VM must run. */
  run(command: ScriptCall, sha: string, keys: readonly string[], argv: readonly string[]): Reply | null;
}

/**
 * Whether `tokens` are the template's: the same, except that the command name of a call (the
 * string right after `redis.call(`) may differ in case. Returns the names as this text spells
 * them, by call site, or null.
 */
function matchTokens(template: Template, tokens: readonly Token[]): string[] | null {
  const a = template.tokens;
  if (a.length !== tokens.length) return null;
  const names: string[] = [];
  let site = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] as Token;
    const u = tokens[i] as Token;
    if (t.kind !== u.kind) return null;
    if (site < template.sites.length && i === (template.sites[site] as number) + 4) {
      if (t.kind !== 'string' || t.text.toLowerCase() !== u.text.toLowerCase()) return null;
      names.push(u.text);
      site++;
      continue;
    }
    if (t.text !== u.text) return null;
  }
  return names.length === template.sites.length ? names : null;
}

/**
 * True when `s` comes back from Lua as the same JS string: no surrogates (a lone one does not
 * survive the UTF-8 round trip) and no byte-order mark (the decoder drops a leading one).
 */
function roundTrips(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0xd800) return false;
  return true;
}

function matchFor(template: Template, tokens: readonly Token[], names: readonly string[]): NativeMatch | null {
  const lines: number[] = [];
  for (const site of template.sites) {
    // `redis . call (` on one line: the line Lua reports for the call is then not in doubt.
    const line = tokens[site]!.line;
    for (let k = 1; k <= 3; k++) if (tokens[site + k]!.line !== line) return null;
    lines.push(line);
  }
  const script = template.script;
  return {
    name: script.name,
    lines,
    run(command, sha, keys, argv) {
      if (keys.length < script.minKeys || argv.length < script.minArgs) return null;
      for (const key of keys) if (!roundTrips(key)) return null;
      for (let i = 0; i < script.passesArgs; i++) if (!roundTrips(argv[i] as string)) return null;
      if (script.accepts !== undefined && !script.accepts(argv)) return null;
      try {
        return script.run(new NativeContext(command, names), keys, argv);
      } catch (e) {
        if (!(e instanceof Raised)) throw e;
        return scriptErrorReply(errorTableText(`-${e.message}`), sha, '@user_script', String(lines[e.site]));
      }
    },
  };
}

const recognised = new Map<string, NativeMatch | null>();

/** The native version of the script `body`, or null if it has none. */
export function nativeScript(body: string): NativeMatch | null {
  let match = recognised.get(body);
  if (match === undefined) {
    match = null;
    const tokens = luaTokens(body);
    if (tokens !== null) {
      for (const template of TEMPLATES) {
        const names = matchTokens(template, tokens);
        if (names !== null) {
          match = matchFor(template, tokens, names);
          break;
        }
      }
    }
    if (recognised.size >= 1000) recognised.clear();
    recognised.set(body, match);
  }
  return match;
}

/** The names of the scripts that have a native version (for docs and tests). */
export const NATIVE_SCRIPT_NAMES: readonly string[] = SCRIPTS.map((s) => s.name);

/** The template of each native script, by name (for tests). */
export function nativeTemplate(name: string): string {
  const script = SCRIPTS.find((s) => s.name === name);
  if (script === undefined) throw new Error(`no native script named '${name}' (${NATIVE_SCRIPT_NAMES.join(', ')})`);
  return script.template;
}
