/**
 * A history on disk, judged again later: Jepsen's `analyze`. `locksim run --history FILE` writes
 * one; a user can write one by hand from their own system's log (docs/history-format.md), and
 * `locksim check FILE` feeds it to the same checkers a run uses (judge.ts).
 *
 * The document: `{ "format": "locksim-history/1", "properties": [...], "livenessBoundMs": N,
 * "history": { "events": [...], "writes": [...], ... } }`. Only `history.events` is required;
 * everything else has a default a hand-written history can rely on. A run's JSON report
 * (reports/<scenario>/<variant>.json: schema `locksim-result/1`, or an older report's format
 * `locksim-run/1`) is accepted too: it holds the history.
 * Bad input gets a {@link HistoryFormatError} naming the field, what it must be and what it is.
 */
import type { FaultRecord, History, HistoryEvent, KeyCommand, KeyLifetime, LeaseView, OperationKind, Phase, ResourceWrite } from './history.ts';
import { judge, type Judgement, type Property } from './judge.ts';
import { RESULT_SCHEMA } from '../version.ts';

export const HISTORY_FORMAT = 'locksim-history/1';

const PROPERTIES: readonly Property[] = ['mutex', 'lost-updates', 'fencing', 'liveness'];
const KINDS: readonly OperationKind[] = ['acquire', 'release', 'extend', 'read', 'write', 'abandon', 'crash', 'lost'];
const PHASES: readonly Phase[] = ['invoke', 'ok', 'fail', 'info'];

/** A history with what judging it needs. */
export interface HistoryDocument {
  readonly format: typeof HISTORY_FORMAT;
  /** Which properties to check (default: mutual exclusion, lost updates, fencing, liveness). */
  readonly properties: readonly Property[];
  /** Liveness: once the last fault healed, some waiting client must acquire within this, ms (default 30 000). */
  readonly livenessBoundMs: number;
  /**
   * How each client stood at the end, for liveness: `blocked` (paused or crashed: it could not
   * progress) and `stillTrying` (still sending commands: starved, not stuck). Default: none.
   */
  readonly end: { readonly blocked: readonly string[]; readonly stillTrying: readonly string[] };
  /** Where it came from, if a run wrote it. */
  readonly run?: { readonly scenario: string; readonly variant: string; readonly seed: number; readonly verdict: string };
  readonly history: History;
}

/** A history document that cannot be judged: which field, what it must be. */
export class HistoryFormatError extends Error {
  constructor(source: string, path: string, problem: string) {
    super(`${source}: ${path} ${problem} (the format is in docs/history-format.md)`);
    this.name = 'HistoryFormatError';
  }
}

export const DEFAULT_LIVENESS_BOUND_MS = 30_000;

/** The document a run writes (`locksim run --history`). */
export function historyDocument(
  history: History,
  options: { properties: readonly Property[]; livenessBoundMs: number; end: HistoryDocument['end']; run?: HistoryDocument['run'] },
): HistoryDocument {
  return { format: HISTORY_FORMAT, properties: options.properties, livenessBoundMs: options.livenessBoundMs, end: options.end, run: options.run, history };
}

/** Judges a document with the run's checkers. */
export function judgeHistory(doc: HistoryDocument): Judgement {
  const blocked = new Set(doc.end.blocked);
  const trying = new Set(doc.end.stillTrying);
  return judge(doc.history, doc.properties, { boundMs: doc.livenessBoundMs, blocked: (p) => blocked.has(p), stillTrying: (p) => trying.has(p) });
}

type Json = unknown;
type Fields = Record<string, Json>;

