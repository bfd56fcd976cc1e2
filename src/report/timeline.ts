import { lockWordOf, type HistoryEvent } from '../check/history.ts';
import { incidentsOf } from '../check/incidents.ts';
import { commandBursts, readKeyCommands, type KeyCommandReading } from '../check/key-commands.ts';
import { DEFAULT_EPOCH_MS } from '../sim/world.ts';
import type { RunResult, Violation } from '../scenario/run.ts';
import { hasNoExpiry, incidentText, violationText } from './words.ts';

/**
 * The text timeline: one line per event of interest, in true time. Columns: `true ms` (true
 * time), then a column per client (what it did, with its lease's validity on its own clock, in
 * ms since the run started), then a column per Redis node when the run recorded the lock key
 * there (which command touched the key and what it did: SET NX won or lost, a renewal
 * extended or missed, a DEL or script deleted, the key expired on the node's clock; the
 * client's column shows the command it sent, `SET NX PX 10000 →`; anomalies in capitals: a
 * DELETED or EXTENDED other client's key, a RE-CREATED gone key, a vote won while the previous
 * holder was STILL INSIDE). Full-width lines: `!!` a fault applied or healed, `##` one incident
 * (one failure: its overlapping pairs and the damage inside, counted by kind), `XX` each
 * violation, `EE` a client died of an uncaught error; an `invalid` run ends with a line saying
 * why it has no verdict.
 */
export interface TimelineOptions {
  /** Column width per client (default 36). */
  readonly width?: number;
  /** Column width per node (default 24). */
  readonly nodeWidth?: number;
  /** At most this many lines (default 200; the first violation's neighbourhood is kept). */
  readonly maxLines?: number;
  /**
   * Which commands on the lock key get a line: `all` (default), `changes` (those that changed
   * the key, and every anomaly; not the SET NX that lost or the renewal that found nothing), `none`.
   */
  readonly commands?: 'all' | 'changes' | 'none';
}

/**
 * The lease's validity on the client's own clock, relative to the run's start, and what was left
 * of it: `valid<9898 (+9895)`; a lease already spent when it came back: `EXPIRED by 5142 ms`.
 */
function validityText(e: HistoryEvent, epochMs: number): string {
  const lease = e.lease;
  if (lease === undefined) return '';
  const wall = lease.timeSource === 'wall';
  const until = wall ? lease.validUntil - epochMs : lease.validUntil;
  const left = lease.validUntil - (wall ? e.wallMs : e.monoMs);
  if (hasNoExpiry(left)) return 'no expiry';
  if (!Number.isFinite(left)) return `valid<${until.toFixed(0)}`;
  // A lock granted with its validity already spent on the client's own clock says so first.
  return left < 0 ? `EXPIRED by ${(-left).toFixed(0)} ms` : `valid<${until.toFixed(0)} (${signed(left)})`;
}

const signed = (ms: number): string => `${ms < 0 ? '−' : '+'}${Math.abs(ms).toFixed(0)}`;

function describe(e: HistoryEvent, epochMs: number): string | null {
  switch (e.kind) {
    case 'acquire':
      if (e.phase === 'invoke') return null;
      if (e.phase === 'ok') {
        const token = e.lease?.fencingToken === undefined ? '' : ` tok=${e.lease.fencingToken}`;
        const validity = validityText(e, epochMs);
        return validity.startsWith('EXPIRED') ? `ACQUIRED${token}, ${validity}` : `ACQUIRED${token} ${validity}`;
      }
      return `acquire failed`;
    case 'extend':
      return e.phase === 'ok' ? `RENEWED ${validityText(e, epochMs)}` : e.phase === 'fail' ? 'renewal failed' : null;
    case 'release':
      return e.phase === 'invoke' ? 'release' : e.phase === 'fail' ? 'release failed' : null;
    case 'read':
      return e.phase === 'ok' ? `read ${e.value}` : e.phase === 'fail' ? 'read failed' : null;
    case 'write':
      if (e.phase === 'invoke') return `write ${e.value}${e.token === undefined ? '' : ` tok=${e.token}`}`;
      return e.accepted === true ? 'write accepted' : `write REFUSED${e.reason ? ` (${e.reason})` : ''}`;
    case 'lost':
      return `LOST: ${e.reason ?? ''}`;
    case 'abandon':
      return `abandon: ${e.reason ?? ''}`;
    case 'crash':
      return 'CRASHED';
    default:
      return null;
  }
}

