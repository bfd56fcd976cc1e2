import { fencingViolationText } from '../check/fencing.ts';
import type { HistoryEvent } from '../check/history.ts';
import type { QuorumLossCause } from '../check/quorum.ts';
import type { Section } from '../check/sections.ts';
import { mutexIncidents } from '../check/incidents.ts';
import type { MutexViolation } from '../check/mutex.ts';
import type { RunResult, Violation } from '../scenario/run.ts';

/**
 * The text timeline: one line per event of interest, in true time, with a column per client.
 * Columns: `true ms` (true time), then each client's column (what it did, with `@local` its own
 * clock reading when it matters), then faults and verdicts on full-width lines marked `!!`
 * (a fault applied or healed), `XX` (a violation) and `EE` (a client died of an uncaught
 * error); an `invalid` run ends with a line saying why it has no verdict.
 */
export interface TimelineOptions {
  /** Column width per client (default 30). */
  readonly width?: number;
  /** At most this many lines (default 200; the violation's neighbourhood is kept). */
  readonly maxLines?: number;
}

function describe(e: HistoryEvent): string | null {
  switch (e.kind) {
    case 'acquire':
      if (e.phase === 'invoke') return null;
      if (e.phase === 'ok') {
        const token = e.lease?.fencingToken === undefined ? '' : ` tok=${e.lease.fencingToken}`;
        return `ACQUIRED${token} valid<${e.lease?.validUntil.toFixed(0)}`;
      }
      return `acquire failed`;
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

function violationText(v: Violation): string {
  switch (v.property) {
    case 'mutex':
      return `mutual exclusion broken: ${v.first.process} and ${v.second.process} both in their critical sections from ${(v.overlapStart / 1000).toFixed(3)} to ${(v.overlapEnd / 1000).toFixed(3)} ms`;
    case 'lost-update':
      return `lost update: ${v.write.process} wrote ${v.write.value} based on ${v.write.readValue}, but the value was ${v.write.before}`;
    case 'fencing':
      return fencingViolationText(v);
    case 'liveness':
      return `liveness: ${v.message}`;
  }
}

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

export function renderTimeline(result: TimelineInput, options: TimelineOptions = {}): string {
  const width = options.width ?? 30;
  const clients = result.processes.clients;
  const column = new Map(clients.map((c, i) => [c, i]));
  type Line = { at: number; order: number; text: string };
  const lines: Line[] = [];
  const cell = (text: string): string => (text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text).padEnd(width);
  for (const e of result.history.events) {
    const text = describe(e);
    if (text === null) continue;
    const index = column.get(e.process) ?? 0;
    const cells = clients.map((_, i) => (i === index ? cell(text) : ' '.repeat(width)));
    lines.push({ at: e.at, order: 1, text: `${(e.at / 1000).toFixed(3).padStart(12)} | ${cells.join('| ').trimEnd()}` });
  }
  for (const f of result.faultsFired) {
    lines.push({ at: f.at, order: 0, text: `${(f.at / 1000).toFixed(3).padStart(12)} !! ${f.description}  -> ${f.effect}` });
    if (f.endedAt !== undefined && f.endedAt !== f.at) lines.push({ at: f.endedAt, order: 0, text: `${(f.endedAt / 1000).toFixed(3).padStart(12)} !! healed: ${f.description}` });
  }
  for (const v of result.violations) {
    lines.push({ at: violationTime(v), order: 2, text: `${(violationTime(v) / 1000).toFixed(3).padStart(12)} XX ${violationText(v)}` });
  }
  for (const e of result.processErrors) {
    lines.push({ at: e.at, order: 2, text: `${(e.at / 1000).toFixed(3).padStart(12)} EE ${e.process} died of an uncaught error: ${e.message}` });
  }
  lines.sort((a, b) => a.at - b.at || a.order - b.order);
  if (result.verdict === 'invalid' && result.invalid !== null) {
    lines.push({ at: result.history.endedAt, order: 3, text: `${(result.history.endedAt / 1000).toFixed(3).padStart(12)} ?? no verdict (INVALID): ${result.invalid.reason}` });
  }
  const header = `${'true ms'.padStart(12)} | ${clients.map((c) => cell(c)).join('| ').trimEnd()}`;
  const maxLines = options.maxLines ?? 200;
  let body = lines.map((l) => l.text);
  if (body.length > maxLines) {
    // Keep the lines around the first violation (or the first fault) and say what was cut.
    const focus = lines.findIndex((l) => l.order === 2 || l.order === 0);
    const start = Math.max(0, Math.min(body.length - maxLines, (focus < 0 ? 0 : focus) - Math.floor(maxLines / 2)));
    const cut = body.length - maxLines;
    body = [...(start > 0 ? [`${''.padStart(12)}   … ${start} earlier lines`] : []), ...body.slice(start, start + maxLines), ...(start + maxLines < lines.length ? [`${''.padStart(12)}   … ${cut - start} later lines`] : [])];
  }
  return [header, '-'.repeat(header.length), ...body].join('\n');
}

export { violationText };

const LOSS_WORDS: Record<string, string> = {
  expired: 'its lock expired on a quorum',
  deleted: 'its key was deleted on a quorum',
  crash: 'its key was lost in a node crash on a quorum',
  overwritten: 'its key was overwritten on a quorum',
  'never-held': 'it held its lock on no quorum (from the start)',
};

/**
 * How far a section of a mutual-exclusion violation ran past the validity its client computed
 * on its own clock (its latest, after renewals) and past the moment its lock stopped being held
 * on a quorum, with how that happened: `client-1 ran 5203.7 ms past the validity it computed,
 * 310.2 ms past the moment its key was deleted on a quorum (release)`.
 */
export function sectionPastText(s: Section, pastQuorumMs: number | null | undefined, lostBy?: QuorumLossCause | null): string {
  const quorum =
    pastQuorumMs === null || pastQuorumMs === undefined || !Number.isFinite(pastQuorumMs)
      ? ''
      : `, ${pastQuorumMs > 0 ? `${pastQuorumMs.toFixed(1)} ms past the moment` : `${(-pastQuorumMs).toFixed(1)} ms before`} ${LOSS_WORDS[lostBy ?? 'expired'] ?? LOSS_WORDS.expired}`;
  return Number.isNaN(s.pastValidityMs)
    ? `${s.process} still inside at the end${quorum}`
    : `${s.process} ran ${s.pastValidityMs > 0 ? `${s.pastValidityMs.toFixed(1)} ms past` : `${(-s.pastValidityMs).toFixed(1)} ms short of`} the validity it computed${quorum} (${s.endedBy})`;
}

/** The lines under a mutual-exclusion violation: how far each section ran, and the faults then ('' for other violations). */
export function violationDetail(v: Violation): string {
  if (v.property !== 'mutex') return '';
  const faults = v.faultsActive.length > 0 ? `; faults: ${v.faultsActive.join('; ')}` : '';
  return `\n      ${sectionPastText(v.first, v.firstPastQuorumMs, v.firstQuorumLostBy)}; ${sectionPastText(v.second, v.secondPastQuorumMs, v.secondQuorumLostBy)}${faults}`;
}

/**
 * One line per incident of broken mutual exclusion, and one per other violation: what a reader
 * wants first (a pause that overlaps 14 sections is one incident, its pairs inside).
 */
export function violationSummary(violations: readonly Violation[], max = 5): string[] {
  const mutex = violations.filter((v): v is MutexViolation => v.property === 'mutex');
  const lines: string[] = [];
  for (const incident of mutexIncidents(mutex)) {
    const first = incident.pairs[0] as MutexViolation;
    if (incident.pairs.length === 1) {
      lines.push(`${violationText(first)}${violationDetail(first)}`);
      continue;
    }
    const who = [...incident.sections].map(([client, sections]) => `${client} (${sections.length} section${sections.length === 1 ? '' : 's'})`).join(', ');
    lines.push(
      `mutual exclusion broken: one incident of ${incident.pairs.length} overlapping pairs from ${(incident.from / 1000).toFixed(3)} to ${(incident.to / 1000).toFixed(3)} ms: ${who}; the first pair: ${violationText(first).replace(/^mutual exclusion broken: /, '')}${violationDetail(first)}`,
    );
  }
  for (const v of violations) if (v.property !== 'mutex') lines.push(`${violationText(v)}${violationDetail(v)}`);
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
}
