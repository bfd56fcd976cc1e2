import type { HistoryEvent, ResourceWrite } from '../check/history.ts';
import { criticalSections, type Section } from '../check/sections.ts';
import { downIntervals } from './down-intervals.ts';
import { esc, fmtMs, num } from './escape.ts';
import { expiredGrantMarks, renewalMarks } from './lease-marks.ts';
import { sectionMarks, type SectionLane } from './section-marks.ts';
import { cross, DANGER, LEFT, PLOT, textWidth, title } from './svg-kit.ts';
import { CLIENT_LANE, type Placed, type TimelineScene } from './timeline-scene.ts';

/**
 * A lane per client on the SVG timeline: acquire attempts (history: invoke → ok/fail) as thin
 * bars; critical sections and their validity (section-marks.ts); resource writes from
 * `history.writes` (● accepted, ✕ refused); renewals with the validity each bought and a grant
 * already expired (lease-marks.ts); the process's own pauses and crashes hatched.
 */

interface Attempt {
  readonly invoke: HistoryEvent;
  readonly end: HistoryEvent | null;
}

/** Acquire invocations paired with their completion (null: never completed). */
function acquireAttempts(events: readonly HistoryEvent[], process: string): Attempt[] {
  const attempts: Attempt[] = [];
  let open: HistoryEvent | null = null;
  for (const e of events) {
    if (e.process !== process) continue;
    if (e.kind === 'acquire' && e.phase === 'invoke') {
      if (open !== null) attempts.push({ invoke: open, end: null });
      open = e;
    } else if (e.kind === 'acquire' && (e.phase === 'ok' || e.phase === 'fail') && open !== null) {
      attempts.push({ invoke: open, end: e });
      open = null;
    } else if (e.kind === 'crash' && open !== null) {
      attempts.push({ invoke: open, end: e });
      open = null;
    }
  }
  if (open !== null) attempts.push({ invoke: open, end: null });
  return attempts;
}

/**
 * The clients' section, from `top`: its title (`header` tall: the violation labels' rows sit in
 * it), then a lane per client. `laneTops` says where each client's lane starts.
 */
export function clientLanes(scene: TimelineScene, top: number, header: number): Placed & { readonly laneTops: ReadonlyMap<string, number> } {
  const { result } = scene;
  const sectionsByProcess = new Map<string, Section[]>();
  for (const s of criticalSections(result.history)) sectionsByProcess.set(s.process, [...(sectionsByProcess.get(s.process) ?? []), s]);
  const writesByProcess = new Map<string, ResourceWrite[]>();
  for (const w of result.history.writes) writesByProcess.set(w.process, [...(writesByProcess.get(w.process) ?? []), w]);
  const inViolation = new Set<Section>();
  for (const v of result.violations) if (v.property === 'mutex') {
    inViolation.add(v.first);
    inViolation.add(v.second);
  }
  // Sections are the checker's objects; match by identity of start/process for the violations.
  const violated = new Set([...inViolation].map((s) => `${s.process}@${s.start}`));
  const staleHolders = new Set(result.violations.flatMap((v) => (v.property === 'mutex' ? [`${v.first.process}@${v.first.start}`] : [])));
  const svg = [`<text x="${LEFT - 8}" y="${top + header - 7}" text-anchor="end" class="section-title">clients</text>`];
  const laneTops = new Map<string, number>();
  let y = top + header;
  scene.clients.forEach((client, index) => {
    laneTops.set(client, y);
    const sections = sectionsByProcess.get(client) ?? [];
    const lane: SectionLane = {
      client,
      top: y,
      colour: scene.colourOf.get(client) as string,
      track: scene.tracks.get(client) ?? null,
      violated,
      staleHolders,
      violatedCount: sections.filter((o) => violated.has(`${o.process}@${o.start}`)).length,
    };
    svg.push(clientLane(scene, lane, index, sections, writesByProcess.get(client) ?? []));
    y += CLIENT_LANE;
  });
  return { svg, laneTops, bottom: y };
}