/**
 * The wall-clock reading true time 0 corresponds to, from the history: the simulator's epoch
 * for a simulated run (its clocks start there, give or take their offsets), else (real mode,
 * a stored history) the median of each process's first wall reading less its true time.
 */
export function historyEpochMs(events: readonly HistoryEvent[]): number {
  const firsts: number[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.process) || !Number.isFinite(e.wallMs)) continue;
    seen.add(e.process);
    firsts.push(e.wallMs - e.at / 1000);
  }
  if (firsts.length === 0) return DEFAULT_EPOCH_MS;
  firsts.sort((a, b) => a - b);
  const median = firsts[Math.floor(firsts.length / 2)] as number;
  return Math.abs(median - DEFAULT_EPOCH_MS) < DAY_MS ? DEFAULT_EPOCH_MS : median;
}

const DAY_MS = 86_400_000;

function violationTime(v: Violation): number {
  switch (v.property) {
    case 'mutex':
      return v.overlapStart;
    case 'lost-update':
      return v.write.at;
    case 'fencing':
      return v.at;
    case 'liveness':
      return v.at;
  }
}

/** What a timeline is drawn from: a run, or a stored history judged again (`locksim check`). */
export type TimelineInput = Pick<RunResult, 'processes' | 'history' | 'faultsFired' | 'violations' | 'processErrors' | 'verdict' | 'invalid'>;

/** `SET NX PX 10000`, `EVAL ×2`, `SET NX PX 10000 + DEL ×16`. */
function commandsText(readings: readonly KeyCommandReading[]): string {
  const counts = new Map<string, number>();
  for (const r of readings) counts.set(r.command.command, (counts.get(r.command.command) ?? 0) + 1);
  const nodes = new Set(readings.map((r) => r.command.node)).size;
  const repeat = Math.max(...counts.values());
  return `${[...counts.keys()].join(' + ')}${repeat > 1 && nodes === 1 ? ` ×${repeat}` : ''}`;
}

/** What a node's cell says for its commands of one burst: distinct outcomes in order, with repeats counted. */
function outcomesText(readings: readonly KeyCommandReading[]): string {
  const counts = new Map<string, number>();
  for (const r of readings) counts.set(nodeCellText(r), (counts.get(nodeCellText(r)) ?? 0) + 1);
  const repeat = Math.max(...counts.values());
  return `${[...counts.keys()].join(' / ')}${repeat > 1 ? ` ×${repeat}` : ''}`;
}

function nodeCellText(r: KeyCommandReading): string {
  if (r.anomaly === undefined && r.effect === 'extended' && r.expiresAt !== undefined) return `extended to ${(r.expiresAt / 1000).toFixed(0)}`;
  return r.text;
}

