import { lockWordOf, SESSION_END, type History, type KeyCommand, type KeyLifetime, type LockWord } from './history.ts';
import type { KeySample } from './keys.ts';
import { criticalSections, type Section } from './sections.ts';
import type { Micros } from '../sim/time.ts';

/** A command that may have touched a watched key, as a node ran it (see RedisNode.onKeyCommand). */
export interface KeyCommandSample {
  readonly at: Micros;
  readonly key: string;
  readonly from: string;
  readonly args: readonly string[];
  /** The reply, short (see {@link KeyCommand.reply}). */
  readonly reply: string;
}

interface KeyState {
  readonly value: string;
  readonly expiresAt: Micros | null;
}

/**
 * Turns the nodes' key observations and commands into {@link KeyCommand}s, online: it keeps each
 * key's last observed value and expiry, so a command that changed the key gets the state just
 * before it (the observation it caused comes first), and one that changed nothing gets the state
 * it found. A value whose expiry has passed counts as absent, as it does on the node.
 */
export class KeyCommandLog {
  /** Each node's keys: their last observed state, and the state before a change a command caused (until that command arrives). */
  private readonly nodes = new Map<string, Map<string, KeyTrack>>();

  constructor(private readonly emit: (command: KeyCommand) => void) {}

  sample(node: string, s: KeySample): void {
    const track = this.track(node, s.key);
    const before = current(track, s.at);
    track.state = s.value === null ? null : { value: s.value, expiresAt: s.expiresAt };
    if (s.cause === 'command') {
      track.pending = before;
      track.hasPending = true;
    }
  }

  command(node: string, c: KeyCommandSample): void {
    const track = this.track(node, c.key);
    const after = current(track, c.at);
    const before = track.hasPending ? track.pending : after;
    track.pending = null;
    track.hasPending = false;
    // EXEC, FLUSHALL and the like name no key: they count only when they changed this one.
    if (before === after && !namesKey(c.args, c.key)) return;
    this.emit({
      at: c.at,
      node,
      key: c.key,
      from: c.from,
      command: commandLabel(c.args),
      reply: c.reply,
      before: before?.value ?? null,
      beforeExpiresAt: before?.expiresAt ?? null,
      after: after?.value ?? null,
      afterExpiresAt: after?.expiresAt ?? null,
    });
  }

  /** One key's track on one node (nested maps: no key string built per command). */
  private track(node: string, key: string): KeyTrack {
    let keys = this.nodes.get(node);
    if (keys === undefined) {
      keys = new Map();
      this.nodes.set(node, keys);
    }
    let track = keys.get(key);
    if (track === undefined) {
      track = { state: null, pending: null, hasPending: false };
      keys.set(key, track);
    }
    return track;
  }
}

/** What the log knows of one key on one node. */
interface KeyTrack {
  state: KeyState | null;
  pending: KeyState | null;
  hasPending: boolean;
}

/** A key's state at `at`: a value whose expiry has passed counts as absent. */
function current(track: KeyTrack, at: Micros): KeyState | null {
  const s = track.state;
  return s !== null && s.expiresAt !== null && s.expiresAt <= at ? null : s;
}

/** Whether the command names `key` among its arguments (not as its name). */
function namesKey(args: readonly string[], key: string): boolean {
  for (let i = 1; i < args.length; i++) if (args[i] === key) return true;
  return false;
}

const EXPIRY_OPTIONS = new Set(['PX', 'EX', 'PXAT', 'EXAT']);
const TTL_COMMANDS = new Set(['PEXPIRE', 'EXPIRE', 'PEXPIREAT', 'EXPIREAT']);

/** A command's name and options, without its key and values: `SET NX PX 10000`, `PEXPIRE 10000`, `EVALSHA`. */
export function commandLabel(args: readonly string[]): string {
  const first = args[0] ?? '';
  // Clients send the same few commands, spelled the same way, again and again.
  const plain = PLAIN_LABELS.get(first);
  if (plain !== undefined) return plain;
  const name = first === 'SET' || first === 'set' ? 'SET' : first.toUpperCase();
  if (name === 'SET') {
    // A lock sends the same SET options over and over: the last label is kept for them.
    if (sameOptions(args, lastSetOptions)) return lastSetLabel;
    let label = 'SET';
    for (let i = 3; i < args.length; i++) {
      const option = (args[i] ?? '').toUpperCase();
      if (EXPIRY_OPTIONS.has(option)) label += ` ${option} ${args[++i] ?? ''}`;
      else label += ` ${option}`;
    }
    lastSetOptions = args.slice(3);
    lastSetLabel = label;
    return label;
  }
  if (TTL_COMMANDS.has(name) && args[2] !== undefined) return `${name} ${args[2]}`;
  return name;
}

