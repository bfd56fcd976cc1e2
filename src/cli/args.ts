/** Flag parsing for the command line: small, strict, and with errors that say what to type. */

export class UsageError extends Error {}

export interface FlagSpec {
  readonly [flag: string]: 'boolean' | 'string' | 'integer';
}

export interface Parsed {
  readonly positional: string[];
  readonly flags: Map<string, string | boolean>;
}

export function parseArgs(command: string, args: readonly string[], spec: FlagSpec): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | boolean>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const kind = spec[name];
    if (kind === undefined) {
      throw new UsageError(`${command}: unknown option '${name}' (options: ${Object.keys(spec).join(', ')}; try: locksim ${command} --help)`);
    }
    if (kind === 'boolean') {
      flags.set(name, true);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${command}: ${name} needs a value, e.g. ${name} ${kind === 'integer' ? '42' : 'VALUE'}`);
    if (kind === 'integer' && !/^-?\d+$/.test(value)) throw new UsageError(`${command}: ${name} takes a whole number, got '${value}'`);
    if (kind === 'integer' && !Number.isSafeInteger(Number(value))) throw new UsageError(`${command}: ${name} takes a whole number up to ${Number.MAX_SAFE_INTEGER}, got '${value}' (it would not replay exactly)`);
    flags.set(name, value);
  }
  return { positional, flags };
}

export function integerFlag(parsed: Parsed, name: string): number | undefined {
  const v = parsed.flags.get(name);
  return typeof v === 'string' ? Number(v) : undefined;
}

export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const v = parsed.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function booleanFlag(parsed: Parsed, name: string): boolean {
  return parsed.flags.get(name) === true;
}

/** `30s`, `2m`, `1h`, `500ms`, or a number of seconds. */
export function parseDuration(command: string, text: string, flag = '--time'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`${command}: ${flag} takes a duration like 30s, 2m, 1h or 500ms, got '${text}'`);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return n;
    case 'm':
      return n * 60_000;
    case 'h':
      return n * 3_600_000;
    default:
      return n * 1000;
  }
}

/** `A..B` (whole numbers, A ≤ B): the seeds A, A+1, …, B. */
export function parseSeedRange(command: string, text: string, flag = '--seeds'): { from: number; to: number } {
  const m = /^(-?\d+)\.\.(-?\d+)$/.exec(text.trim());
  if (m === null) throw new UsageError(`${command}: ${flag} takes a range of seeds like 1..20, got '${text}'`);
  const from = Number(m[1]);
  const to = Number(m[2]);
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new UsageError(`${command}: ${flag} takes seeds up to ${Number.MAX_SAFE_INTEGER}, got '${text}' (they would not replay exactly)`);
  if (from > to) throw new UsageError(`${command}: ${flag} ${text} is empty: the first seed must not be above the last (e.g. ${to}..${from})`);
  return { from, to };
}

/** What `--node-commands` takes: which commands on the lock key the timeline's node columns show. */
export type NodeCommands = 'all' | 'changes' | 'none';

const NODE_COMMANDS: readonly NodeCommands[] = ['all', 'changes', 'none'];

/**
 * The help text of `--node-commands`, the same for every command that draws a timeline, its
 * description starting at `column` (where the command's other flags start theirs).
 */
export function nodeCommandsHelp(column: number): string {
  const text = "which commands on the lock key the timeline's node columns show: all (default), changes (hides the no-op votes and other commands that left the key as it was: a SET NX that lost, a renewal or release that found no key or another's; anomalies always show), or none";
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && column + line.length + 1 + word.length > 96) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  const flag = '  --node-commands W';
  // Where the flag is wider than the command's flag column, the description starts below it.
  const head = flag.length < column ? [] : [flag];
  return [...head, ...lines.map((l, i) => `${(i === 0 && head.length === 0 ? flag : '').padEnd(column)}${l}`)].join('\n');
}

/** `--node-commands all|changes|none`, or undefined when not given. */
export function nodeCommandsFlag(command: string, parsed: Parsed): NodeCommands | undefined {
  const text = stringFlag(parsed, '--node-commands');
  if (text === undefined) return undefined;
  if (!(NODE_COMMANDS as readonly string[]).includes(text)) throw new UsageError(`${command}: --node-commands takes ${NODE_COMMANDS.join(', ')}; got '${text}'`);
  return text as NodeCommands;
}