/** Reads a document from JSON text; `source` names it in errors (a file path). */
export function parseHistoryDocument(text: string, source: string): HistoryDocument {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new HistoryFormatError(source, 'the file', `is not JSON: ${(error as Error).message}`);
  }
  const doc = object(raw, source, '$');
  const format = doc.format;
  if (format === 'locksim-run/1' || (doc.schema === RESULT_SCHEMA && doc.history !== undefined)) return fromRunReport(doc, source);
  if (doc.schema === RESULT_SCHEMA) throw new HistoryFormatError(source, '$.history', "is missing: this is a result printed with --json, which leaves the history out; check the report file run writes (reports/<scenario>/<variant>.json) or a history written by run --history");
  if (format !== HISTORY_FORMAT) {
    throw new HistoryFormatError(source, '$.format', `must be "${HISTORY_FORMAT}" (or a run's JSON report, with schema "${RESULT_SCHEMA}"), got ${show(format)}`);
  }
  const properties = doc.properties === undefined ? PROPERTIES : propertyList(doc.properties, source);
  const livenessBoundMs = doc.livenessBoundMs === undefined ? DEFAULT_LIVENESS_BOUND_MS : number(doc.livenessBoundMs, source, '$.livenessBoundMs', { min: 0 });
  const end = doc.end === undefined ? { blocked: [], stillTrying: [] } : endState(doc.end, source);
  const run = doc.run === undefined ? undefined : runInfo(doc.run, source);
  return { format: HISTORY_FORMAT, properties, livenessBoundMs, end, run, history: history(doc.history, source, '$.history') };
}

/** A run's JSON report: its history and properties; liveness as the run left it unknown, so liveness is not judged. */
function fromRunReport(doc: Fields, source: string): HistoryDocument {
  const properties = propertyList(doc.properties ?? PROPERTIES, source).filter((p) => p !== 'liveness');
  const run = { scenario: String(doc.scenario), variant: String(doc.variant), seed: Number(doc.seed), verdict: String(doc.verdict) };
  return { format: HISTORY_FORMAT, properties, livenessBoundMs: DEFAULT_LIVENESS_BOUND_MS, end: { blocked: [], stillTrying: [] }, run, history: history(doc.history, source, '$.history') };
}

function history(value: Json, source: string, path: string): History {
  const h = object(value, source, path);
  const events = array(h.events, source, `${path}.events`).map((e, i) => event(e, i, source, `${path}.events[${i}]`));
  for (let i = 1; i < events.length; i++) {
    if ((events[i] as HistoryEvent).at < (events[i - 1] as HistoryEvent).at) {
      throw new HistoryFormatError(source, `${path}.events[${i}].at`, `goes back in time (${(events[i] as HistoryEvent).at} after ${(events[i - 1] as HistoryEvent).at}): list events in true-time order`);
    }
  }
  const writes = h.writes === undefined ? [] : array(h.writes, source, `${path}.writes`).map((w, i) => write(w, source, `${path}.writes[${i}]`));
  writes.sort((a, b) => a.at - b.at);
  const keys = h.keys === undefined ? [] : array(h.keys, source, `${path}.keys`).map((k, i) => keyLifetime(k, source, `${path}.keys[${i}]`));
  const faults = h.faults === undefined ? [] : array(h.faults, source, `${path}.faults`).map((f, i) => faultRecord(f, source, `${path}.faults[${i}]`));
  const lastAt = Math.max(0, ...events.map((e) => e.at), ...writes.map((w) => w.at));
  const endedAt = h.endedAt === undefined ? lastAt : number(h.endedAt, source, `${path}.endedAt`, { min: lastAt, minWhy: 'the last event or write' });
  const healedAt = h.healedAt === undefined || h.healedAt === null ? null : number(h.healedAt, source, `${path}.healedAt`, { min: 0 });
  const lockNodes = h.lockNodes === undefined ? undefined : stringList(h.lockNodes, source, `${path}.lockNodes`);
  const commands = h.commands === undefined ? undefined : array(h.commands, source, `${path}.commands`).map((c, i) => keyCommand(c, source, `${path}.commands[${i}]`));
  for (let i = 1; i < (commands?.length ?? 0); i++) {
    const [before, after] = [(commands as KeyCommand[])[i - 1] as KeyCommand, (commands as KeyCommand[])[i] as KeyCommand];
    if (after.at < before.at) throw new HistoryFormatError(source, `${path}.commands[${i}].at`, `goes back in time (${after.at} after ${before.at}): list commands in true-time order`);
  }
  return { events, writes, keys, faults, endedAt, healedAt, ...(lockNodes === undefined ? {} : { lockNodes }), ...(commands === undefined ? {} : { commands }) };
}

/**
 * The nodes a history shows, for the timeline's node columns: the lock's nodes first (in their
 * order), then any other node a command or key lifetime names, in order of appearance.
 */