function clientLane(scene: TimelineScene, lane: SectionLane, index: number, sections: readonly Section[], writes: readonly ResourceWrite[]): string {
  const { client, top, colour } = lane;
  const { result, frame } = scene;
  const g: string[] = [];
  g.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${CLIENT_LANE}" fill="${index % 2 === 0 ? '#f6f8fa' : '#ffffff'}"/>`);
  g.push(`<rect x="6" y="${top + 14}" width="5" height="26" fill="${colour}"/><text x="16" y="${top + 25}" class="lane-title">${esc(client)}</text><text x="16" y="${top + 39}" class="small muted">client</text>`);
  const down = downMarks(scene, client, top);
  g.push(...down.svg, ...attemptMarks(scene, client, top));
  for (const s of sections) g.push(...sectionMarks(scene, lane, s, down.labels));
  g.push(...writeMarks(scene, writes, top));
  g.push(...renewalMarks(client, scene.bursts, scene.quorum, frame, top), ...expiredGrantMarks(client, result.history.events, frame, top));
  return `<g class="lane" data-process="${esc(client)}" data-role="client">${g.join('')}</g>`;
}

/** The process's own pauses and crashes: a hatched strip under its sections, labelled; `labels` are the labels' x spans. */
function downMarks(scene: TimelineScene, client: string, top: number): { svg: string[]; labels: Array<[number, number]> } {
  const { x, inView, hatchId } = scene;
  const g: string[] = [];
  const downLabels: Array<[number, number]> = [];
  for (const d of downIntervals(client, scene.result)) {
    if (!inView(d.from, d.to)) continue;
    const w = Math.max(1, x(d.to) - x(d.from));
    g.push(`<rect class="down" data-what="${d.what}" x="${num(x(d.from))}" y="${top + 43}" width="${num(w)}" height="${CLIENT_LANE - 46}" fill="url(#${hatchId})" stroke="#8a6d00" stroke-opacity="0.5" stroke-width="0.6">${title(`${client} ${d.what} from ${fmtMs(d.from)} to ${fmtMs(d.to)}`)}</rect>`);
    const label = `${d.what} ${fmtMs(d.to - d.from, 0)}`;
    if (w > textWidth(label) + 10) {
      g.push(`<text x="${num(x(d.from) + 5)}" y="${top + CLIENT_LANE - 7}" class="small down-label halo">${esc(label)}</text>`);
      downLabels.push([x(d.from), x(d.from) + 10 + textWidth(label)]);
    }
  }
  return { svg: g, labels: downLabels };
}

function attemptMarks(scene: TimelineScene, client: string, top: number): string[] {
  const { x, inView, runEnd } = scene;
  const g: string[] = [];
  for (const a of acquireAttempts(scene.result.history.events, client)) {
    const endAt = a.end?.at ?? runEnd;
    if (!inView(a.invoke.at, endAt)) continue;
    const ok = a.end?.kind === 'acquire' && a.end.phase === 'ok';
    const what = a.end === null ? 'never completed' : ok ? 'acquired' : a.end.kind === 'crash' ? 'crashed while acquiring' : `failed${a.end.reason ? ` (${a.end.reason})` : ''}`;
    g.push(`<rect class="attempt" x="${num(x(a.invoke.at))}" y="${top + 5}" width="${num(Math.max(1.2, x(endAt) - x(a.invoke.at)))}" height="7" fill="${ok ? '#5f7d95' : '#aab2bd'}"${a.end === null ? ' fill-opacity="0.6"' : ''}>${title(`acquire ${fmtMs(a.invoke.at)} → ${a.end === null ? 'end of run' : fmtMs(endAt)}: ${what}`)}</rect>`);
  }
  return g;
}

function writeMarks(scene: TimelineScene, writes: readonly ResourceWrite[], top: number): string[] {
  const { x, inView } = scene;
  const g: string[] = [];
  for (const w of writes) {
    if (!inView(w.at, w.at)) continue;
    const wx = x(w.at);
    const tip = `write ${w.value} (based on read ${w.readValue}; the value was ${w.before})${w.token === undefined ? '' : ` token ${w.token}`} at ${fmtMs(w.at)}: ${w.accepted ? 'accepted' : `REFUSED${w.reason ? `: ${w.reason}` : ''}`}`;
    if (w.accepted) g.push(`<circle class="write" data-accepted="true" cx="${num(wx)}" cy="${top + 29}" r="4.5" fill="#1a7f37" stroke="#fff" stroke-width="1.5">${title(tip)}</circle>`);
    else {
      g.push(`<g class="write" data-accepted="false">${title(tip)}${cross(wx, top + 29, 4)}</g>`);
      g.push(`<text x="${num(wx + 9)}" y="${top + 14}" class="small strong halo" fill="${DANGER}">write refused</text>`);
    }
  }
  return g;
}