let lastSetOptions: readonly string[] = [];
let lastSetLabel = 'SET';

/** Whether a SET's options (from args[3] on) are `options`. */
function sameOptions(args: readonly string[], options: readonly string[]): boolean {
  if (args.length - 3 !== options.length) return false;
  for (let i = 0; i < options.length; i++) if (args[i + 3] !== options[i]) return false;
  return true;
}

/** Commands whose label is their name alone, by the spellings clients use. */
const PLAIN_LABELS = new Map<string, string>();
for (const name of ['EVAL', 'EVALSHA', 'GET', 'DEL', 'EXISTS', 'PTTL', 'TTL', 'INCR', 'MULTI', 'EXEC', 'GETDEL']) {
  PLAIN_LABELS.set(name, name);
  PLAIN_LABELS.set(name.toLowerCase(), name);
}

// ---------------------------------------------------------------------------------------------
// Reading the commands: what each did, whose key it was, and what was wrong with it

/** What a command did to the key. */
export type KeyEffect =
  /** absent before, the sender's value after */
  | 'won'
  /** another value before and after, unchanged (SET NX lost, a compare script that found another value, a read) */
  | 'held'
  /** the same value, a later expiry */
  | 'extended'
  /** absent before and after */
  | 'missed'
  | 'deleted'
  | 'overwritten';

/** What is wrong with a command, for a lock: the mechanisms by which a lock breaks on a node. */
export type KeyAnomaly =
  /** it deleted another client's key (a plain DEL, a late release) */
  | 'stray-delete'
  /** it extended another client's key (a plain PEXPIRE) */
  | 'stray-extend'
  /** it replaced another client's key */
  | 'stray-overwrite'
  /** a holder's renewal re-created its key after the key had gone from the node */
  | 'resurrected'
  /** it won the key while the previous holder was still inside its critical section: the vote arrived after that holder's key expired (or was deleted) here */
  | 'took-over';

export interface KeyCommandReading {
  readonly command: KeyCommand;
  readonly effect: KeyEffect;
  /** The client whose value the key held before and after (undefined: absent, or a value no client is known by). */
  readonly ownerBefore?: string;
  readonly ownerAfter?: string;
  readonly anomaly?: KeyAnomaly;
  /** For `took-over`: the client still inside its section, and how its key had gone from this node. */
  readonly displaced?: { readonly client: string; readonly endedBy?: KeyLifetime['endedBy']; readonly at?: Micros };
  /** The key's new expiry for `won` and `extended`, true time µs. */
  readonly expiresAt?: Micros;
  /** Sent by a client while its acquire was running (a vote, or the clean-up of a failed attempt). */
  readonly acquiring: boolean;
  /** Sent by a client from inside its own critical section, and neither a SET NX nor a GET: a renewal (or an attempt at one). */
  readonly renewal: boolean;
  /** What the node's lock is called (a Redis key, a database's lock, a blob's lease): the words of `text` and of the reports. */
  readonly lockIs: LockWord;
  /** What happened on the node, in a few words (`won`, `lost (client-2's)`, `DELETED client-2's key`). */
  readonly text: string;
}

const ACQUIRE_COMMANDS = /^SET\b.*\bNX\b/;

function effectOf(c: KeyCommand): KeyEffect {
  if (c.before === null) return c.after === null ? 'missed' : 'won';
  if (c.after === null) return 'deleted';
  if (c.after !== c.before) return 'overwritten';
  return c.afterExpiresAt !== c.beforeExpiresAt && (c.beforeExpiresAt === null || c.afterExpiresAt === null || c.afterExpiresAt > c.beforeExpiresAt) ? 'extended' : 'held';
}

