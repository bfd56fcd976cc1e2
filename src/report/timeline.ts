import type { HistoryEvent } from '../check/history.ts';
import type { RunResult, Violation } from '../scenario/run.ts';

/**
 * The text timeline: one line per event of interest, in true time, with a column per client.
 * Columns: `true ms` (true time), then each client's column (what it did, with `@local` its own
 * clock reading when it matters), then faults and verdicts on full-width lines marked `!!`
 * (a fault applied or healed) and `XX` (a violation).
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
      return `fencing broken: token ${v.write.token} accepted after ${v.highestBefore}`;
    case 'liveness':
      return `liveness: ${v.message}`;
  }
}

function violationTime(v: Violation): number {
  switch (v.property) {
    case 'mutex':
      return v.overlapStart;
    case 'lost-update':
    case 'fencing':
      return v.write.at;
    case 'liveness':
      return v.healedAt;
  }
}

export function renderTimeline(result: RunResult, options: TimelineOptions = {}): string {
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
  lines.sort((a, b) => a.at - b.at || a.order - b.order);
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