export function historyNodes(history: History): string[] {
  return [...new Set([...(history.lockNodes ?? []), ...(history.commands ?? []).map((c) => c.node), ...history.keys.map((k) => k.node)])];
}

/** A command on the lock key as a node ran it (docs/history-format.md, `history.commands`). */
function keyCommand(value: Json, source: string, path: string): KeyCommand {
  const c = object(value, source, path);
  const state = (name: string): string | null => (c[name] === undefined || c[name] === null ? null : string(c[name], source, `${path}.${name}`));
  const expiry = (name: string): number | null => (c[name] === undefined || c[name] === null ? null : number(c[name], source, `${path}.${name}`, { min: 0 }));
  return {
    at: number(c.at, source, `${path}.at`, { min: 0 }),
    node: string(c.node, source, `${path}.node`),
    key: string(c.key, source, `${path}.key`),
    from: string(c.from, source, `${path}.from`),
    command: string(c.command, source, `${path}.command`),
    reply: c.reply === undefined ? '' : typeof c.reply === 'string' ? c.reply : string(c.reply, source, `${path}.reply`),
    before: state('before'),
    beforeExpiresAt: expiry('beforeExpiresAt'),
    after: state('after'),
    afterExpiresAt: expiry('afterExpiresAt'),
  };
}

function event(value: Json, index: number, source: string, path: string): HistoryEvent {
  const e = object(value, source, path);
  const at = number(e.at, source, `${path}.at`, { min: 0 });
  const kind = oneOf(e.kind, KINDS, source, `${path}.kind`);
  const phase = oneOf(e.phase, PHASES, source, `${path}.phase`);
  const lease = e.lease === undefined || e.lease === null ? undefined : leaseView(e.lease, source, `${path}.lease`);
  if (kind === 'acquire' && phase === 'ok' && lease === undefined) {
    throw new HistoryFormatError(source, `${path}.lease`, 'is missing: an acquire that succeeded says which lease it got ({ "value": ..., "validUntil": ms, "timeSource": "monotonic" })');
  }
  return {
    index: e.index === undefined ? index : integer(e.index, source, `${path}.index`),
    process: string(e.process, source, `${path}.process`),
    kind,
    phase,
    at,
    // A hand-written history may have no per-client clock readings: true time then stands in.
    wallMs: e.wallMs === undefined ? at / 1000 : number(e.wallMs, source, `${path}.wallMs`),
    monoMs: e.monoMs === undefined ? at / 1000 : number(e.monoMs, source, `${path}.monoMs`),
    ...optional(e, 'resource', (v, p) => string(v, source, p), path),
    ...(lease === undefined ? {} : { lease }),
    ...optional(e, 'value', (v, p) => number(v, source, p), path),
    ...optional(e, 'readValue', (v, p) => number(v, source, p), path),
    ...optional(e, 'token', (v, p) => number(v, source, p), path),
    ...optional(e, 'accepted', (v, p) => boolean(v, source, p), path),
    ...optional(e, 'reason', (v, p) => string(v, source, p), path),
  };
}

function leaseView(value: Json, source: string, path: string): LeaseView {
  const l = object(value, source, path);
  return {
    value: string(l.value, source, `${path}.value`),
    validUntil: number(l.validUntil, source, `${path}.validUntil`),
    timeSource: l.timeSource === undefined ? 'monotonic' : oneOf(l.timeSource, ['monotonic', 'wall'] as const, source, `${path}.timeSource`),
    ...optional(l, 'fencingToken', (v, p) => number(v, source, p), path),
  };
}

function write(value: Json, source: string, path: string): ResourceWrite {
  const w = object(value, source, path);
  const written = number(w.value, source, `${path}.value`);
  return {
    at: number(w.at, source, `${path}.at`, { min: 0 }),
    process: string(w.process, source, `${path}.process`),
    value: written,
    readValue: number(w.readValue, source, `${path}.readValue`),
    accepted: boolean(w.accepted, source, `${path}.accepted`),
    before: number(w.before, source, `${path}.before`),
    ...optional(w, 'token', (v, p) => number(v, source, p), path),
    ...optional(w, 'lease', (v, p) => string(v, source, p), path),
    ...optional(w, 'reason', (v, p) => string(v, source, p), path),
  };
}