/**
 * Every command on the lock key, read against the history: whose key it was, what the command
 * did to it, and which of them broke the lock (a stray DEL, a resurrecting renewal, a vote that
 * took a key whose holder was still working). A value belongs to the client whose acquire
 * returned it; failing that, to the client whose command created it.
 */
export function readKeyCommands(history: History): KeyCommandReading[] {
  const commands = history.commands ?? [];
  if (commands.length === 0) return [];
  const owners = new Map<string, string>();
  for (const e of history.events) if (e.kind === 'acquire' && e.phase === 'ok' && e.lease !== undefined) owners.set(e.lease.value, e.process);
  for (const c of commands) if (c.after !== null && c.before !== c.after && !owners.has(c.after)) owners.set(c.after, c.from);
  // A client's sections (and its acquires) follow one another: sorted by start, found by bisection.
  const sections = new Map<string, Section[]>();
  for (const s of criticalSections(history)) {
    const list = sections.get(s.process);
    if (list === undefined) sections.set(s.process, [s]);
    else list.push(s);
  }
  for (const list of sections.values()) list.sort((a, b) => a.start - b.start);
  const acquires = acquireSpans(history);
  const acquiringAt = (client: string, at: Micros): boolean => {
    const list = acquires.get(client) ?? [];
    const span = list[lastAtOrBefore(list, at, (x) => x[0])];
    return span !== undefined && at <= span[1];
  };
  const sectionAt = (client: string, at: Micros): Section | undefined => {
    const list = sections.get(client) ?? [];
    const s = list[lastAtOrBefore(list, at, (x) => x.start)];
    return s !== undefined && s.start < at && at < s.end ? s : undefined;
  };
  const insideWith = (client: string, value: string, at: Micros): boolean => sectionAt(client, at)?.lease.value === value;
  /** The last value each node's key was seen with. */
  const lastValue = new Map<string, string>();
  return commands.map((c) => {
    const id = `${c.node}\u0000${c.key}`;
    const effect = effectOf(c);
    const acquiring = ACQUIRE_COMMANDS.test(c.command) || acquiringAt(c.from, c.at);
    const ownerBefore = c.before === null ? undefined : owners.get(c.before);
    const ownerAfter = c.after === null ? undefined : owners.get(c.after);
    const stray = ownerBefore !== undefined && ownerBefore !== c.from;
    let anomaly: KeyAnomaly | undefined;
    let displaced: KeyCommandReading['displaced'];
    if (effect === 'deleted' && stray) anomaly = 'stray-delete';
    else if (effect === 'extended' && stray) anomaly = 'stray-extend';
    else if (effect === 'overwritten' && stray) anomaly = 'stray-overwrite';
    else if (effect === 'won' && c.after !== null) {
      const previous = lastValue.get(id);
      const previousOwner = previous === undefined ? undefined : owners.get(previous);
      if (ownerAfter === c.from && insideWith(c.from, c.after, c.at) && !acquiring) anomaly = 'resurrected';
      else if (previous !== undefined && previousOwner !== undefined && previousOwner !== c.from && insideWith(previousOwner, previous, c.at)) {
        anomaly = 'took-over';
        const gone = history.keys.filter((k) => k.node === c.node && k.holder === previousOwner && k.to !== null && k.to <= c.at).at(-1);
        displaced = { client: previousOwner, ...(gone?.endedBy === undefined ? {} : { endedBy: gone.endedBy }), ...(gone?.to === null || gone === undefined ? {} : { at: gone.to }) };
      }
    }
    if (c.after !== null) lastValue.set(id, c.after);
    else if (c.before !== null) lastValue.set(id, c.before);
    const expiresAt = (effect === 'won' || effect === 'extended') && c.afterExpiresAt !== null ? c.afterExpiresAt : undefined;
    // The server ending a holder's session is not the holder renewing.
    const renewal = !acquiring && c.command !== 'GET' && c.command !== SESSION_END && sectionAt(c.from, c.at) !== undefined;
    const reading: KeyCommandReading = {
      command: c,
      effect,
      ...(ownerBefore === undefined ? {} : { ownerBefore }),
      ...(ownerAfter === undefined ? {} : { ownerAfter }),
      ...(anomaly === undefined ? {} : { anomaly }),
      ...(displaced === undefined ? {} : { displaced }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      acquiring,
      renewal,
      lockIs: lockWordOf(history, c.node),
      text: '',
    };
    return { ...reading, text: readingText(reading) };
  });
}

/** Each client's running acquires, [invoked, completed] in true time (completed: the run's end if it never did). */
function acquireSpans(history: History): Map<string, Array<[Micros, Micros]>> {
  const spans = new Map<string, Array<[Micros, Micros]>>();
  const open = new Map<string, Micros>();
  for (const e of history.events) {
    if (e.kind === 'acquire' && e.phase === 'invoke') open.set(e.process, e.at);
    else if ((e.kind === 'acquire' && (e.phase === 'ok' || e.phase === 'fail')) || e.kind === 'crash') {
      const from = open.get(e.process);
      if (from === undefined) continue;
      open.delete(e.process);
      const list = spans.get(e.process);
      if (list === undefined) spans.set(e.process, [[from, e.at]]);
      else list.push([from, e.at]);
    }
  }
  for (const [process, from] of open) spans.set(process, [...(spans.get(process) ?? []), [from, history.endedAt]]);
  return spans;
}

/** The index of the last item whose key is at or before `at` (-1: none), in a list sorted by that key. */
function lastAtOrBefore<T>(list: readonly T[], at: Micros, key: (item: T) => Micros): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(list[mid] as T) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** `client-2's key` (or lock, or lease), or another client's. */
export const whose = (owner: string | undefined, lockIs: LockWord): string => `${owner === undefined ? 'another client' : owner}'s ${lockIs}`;

/** What a command did on its node, in a few words; anomalies in capitals. */
export function readingText(r: Omit<KeyCommandReading, 'text'>): string {
  switch (r.anomaly) {
    case 'stray-delete':
      return `DELETED ${whose(r.ownerBefore, r.lockIs)}`;
    case 'stray-extend':
      return `EXTENDED ${whose(r.ownerBefore, r.lockIs)}`;
    case 'stray-overwrite':
      return `REPLACED ${whose(r.ownerBefore, r.lockIs)}`;
    case 'resurrected':
      return `RE-CREATED its gone ${r.lockIs}`;
    case 'took-over':
      return `won: ${r.displaced?.client ?? 'holder'} STILL IN`;
    default:
      break;
  }
  switch (r.effect) {
    case 'won':
      return 'won';
    case 'held':
      // Only a SET NX is surely a vote: a script sent while acquiring may be a late release as well.
      if (ACQUIRE_COMMANDS.test(r.command.command)) return r.ownerBefore === undefined ? 'lost' : `lost (${r.ownerBefore}'s)`;
      return r.ownerBefore === r.command.from ? 'no change' : r.ownerBefore === undefined ? 'no-op' : `no-op (${r.ownerBefore}'s)`;
    case 'extended':
      return 'extended';
    case 'missed':
      return 'missed: no key';
    case 'deleted':
      return 'deleted';
    case 'overwritten':
      return 'overwritten';
  }
}

/** One sender's commands taken together: the same command to several nodes (Redlock's votes, a renewal), or its repeats at one instant on one node. */
export interface CommandBurst {
  readonly at: Micros;
  readonly from: string;
  readonly readings: KeyCommandReading[];
}

/** A burst gathers what one sender sent within this long of its first command, to each node once. */
const BURST_MICROS = 50_000;

/** Groups readings (in true-time order) into bursts, so a vote to five nodes reads as one line or one mark. */
export function commandBursts(readings: readonly KeyCommandReading[]): CommandBurst[] {
  const out: CommandBurst[] = [];
  /** Each sender's latest burst: votes of two clients that interleave still make one burst each. */
  const open = new Map<string, CommandBurst>();
  for (const r of readings) {
    const c = r.command;
    const current = open.get(c.from);
    const last = current?.readings[current.readings.length - 1]?.command;
    const repeat = last !== undefined && c.at === last.at && c.node === last.node;
    const vote = last !== undefined && current !== undefined && c.command === last.command && c.at - current.at <= BURST_MICROS && !current.readings.some((o) => o.command.node === c.node);
    if (current !== undefined && (repeat || vote)) current.readings.push(r);
    else {
      const burst = { at: c.at, from: c.from, readings: [r] };
      open.set(c.from, burst);
      out.push(burst);
    }
  }
  return out;
}