export function renderTimeline(result: TimelineInput, options: TimelineOptions = {}): string {
  const width = options.width ?? 36;
  const nodeWidth = options.nodeWidth ?? 24;
  const clients = result.processes.clients;
  const history = result.history;
  const epochMs = historyEpochMs(history.events);
  const commandMode = options.commands ?? 'all';
  const commands = commandMode === 'none' ? [] : readKeyCommands(history);
  // Node columns when the run recorded the lock key on its nodes (commands, or at least lifetimes), for the nodes it touched.
  const touched = new Set([...(history.commands ?? []).map((c) => c.node), ...history.keys.map((k) => k.node), ...(history.lockNodes ?? [])]);
  const nodes = result.processes.nodes.filter((n) => touched.has(n));
  const columns = [...clients.map((name) => ({ name, width })), ...nodes.map((name) => ({ name, width: nodeWidth }))];
  const column = new Map(columns.map((c, i) => [c.name, i]));
  type Line = { at: number; order: number; text: string };
  const lines: Line[] = [];
  const fit = (text: string, w: number): string => (text.length > w - 1 ? `${text.slice(0, w - 2)}…` : text).padEnd(w);
  const time = (at: number): string => (at / 1000).toFixed(3).padStart(12);
  const row = (at: number, cells: ReadonlyMap<number, string>): string =>
    `${time(at)} | ${columns.map((c, i) => fit(cells.get(i) ?? '', c.width)).join('| ').trimEnd()}`;
  for (const e of history.events) {
    const text = describe(e, epochMs);
    if (text === null) continue;
    lines.push({ at: e.at, order: 1, text: row(e.at, new Map([[column.get(e.process) ?? 0, text]])) });
  }
  if (nodes.length > 0) {
    const shown = commandMode === 'changes' ? commands.filter((r) => r.anomaly !== undefined || (r.effect !== 'held' && r.effect !== 'missed')) : commands;
    for (const b of commandBursts(shown)) {
      const cells = new Map<number, string>();
      const sender = column.get(b.from);
      if (sender !== undefined) cells.set(sender, `${b.readings.every((r) => r.renewal) ? 'renew: ' : ''}${commandsText(b.readings)} →`);
      for (const node of nodes) {
        const own = b.readings.filter((r) => r.command.node === node);
        if (own.length > 0) cells.set(column.get(node) as number, outcomesText(own));
      }
      lines.push({ at: b.at, order: 1, text: row(b.at, cells) });
    }
    // A key that expired on the node's clock (or died with the node): one line per instant.
    const gone = new Map<number, Map<number, string>>();
    for (const k of history.keys) {
      if (k.to === null || (k.endedBy !== 'expired' && k.endedBy !== 'crash')) continue;
      const index = column.get(k.node);
      if (index === undefined) continue;
      const lockIs = lockWordOf(history, k.node);
      const whose = k.holder === undefined ? `the ${lockIs}` : `${k.holder}'s ${lockIs}`;
      const cells = gone.get(k.to) ?? new Map<number, string>();
      cells.set(index, k.endedBy === 'expired' ? `${whose} expired` : `crash: ${whose}`);
      gone.set(k.to, cells);
    }
    for (const [at, cells] of gone) lines.push({ at, order: 1, text: row(at, cells) });
  }
  for (const f of result.faultsFired) {
    lines.push({ at: f.at, order: 0, text: `${time(f.at)} !! ${f.description}  -> ${f.effect}` });
    if (f.endedAt !== undefined && f.endedAt !== f.at) lines.push({ at: f.endedAt, order: 0, text: `${time(f.endedAt)} !! healed: ${f.description}` });
  }
  for (const incident of incidentsOf(result.violations)) {
    if (incident.violations.length > 1) lines.push({ at: incident.from, order: 2, text: `${time(incident.from)} ## ${incidentText(incident)}` });
    for (const v of incident.violations) lines.push({ at: violationTime(v), order: 3, text: `${time(violationTime(v))} XX ${violationText(v)}` });
  }
  for (const e of result.processErrors) {
    lines.push({ at: e.at, order: 3, text: `${time(e.at)} EE ${e.process} died of an uncaught error: ${e.message}` });
  }
  lines.sort((a, b) => a.at - b.at || a.order - b.order);
  if (result.verdict === 'invalid' && result.invalid !== null) {
    lines.push({ at: history.endedAt, order: 4, text: `${time(history.endedAt)} ?? no verdict (INVALID): ${result.invalid.reason}` });
  }
  const header = `${'true ms'.padStart(12)} | ${columns.map((c) => fit(c.name, c.width)).join('| ').trimEnd()}`;
  const maxLines = options.maxLines ?? 200;
  let body = lines.map((l) => l.text);
  if (body.length > maxLines) {
    // Keep the lines around the first violation (else the first fault) and say what was cut.
    const violation = lines.findIndex((l) => l.order === 2 || l.order === 3);
    const focus = violation >= 0 ? violation : lines.findIndex((l) => l.order === 0);
    const start = Math.max(0, Math.min(body.length - maxLines, (focus < 0 ? 0 : focus) - Math.floor(maxLines / 2)));
    const cut = body.length - maxLines;
    body = [...(start > 0 ? [`${''.padStart(12)}   … ${start} earlier lines`] : []), ...body.slice(start, start + maxLines), ...(start + maxLines < lines.length ? [`${''.padStart(12)}   … ${cut - start} later lines`] : [])];
  }
  return [header, '-'.repeat(header.length), ...body].join('\n');
}