function keyLifetime(value: Json, source: string, path: string): KeyLifetime {
  const k = object(value, source, path);
  return {
    node: string(k.node, source, `${path}.node`),
    key: string(k.key, source, `${path}.key`),
    from: number(k.from, source, `${path}.from`, { min: 0 }),
    to: k.to === null || k.to === undefined ? null : number(k.to, source, `${path}.to`, { min: 0 }),
    ...optional(k, 'holder', (v, p) => string(v, source, p), path),
    ...optional(k, 'endedBy', (v, p) => oneOf(v, ['expired', 'deleted', 'crash', 'overwritten'] as const, source, p), path),
  };
}

function faultRecord(value: Json, source: string, path: string): FaultRecord {
  const f = object(value, source, path);
  return {
    at: number(f.at, source, `${path}.at`, { min: 0 }),
    description: string(f.description, source, `${path}.description`),
    kind: string(f.kind, source, `${path}.kind`),
    fired: f.fired === undefined ? true : boolean(f.fired, source, `${path}.fired`),
    effect: f.effect === undefined ? '' : string(f.effect, source, `${path}.effect`),
    ...optional(f, 'endedAt', (v, p) => number(v, source, p), path),
  };
}

function endState(value: Json, source: string): HistoryDocument['end'] {
  const e = object(value, source, '$.end');
  return {
    blocked: e.blocked === undefined ? [] : stringList(e.blocked, source, '$.end.blocked'),
    stillTrying: e.stillTrying === undefined ? [] : stringList(e.stillTrying, source, '$.end.stillTrying'),
  };
}

function runInfo(value: Json, source: string): HistoryDocument['run'] {
  const r = object(value, source, '$.run');
  return { scenario: string(r.scenario, source, '$.run.scenario'), variant: string(r.variant, source, '$.run.variant'), seed: number(r.seed, source, '$.run.seed'), verdict: string(r.verdict, source, '$.run.verdict') };
}

function propertyList(value: Json, source: string): Property[] {
  return array(value, source, '$.properties').map((p, i) => oneOf(p, PROPERTIES, source, `$.properties[${i}]`));
}

// --- field readers: each names the field and what it must be -------------------------------

function show(value: Json): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function object(value: Json, source: string, path: string): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HistoryFormatError(source, path, `must be an object, got ${show(value)}`);
  return value as Fields;
}

function array(value: Json, source: string, path: string): Json[] {
  if (!Array.isArray(value)) throw new HistoryFormatError(source, path, `must be an array, got ${show(value)}`);
  return value;
}

function string(value: Json, source: string, path: string): string {
  if (typeof value !== 'string' || value === '') throw new HistoryFormatError(source, path, `must be a non-empty string, got ${show(value)}`);
  return value;
}

function stringList(value: Json, source: string, path: string): string[] {
  return array(value, source, path).map((v, i) => string(v, source, `${path}[${i}]`));
}

function number(value: Json, source: string, path: string, bound: { min?: number; minWhy?: string } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HistoryFormatError(source, path, `must be a finite number, got ${show(value)}`);
  if (bound.min !== undefined && value < bound.min) throw new HistoryFormatError(source, path, `must be at least ${bound.minWhy ?? bound.min} (${bound.min}), got ${value}`);
  return value;
}

function integer(value: Json, source: string, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new HistoryFormatError(source, path, `must be a whole number ≥ 0, got ${show(value)}`);
  return value;
}

function boolean(value: Json, source: string, path: string): boolean {
  if (typeof value !== 'boolean') throw new HistoryFormatError(source, path, `must be true or false, got ${show(value)}`);
  return value;
}

function oneOf<T extends string>(value: Json, allowed: readonly T[], source: string, path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new HistoryFormatError(source, path, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

/** `{ [name]: read(value) }` when the field is present (and not null), else `{}`. */
function optional<T>(fields: Fields, name: string, read: (value: Json, path: string) => T, path: string): Record<string, T> {
  const value = fields[name];
  return value === undefined || value === null ? {} : { [name]: read(value, `${path}.${name}`) };
}
