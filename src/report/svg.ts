import { clientsOf } from '../check/incidents.ts';
import type { FaultRecord, HistoryEvent, ResourceWrite } from '../check/history.ts';
import type { LostUpdateViolation } from '../check/damage.ts';
import type { FencingViolation } from '../check/fencing.ts';
import { hasNoExpiry, overlapsText, violationText } from './words.ts';
import type { LivenessViolation } from '../check/liveness.ts';
import type { MutexViolation } from '../check/mutex.ts';
import { criticalSections, type Section } from '../check/sections.ts';
import type { RunResult, Violation } from '../scenario/run.ts';
import type { TimeSource } from '../locks/interface.ts';
import type { Micros } from '../sim/time.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { DEFAULT_EPOCH_MS } from '../sim/world.ts';
import { clockTrack, localAt, offsetSeries, trueTimeWhenLocalReaches, type ClockTrack, type OffsetPoint } from './clocks.ts';
import { esc, fmtMs, groupThousands, num } from './escape.ts';
import { commandBursts, readKeyCommands } from '../check/key-commands.ts';
import { KEY_BAR, KEY_LANE, nodeKeyMarks, type LaneFrame } from './key-marks.ts';
import { expiredGrantMarks, renewalMarks } from './lease-marks.ts';
import { RESOURCE_LANE, resourceLane } from './resource-lane.ts';
import { clientColour, cross, DANGER, LEFT, packRows, PLOT, shade, signedMs, textWidth, title, WIDTH } from './svg-kit.ts';

export { clientColour } from './svg-kit.ts';

/**
 * The SVG timeline of one run, in TRUE time (the x axis, ms). From top to bottom:
 *
 * - a legend, then the faults as labelled bars (packed into as many rows as their labels
 *   need), then the time axis and the violation labels;
 * - a lane per client: acquire attempts (history: invoke → ok/fail) as thin bars; critical
 *   sections from `criticalSections` (exactly what the mutex checker judged) as thick bars;
 *   a dashed mark where the client's OWN clock (the lease's time source) reached the lease's
 *   `validUntil`, and the rest of the section after it in red; for the earlier holder of a
 *   violation whose clock reached it only after its section (a clock stepped back), a dotted
 *   line to where it did (and, in a close-up, where a violated section's clock reaches it after
 *   the section); resource writes from `history.writes` (● accepted, ✕ refused); renewals with
 *   the validity each bought and a grant already expired (lease-marks.ts); the process's own
 *   pauses and crashes hatched (kernel trace: pause→resume, crash→restart);
 * - a lane for the protected resource: every write with its token (resource-lane.ts);
 * - a lane per Redis node: its availability (paused, crashed), wall-clock steps and drift
 *   changes from the trace, the lock key's lifetimes (`history.keys`, or `keyLifetimes`) and,
 *   when the run recorded them (`history.commands`), every command on the key and what it did,
 *   the commands that broke the lock ringed and labelled (key-marks.ts);
 * - a chart per process of its wall clock minus true time (a jump is a step, a drift a slope),
 *   slim for a clock that did neither;
 * - fault intervals (`FaultRecord.at → endedAt`, or the run's end) shaded across every lane,
 *   one colour per fault kind, instants (jump, failover, heal) as lines, each with its
 *   description and effect as a `<title>` tooltip; mutex violations boxed across the two
 *   clients' lanes (overlaps closer than a few pixels share a box), damaged writes ringed.
 *
 * Exact vs approximate: with a kernel trace, clocks (hence the validity marks and the offset
 * charts) are reconstructed exactly (clocks.ts). Without one (a run without `keepTrace`, real
 * mode), a client's clock is interpolated between its own history events, which misplaces a
 * step or a drift change that happened between two events; node clocks are then unknown; and
 * pauses and crashes come from the fault schedule, which misses a `heal` that ended one early.
 * Label widths are estimated from character counts (no font metrics in a pure function); the
 * browser test checks that the labels of real reports do not overlap.
 *
 * Deterministic: the same run gives the same bytes.
 */

/** A lock key's life on one node, in true time (see {@link TimelineInput.keyLifetimes}). */
export type { KeyLifetime } from '../check/history.ts';
import type { KeyLifetime } from '../check/history.ts';
import { faultEffectText } from '../faults/record.ts';
import { FAULT_TABLE, isFaultKind, kindOf } from '../faults/table.ts';

export interface TimelineInput {
  readonly result: RunResult;
  /** Each Redis node's lock-key lifetimes in true time, instead of the history's own (`history.keys`). */
  readonly keyLifetimes?: readonly KeyLifetime[];
  /** The wall-clock reading (ms since the epoch) true time 0 corresponds to (default: the simulator's epoch; in real mode the median first offset). */
  readonly epochMs?: number;
  /** Real mode (changes how the epoch is guessed). */
  readonly real?: boolean;
  /** Only this true-time window, µs (default: the whole run). */
  readonly window?: { readonly from: Micros; readonly to: Micros };
  /** The `id` of the `<svg>` element. */
  readonly id?: string;
}

// ---------------------------------------------------------------------------------------------
// Colours and geometry

/** A fault kind's colour (each kind names its own: src/faults/kinds/); grey for a kind this version does not know. */
export function faultColour(kind: string): string {
  return isFaultKind(kind) ? FAULT_TABLE[kind].report.colour : '#888888';
}

/** Fault kinds that happen at an instant (drawn as a line, not a band). */
function isInstant(kind: string): boolean {
  return isFaultKind(kind) && FAULT_TABLE[kind].report.instant;
}

const CLIENT_LANE = 66;
const NODE_LANE = 30;
const CLOCK_LANE = 40;
const FLAT_CLOCK_LANE = 20;
const HEADER = 22;
const FAULT_ROW = 17;

// ---------------------------------------------------------------------------------------------
// What is drawn, derived from the run

interface Interval {
  readonly from: Micros;
  readonly to: Micros;
  readonly what: 'paused' | 'crashed';
}

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
 * When a process was paused or crashed. From the trace (exact) when there is one; otherwise
 * from the fault schedule (an approximation: a `heal` that ends a fault early is not seen).
 */
function downIntervals(process: string, result: RunResult): Interval[] {
  const end = result.history.endedAt;
  const out: Interval[] = [];
  if (result.trace !== null) {
    let open: { at: Micros; what: 'paused' | 'crashed' } | null = null;
    for (const e of result.trace) {
      if (e.process !== process) continue;
      if (e.kind === 'pause' && open === null) open = { at: e.at, what: 'paused' };
      else if (e.kind === 'crash') {
        if (open !== null) out.push({ from: open.at, to: e.at, what: open.what });
        open = { at: e.at, what: 'crashed' };
      } else if ((e.kind === 'resume' && open?.what === 'paused') || (e.kind === 'restart' && open?.what === 'crashed')) {
        out.push({ from: open.at, to: e.at, what: open.what });
        open = null;
      }
    }
    if (open !== null) out.push({ from: open.at, to: end, what: open.what });
    return out;
  }
  for (const f of result.faults) {
    const kind = kindOf(f);
    const stops = kind.report.stops?.(f);
    if (stops?.process !== process) continue;
    const until = kind.end(f);
    out.push({ from: f.at * 1000, to: until === undefined ? end : Math.min(end, until * 1000), what: stops.what });
  }
  return out;
}

/** Wall-clock steps and drift changes of a process, as the trace recorded them. */
function clockEvents(process: string, trace: readonly TraceEntry[] | null): TraceEntry[] {
  return trace === null ? [] : trace.filter((e) => e.process === process && (e.kind === 'jump' || e.kind === 'drift'));
}

/** The wall-clock reading true time 0 corresponds to. */
export function guessEpochMs(result: RunResult, real: boolean): number {
  if (!real) return DEFAULT_EPOCH_MS;
  // Real mode: true time is the machine's monotonic clock, so there is no fixed epoch. Use the
  // median of the processes' first (wall − true) readings: the chart then shows each clock's
  // offset relative to the typical clock of the run, which is what the faults changed.
  const firsts: number[] = [];
  const seen = new Set<string>();
  for (const e of result.history.events) {
    if (seen.has(e.process) || !Number.isFinite(e.wallMs)) continue;
    seen.add(e.process);
    firsts.push(e.wallMs - e.at / 1000);
  }
  if (firsts.length === 0) return 0;
  firsts.sort((a, b) => a - b);
  return firsts[Math.floor(firsts.length / 2)] as number;
}

/**
 * A clock's offset chart within [t0, t1]: the knots inside, and the offset at both edges (so a
 * close-up draws the part of the curve it shows, not the whole run squeezed into its window).
 */
function windowSeries(track: ClockTrack, epochMs: number, runEnd: Micros, t0: Micros, t1: Micros): OffsetPoint[] {
  const at = (t: Micros): OffsetPoint => ({ at: t, offsetMs: localAt(track, 'wall', t) - epochMs - t / 1000 });
  const from = Math.max(t0, track.knots[0]?.at ?? t0);
  const to = Math.min(t1, runEnd);
  if (to < from) return [];
  return [at(from), ...offsetSeries(track, epochMs, runEnd).filter((pt) => pt.at > from && pt.at < to), at(to)];
}

/**
 * A lease's validUntil for people, relative to the run's start: a wall-clock lease is ms since
 * the epoch (`1767225604948`), shown as ms since true time 0 on that clock (`4 948.0 ms`); a
 * monotonic one is the process's own reading, already relative.
 */
export function leaseTimeText(source: TimeSource, validUntil: number, epochMs: number): string {
  return fmtMs((source === 'wall' ? validUntil - epochMs : validUntil) * 1000);
}

/** Where the section's own clock reached its lease's validity, in true time (null: not within the section). */
export function validityEnd(section: Section, track: ClockTrack | null): Micros | null {
  if (track === null) return null;
  return trueTimeWhenLocalReaches(track, section.lease.timeSource, section.validUntil, section.start, section.end);
}

// ---------------------------------------------------------------------------------------------
// Small SVG helpers

function niceStep(rangeMs: number, target: number): number {
  const raw = Math.max(rangeMs / target, 1e-3);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * pow) return m * pow;
  return 10 * pow;
}

function tickLabel(ms: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return groupThousands(ms.toFixed(decimals));
}

/** A short fault label: the description without its `@…ms` prefix (the bar shows when). */
function faultLabel(f: FaultRecord): string {
  return f.description.replace(/^@[\d.]+ms\s+/, '');
}

/** Where a damage mark goes: the write's (or, for a token grant, the acquire's) lane and true time. */
function damagePoint(v: LostUpdateViolation | FencingViolation): { process: string; at: Micros } {
  return v.property === 'lost-update' ? v.write : v;
}

/** The short label of a fencing violation next to its mark. */
const FENCING_LABEL: Readonly<Record<FencingViolation['kind'], string>> = {
  'token-reused': 'token reused',
  'token-out-of-order': 'token went back',
  'stale-write-accepted': 'stale write accepted',
  'holder-refused': 'holder refused',
};

interface MutexCluster {
  readonly a: string;
  readonly b: string;
  readonly items: MutexViolation[];
  from: Micros;
  to: Micros;
}

/**
 * Mutex violations come one per pair of overlapping sections: a holder paused through many of
 * another client's sections gives many. They are drawn as clusters: per pair of clients (in
 * either order), overlaps closer than a few pixels apart share one dashed box and one label.
 */
function mutexClusters(violations: readonly Violation[], inView: (from: Micros, to: Micros) => boolean, x: (t: Micros) => number): MutexCluster[] {
  const byPair = new Map<string, MutexViolation[]>();
  for (const v of violations) {
    if (v.property !== 'mutex' || !inView(v.overlapStart, v.overlapEnd)) continue;
    const [a, b] = [v.first.process, v.second.process].sort();
    const key = `${v.resource}\u0000${a}\u0000${b}`;
    byPair.set(key, [...(byPair.get(key) ?? []), v]);
  }
  const clusters: MutexCluster[] = [];
  for (const list of byPair.values()) {
    let current: MutexCluster | null = null;
    for (const v of [...list].sort((p, q) => p.overlapStart - q.overlapStart)) {
      if (current !== null && x(v.overlapStart) - x(current.to) < 24) {
        current.items.push(v);
        current.to = Math.max(current.to, v.overlapEnd);
        continue;
      }
      const [a, b] = [v.first.process, v.second.process].sort() as [string, string];
      current = { a, b, items: [v], from: v.overlapStart, to: v.overlapEnd };
      clusters.push(current);
    }
  }
  return clusters.sort((p, q) => p.from - q.from);
}

// ---------------------------------------------------------------------------------------------

export function renderTimelineSvg(input: TimelineInput): string {
  const { result } = input;
  const history = result.history;
  const clients = result.processes.clients;
  const nodes = result.processes.nodes;
  const runEnd = Math.max(history.endedAt, 1);
  const t0 = input.window?.from ?? 0;
  const t1 = Math.max(input.window?.to ?? runEnd, t0 + 1);
  const x = (t: Micros): number => LEFT + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * PLOT;
  const inView = (from: Micros, to: Micros): boolean => to >= t0 && from <= t1;
  const windowed = input.window !== undefined;
  const epochMs = input.epochMs ?? guessEpochMs(result, input.real === true);
  const colourOf = new Map(clients.map((c, i) => [c, clientColour(i)]));
  const sections = criticalSections(history);
  const tracks = new Map<string, ClockTrack | null>([...clients, ...nodes].map((p) => [p, clockTrack(p, result.trace, history.events)]));
  const out: string[] = [];
  const hatchId = `${input.id ?? 'timeline'}-hatch`;
  // The lock key, command by command (simulated runs record them; see check/key-commands.ts).
  const readings = readKeyCommands(history);
  const bursts = commandBursts(readings);
  const quorum = Math.floor((history.lockNodes?.length ?? nodes.length) / 2) + 1;
  const frame: LaneFrame = { x, inView, colourOf: (p) => colourOf.get(p) };

  // --- Legend -------------------------------------------------------------------------------
  const faultKinds = [...new Set(history.faults.map((f) => f.kind))];
  const legendItems: Array<{ draw: (lx: number, ly: number) => string; label: string }> = [
    { label: 'critical section', draw: (lx, ly) => `<rect x="${lx}" y="${ly - 6}" width="22" height="10" rx="2" fill="${clientColour(0)}"/>` },
    { label: 'past the validity it computed', draw: (lx, ly) => `<rect x="${lx}" y="${ly - 6}" width="22" height="10" rx="2" fill="${DANGER}"/>` },
    { label: 'own clock reaches validUntil', draw: (lx, ly) => `<line x1="${lx + 11}" x2="${lx + 11}" y1="${ly - 8}" y2="${ly + 6}" stroke="#111" stroke-width="1.5" stroke-dasharray="3 2"/>` },
    { label: 'acquire attempt', draw: (lx, ly) => `<rect x="${lx}" y="${ly - 3}" width="22" height="5" fill="#aab2bd"/>` },
    { label: 'write accepted', draw: (lx, ly) => `<circle cx="${lx + 11}" cy="${ly - 1}" r="4.5" fill="#1a7f37" stroke="#fff" stroke-width="1.5"/>` },
    { label: 'write refused', draw: (lx, ly) => cross(lx + 11, ly - 1, 3.5) },
    { label: 'violation', draw: (lx, ly) => `<rect x="${lx}" y="${ly - 7}" width="22" height="12" fill="${DANGER}" fill-opacity="0.12" stroke="${DANGER}" stroke-width="1.5" stroke-dasharray="4 2"/>` },
    { label: 'paused / down', draw: (lx, ly) => `<rect x="${lx}" y="${ly - 6}" width="22" height="10" fill="url(#${hatchId})" stroke="#555" stroke-width="0.5"/>` },
    ...(readings.length === 0
      ? []
      : [
          { label: 'key: won', draw: (lx: number, ly: number) => `<circle cx="${lx + 11}" cy="${ly - 1}" r="4" fill="${clientColour(0)}"/>` },
          { label: 'extended', draw: (lx: number, ly: number) => `<path d="M${lx + 11},${ly - 6} L${lx + 15},${ly - 1} L${lx + 11},${ly + 4} L${lx + 7},${ly - 1} Z" fill="${clientColour(0)}"/>` },
          { label: 'deleted', draw: (lx: number, ly: number) => `<path d="M${lx + 7.5},${ly - 4.5} L${lx + 14.5},${ly + 2.5} M${lx + 14.5},${ly - 4.5} L${lx + 7.5},${ly + 2.5}" stroke="#3d434b" stroke-width="2.2"/>` },
          { label: 'left as it was (lost, no-op)', draw: (lx: number, ly: number) => `<line x1="${lx + 11}" x2="${lx + 11}" y1="${ly - 6}" y2="${ly + 4}" stroke="#8a939e"/>` },
          { label: 'expired on the node\'s clock', draw: (lx: number, ly: number) => `<path d="M${lx + 7},${ly - 7} L${lx + 15},${ly - 7} L${lx + 7},${ly + 5} L${lx + 15},${ly + 5} Z" fill="#6c757d"/>` },
          { label: 'command that broke the lock', draw: (lx: number, ly: number) => `<circle cx="${lx + 11}" cy="${ly - 1}" r="6" fill="#fff" stroke="${DANGER}" stroke-width="2"/><circle cx="${lx + 11}" cy="${ly - 1}" r="3" fill="${DANGER}"/>` },
        ]),
    ...faultKinds.map((k) => ({ label: `fault: ${k}`, draw: (lx: number, ly: number) => `<rect x="${lx}" y="${ly - 6}" width="22" height="10" fill="${faultColour(k)}" fill-opacity="0.35" stroke="${faultColour(k)}"/>` })),
  ];
  let y = 6;
  {
    let lx = 10;
    let ly = y + 12;
    const parts: string[] = [];
    for (const item of legendItems) {
      const w = 28 + textWidth(item.label) + 18;
      if (lx + w > WIDTH - 10) {
        lx = 10;
        ly += 20;
      }
      parts.push(`<g class="legend-item">${item.draw(lx, ly)}<text x="${lx + 28}" y="${ly + 3}" class="small">${esc(item.label)}</text></g>`);
      lx += w;
    }
    out.push(`<g class="legend">${parts.join('')}</g>`);
    y = ly + 16;
  }

  // --- Fault label rows ---------------------------------------------------------------------
  const faultsInView = history.faults.filter((f) => inView(f.at, isInstant(f.kind) ? f.at : (f.endedAt ?? runEnd)));
  const faultItems = faultsInView.map((f) => {
    const x0 = x(f.at);
    const x1 = isInstant(f.kind) ? x0 : x(f.endedAt ?? runEnd);
    const label = faultLabel(f) + (f.fired ? '' : ' (did nothing)');
    const w = textWidth(label) + 8;
    // A label that would run off the right edge ends at the fault's start instead.
    const start = x0 + w > WIDTH - 4 ? Math.max(LEFT, x0 - w) : x0;
    return { f, x0, x1, label, start, x1label: Math.max(x1, start + w) };
  });
  const faultRows = packRows(faultItems.map((i) => ({ x0: i.start, x1: i.x1label })));
  const faultRowCount = faultRows.length === 0 ? 0 : Math.max(...faultRows) + 1;
  const faultTop = y;
  if (faultItems.length > 0) out.push(`<text x="${LEFT - 8}" y="${faultTop + 12}" class="gutter-title" text-anchor="end">faults</text>`);
  const faultLabels = faultItems.map((item, i) => {
    const row = faultRows[i] as number;
    const ry = faultTop + row * FAULT_ROW;
    const c = faultColour(item.f.kind);
    const bar = isInstant(item.f.kind)
      ? `<path d="M${num(item.x0 - 4)},${ry + 2} L${num(item.x0 + 4)},${ry + 2} L${num(item.x0)},${ry + 8} Z" fill="${c}"/>`
      : `<rect x="${num(item.x0)}" y="${ry + 2}" width="${num(Math.max(2, item.x1 - item.x0))}" height="5" fill="${c}"/>`;
    const anchorLeft = item.start < item.x0;
    return `<g class="fault-label" data-kind="${esc(item.f.kind)}">${title(`${item.f.description}: ${item.f.effect}`)}${bar}<text x="${num(anchorLeft ? item.x0 - 3 : item.x0 + 2)}" y="${ry + 16}" class="small" text-anchor="${anchorLeft ? 'end' : 'start'}" fill="${shade(c)}">${esc(item.label)}</text></g>`;
  });
  out.push(...faultLabels);
  y = faultTop + faultRowCount * FAULT_ROW + (faultRowCount > 0 ? 8 : 0);

  // --- Axis ---------------------------------------------------------------------------------
  const step = niceStep((t1 - t0) / 1000, 12);
  const ticks: number[] = [];
  for (let ms = Math.ceil(t0 / 1000 / step) * step; ms <= t1 / 1000 + 1e-9; ms += step) ticks.push(ms);
  const axisY = y + 16;
  const axis = (ay: number, labelsAbove: boolean): string =>
    `<g class="axis"><line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${ay}" y2="${ay}" stroke="#333"/>` +
    ticks.map((ms) => `<line x1="${num(x(ms * 1000))}" x2="${num(x(ms * 1000))}" y1="${ay - 3}" y2="${ay + 3}" stroke="#333"/><text x="${num(x(ms * 1000))}" y="${labelsAbove ? ay - 6 : ay + 15}" text-anchor="middle" class="small">${tickLabel(ms, step)}</text>`).join('') +
    `<text x="${LEFT - 8}" y="${labelsAbove ? ay - 6 : ay + 15}" text-anchor="end" class="gutter-title">true time, ms</text></g>`;
  out.push(axis(axisY, true));
  const lanesTop = axisY + 4;
  y = lanesTop;

  // --- Client lanes -------------------------------------------------------------------------
  const laneBody: string[] = [];
  const grid = ticks.map((ms) => `<line x1="${num(x(ms * 1000))}" x2="${num(x(ms * 1000))}" y1="${lanesTop}" y2="@BOTTOM@" stroke="#e4e7eb"/>`).join('');
  // Violation labels go in rows above the client lanes, as many rows as they need not to overlap.
  const clusters = mutexClusters(result.violations, inView, x);
  const livenessViolations = result.violations.filter((v): v is LivenessViolation => v.property === 'liveness' && inView(v.healedAt, Math.min(runEnd, v.healedAt + v.boundMs * 1000)));
  const violationLabels = [
    ...clusters.map((c) => ({ x0: x(c.from), xEnd: x(c.to), text: `✕ ${c.a} and ${c.b} both in their critical sections, ${fmtMs(c.from, 0)} – ${fmtMs(c.to, 0)}${c.items.length > 1 ? ` (${c.items.length} overlaps)` : ''}` })),
    ...livenessViolations.map((v) => ({ x0: x(v.healedAt), xEnd: x(Math.min(runEnd, v.healedAt + v.boundMs * 1000)), text: `✕ liveness: ${v.message}` })),
  ].map((l) => {
    const w = textWidth(l.text, 12) + 8;
    const start = l.x0 + w <= LEFT + PLOT ? l.x0 : Math.max(LEFT, Math.min(l.xEnd, LEFT + PLOT) - w);
    return { ...l, start, end: start + w };
  });
  const labelRows = packRows(violationLabels.map((l) => ({ x0: l.start, x1: l.end })));
  const labelRowCount = labelRows.length === 0 ? 1 : Math.max(...labelRows) + 1;
  const clientsHeader = Math.max(HEADER, 8 + labelRowCount * 16);
  const labelY = (i: number): number => lanesTop + clientsHeader - 7 - (labelRows[i] ?? 0) * 16;
  laneBody.push(`<text x="${LEFT - 8}" y="${y + clientsHeader - 7}" text-anchor="end" class="section-title">clients</text>`);
  y += clientsHeader;
  const laneY = new Map<string, number>();
  const sectionsByProcess = new Map<string, Section[]>();
  for (const s of sections) sectionsByProcess.set(s.process, [...(sectionsByProcess.get(s.process) ?? []), s]);
  const writesByProcess = new Map<string, ResourceWrite[]>();
  for (const w of history.writes) writesByProcess.set(w.process, [...(writesByProcess.get(w.process) ?? []), w]);
  const inViolation = new Set<Section>();
  for (const v of result.violations) if (v.property === 'mutex') {
    inViolation.add(v.first);
    inViolation.add(v.second);
  }
  // Sections are the checker's objects; match by identity of start/process for the violations.
  const violatedKey = new Set([...inViolation].map((s) => `${s.process}@${s.start}`));
  const staleHolders = new Set(result.violations.flatMap((v) => (v.property === 'mutex' ? [`${v.first.process}@${v.first.start}`] : [])));

  clients.forEach((client, index) => {
    const top = y;
    laneY.set(client, top);
    const colour = colourOf.get(client) as string;
    const g: string[] = [];
    g.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${CLIENT_LANE}" fill="${index % 2 === 0 ? '#f6f8fa' : '#ffffff'}"/>`);
    g.push(`<rect x="6" y="${top + 14}" width="5" height="26" fill="${colour}"/><text x="16" y="${top + 25}" class="lane-title">${esc(client)}</text><text x="16" y="${top + 39}" class="small muted">client</text>`);
    // The process's own pauses and crashes: a hatched strip under its sections, labelled.
    const downLabels: Array<[number, number]> = [];
    for (const d of downIntervals(client, result)) {
      if (!inView(d.from, d.to)) continue;
      const w = Math.max(1, x(d.to) - x(d.from));
      g.push(`<rect class="down" data-what="${d.what}" x="${num(x(d.from))}" y="${top + 43}" width="${num(w)}" height="${CLIENT_LANE - 46}" fill="url(#${hatchId})" stroke="#8a6d00" stroke-opacity="0.5" stroke-width="0.6">${title(`${client} ${d.what} from ${fmtMs(d.from)} to ${fmtMs(d.to)}`)}</rect>`);
      const label = `${d.what} ${fmtMs(d.to - d.from, 0)}`;
      if (w > textWidth(label) + 10) {
        g.push(`<text x="${num(x(d.from) + 5)}" y="${top + CLIENT_LANE - 7}" class="small down-label halo">${esc(label)}</text>`);
        downLabels.push([x(d.from), x(d.from) + 10 + textWidth(label)]);
      }
    }
    for (const a of acquireAttempts(history.events, client)) {
      const endAt = a.end?.at ?? runEnd;
      if (!inView(a.invoke.at, endAt)) continue;
      const ok = a.end?.kind === 'acquire' && a.end.phase === 'ok';
      const what = a.end === null ? 'never completed' : ok ? 'acquired' : a.end.kind === 'crash' ? 'crashed while acquiring' : `failed${a.end.reason ? ` (${a.end.reason})` : ''}`;
      g.push(`<rect class="attempt" x="${num(x(a.invoke.at))}" y="${top + 5}" width="${num(Math.max(1.2, x(endAt) - x(a.invoke.at)))}" height="7" fill="${ok ? '#5f7d95' : '#aab2bd'}"${a.end === null ? ' fill-opacity="0.6"' : ''}>${title(`acquire ${fmtMs(a.invoke.at)} → ${a.end === null ? 'end of run' : fmtMs(endAt)}: ${what}`)}</rect>`);
    }
    for (const s of sectionsByProcess.get(client) ?? []) {
      if (!inView(s.start, s.end)) continue;
      const sx = x(s.start);
      const sw = Math.max(1.5, x(s.end) - sx);
      const vEnd = validityEnd(s, tracks.get(client) ?? null);
      const tok = s.lease.fencingToken === undefined ? '' : `, token ${s.lease.fencingToken}`;
      const past = Number.isNaN(s.pastValidityMs) ? 'still inside at the end of the run' : hasNoExpiry(s.pastValidityMs) ? 'a lock with no expiry' : s.pastValidityMs > 0 ? `ran ${fmtMs(s.pastValidityMs * 1000)} past the validity it computed` : `ended ${fmtMs(-s.pastValidityMs * 1000)} before its validity`;
      const tip = `${client}'s critical section${tok}: ${fmtMs(s.start)} → ${fmtMs(s.end)} (ended by ${s.endedBy}); lease valid until ${leaseTimeText(s.lease.timeSource, s.validUntil, epochMs)} on its ${s.lease.timeSource} clock; ${past}`;
      g.push(`<g class="section" data-end="${s.endedBy}">${title(tip)}<rect x="${num(sx)}" y="${top + 18}" width="${num(sw)}" height="22" rx="2" fill="${colour}"/>`);
      if (vEnd !== null && vEnd < s.end && inView(vEnd, s.end)) {
        g.push(`<rect class="past-validity" x="${num(x(vEnd))}" y="${top + 18}" width="${num(Math.max(1, x(s.end) - x(vEnd)))}" height="22" fill="${DANGER}"/>`);
      }
      if (sw > 120) {
        const label = `in critical section${tok}`;
        const room = (vEnd !== null && vEnd < s.end ? x(vEnd) : x(s.end)) - sx;
        if (room > textWidth(label) + 10) g.push(`<text x="${num(sx + 5)}" y="${top + 33}" class="small on-dark">${esc(label)}</text>`);
      }
      g.push('</g>');
      if (vEnd !== null && vEnd < s.end && inView(vEnd, vEnd)) {
        const vx = x(vEnd);
        g.push(`<g class="validity-mark">${title(`${client}'s ${s.lease.timeSource} clock reaches validUntil ${leaseTimeText(s.lease.timeSource, s.validUntil, epochMs)} at true ${fmtMs(vEnd)}: from here the section outran the lease it believed in`)}<line x1="${num(vx)}" x2="${num(vx)}" y1="${top + 15}" y2="${top + CLIENT_LANE - 4}" stroke="#111" stroke-width="1.5" stroke-dasharray="3 2"/>`);
        if (violatedKey.has(`${s.process}@${s.start}`) || x(s.end) - vx > 60) {
          const label = `lease validity ends on ${client}'s clock`;
          const right = vx + 4 + textWidth(label) < LEFT + PLOT;
          const lx0 = right ? vx : vx - textWidth(label) - 4;
          const lx1 = right ? vx + textWidth(label) + 4 : vx;
          // Under the bar unless a pause label is there already; then above it.
          const clash = downLabels.some(([a, b]) => a < lx1 && lx0 < b);
          g.push(`<text x="${num(right ? vx + 4 : vx - 4)}" y="${clash ? top + 14 : top + CLIENT_LANE - 7}" text-anchor="${right ? 'start' : 'end'}" class="small strong halo">${esc(label)}</text>`);
        }
        g.push('</g>');
      }
      // A section of a violation that ended before its own clock reached validUntil: show where
      // that clock does reach it. For the earlier holder whose clock got there late (stepped
      // back, or slow), that says why it believed it was still safe; for any other, that the
      // other client entered while this one's lease was still valid by its own clock.
      if (violatedKey.has(`${s.process}@${s.start}`) && (vEnd === null || vEnd >= s.end) && inView(s.end, s.end)) {
        const track = tracks.get(client) ?? null;
        const horizon = Math.max(runEnd, t1);
        const later = track === null ? null : trueTimeWhenLocalReaches(track, s.lease.timeSource, s.validUntil, s.end, horizon);
        const ex = x(s.end);
        const vx = later === null ? LEFT + PLOT : x(later);
        // Only when the clock got there late: later than a true clock would have (its belief was wrong).
        const nominal = track === null ? 0 : s.start + (s.validUntil - localAt(track, s.lease.timeSource, s.start)) * 1000;
        const late = later === null ? nominal <= horizon : later - nominal > Math.max(1_000, (nominal - s.start) * 0.005);
        // Not for every section of a long incident (the marks would pile up): in a close-up, or when a lane has few.
        const few = windowed || (sectionsByProcess.get(client) ?? []).filter((o) => violatedKey.has(`${o.process}@${o.start}`)).length <= 2;
        if (track !== null && few && !late && later !== null && inView(later, later) && vx - ex > 6) {
          const label = `${client}'s lease still valid until here (its own clock)`;
          const right = vx + 4 + textWidth(label) < LEFT + PLOT;
          g.push(
            `<g class="validity-mark" data-after-section="true" data-late="false">${title(`${client}'s ${s.lease.timeSource} clock reaches its lease's validUntil (${leaseTimeText(s.lease.timeSource, s.validUntil, epochMs)}) at true ${fmtMs(later)}: ${fmtMs(later - s.end)} after its section ended`)}` +
              `<line x1="${num(ex)}" x2="${num(vx)}" y1="${top + 29}" y2="${top + 29}" stroke="#111" stroke-width="1.2" stroke-dasharray="1 3"/>` +
              `<line x1="${num(vx)}" x2="${num(vx)}" y1="${top + 15}" y2="${top + CLIENT_LANE - 4}" stroke="#111" stroke-width="1.5" stroke-dasharray="3 2"/>` +
              `<text x="${num(right ? vx + 4 : vx - 4)}" y="${top + CLIENT_LANE - 7}" text-anchor="${right ? 'start' : 'end'}" class="small strong halo">${esc(label)}</text></g>`,
          );
        }
        if (staleHolders.has(`${s.process}@${s.start}`) && track !== null && late && vx - ex > 6) {
          const label = later === null ? `${client}'s clock reaches validUntil only after the run` : `${client}'s clock reaches validUntil only at ${fmtMs(later, 0)}`;
          const right = vx + 4 + textWidth(label) < LEFT + PLOT;
          g.push(
            `<g class="validity-mark" data-after-section="true" data-late="true">${title(`${client} believed its lease valid until ${leaseTimeText(s.lease.timeSource, s.validUntil, epochMs)} on its ${s.lease.timeSource} clock, which ${later === null ? 'did not get there before the run ended' : `got there only at true ${fmtMs(later)}`}: long after its section ended`)}` +
              `<line x1="${num(ex)}" x2="${num(vx)}" y1="${top + 29}" y2="${top + 29}" stroke="#111" stroke-width="1.2" stroke-dasharray="1 3"/>` +
              (later === null ? '' : `<line x1="${num(vx)}" x2="${num(vx)}" y1="${top + 15}" y2="${top + CLIENT_LANE - 4}" stroke="#111" stroke-width="1.5" stroke-dasharray="3 2"/>`) +
              `<text x="${num(right ? vx + 4 : vx - 4)}" y="${top + CLIENT_LANE - 7}" text-anchor="${right ? 'start' : 'end'}" class="small strong halo">${esc(label)}</text></g>`,
          );
        }
      }
    }
    for (const w of writesByProcess.get(client) ?? []) {
      if (!inView(w.at, w.at)) continue;
      const wx = x(w.at);
      const tip = `write ${w.value} (based on read ${w.readValue}; the value was ${w.before})${w.token === undefined ? '' : ` token ${w.token}`} at ${fmtMs(w.at)}: ${w.accepted ? 'accepted' : `REFUSED${w.reason ? `: ${w.reason}` : ''}`}`;
      if (w.accepted) g.push(`<circle class="write" data-accepted="true" cx="${num(wx)}" cy="${top + 29}" r="4.5" fill="#1a7f37" stroke="#fff" stroke-width="1.5">${title(tip)}</circle>`);
      else {
        g.push(`<g class="write" data-accepted="false">${title(tip)}${cross(wx, top + 29, 4)}</g>`);
        g.push(`<text x="${num(wx + 9)}" y="${top + 14}" class="small strong halo" fill="${DANGER}">write refused</text>`);
      }
    }
    g.push(...renewalMarks(client, bursts, quorum, frame, top), ...expiredGrantMarks(client, history.events, frame, top));
    laneBody.push(`<g class="lane" data-process="${esc(client)}" data-role="client">${g.join('')}</g>`);
    y += CLIENT_LANE;
  });

  // --- The protected resource (Kleppmann's figure: the tokens it saw, what it accepted) ------
  if (history.writes.length > 0) {
    y += 4;
    const resource = history.events.find((e) => e.resource !== undefined && e.resource !== '')?.resource ?? '';
    laneBody.push(resourceLane(resource, history.writes, frame, y, clients.length % 2 === 0 ? '#f6f8fa' : '#ffffff'));
    y += RESOURCE_LANE;
  }

  // --- Node lanes ---------------------------------------------------------------------------
  y += 6;
  const keyLifetimes = input.keyLifetimes ?? (input.result.history.keys?.length ? input.result.history.keys : undefined);
  const byCommand = readings.length > 0;
  const nodeLane = byCommand ? KEY_LANE : NODE_LANE;
  const about = byCommand
    ? "the lock key on each node: its lifetime (a bar per value, in its holder's colour) and every command that touched it; hover for what each did"
    : keyLifetimes === undefined
      ? 'availability, clock steps and drift (the run recorded no key data: no key lifetimes, no commands)'
      : "availability and the lock key's lifetime on each node";
  laneBody.push(`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" class="section-title">Redis nodes</text><text x="${LEFT}" y="${y + 15}" class="small muted">${esc(about)}</text>`);
  y += HEADER;
  nodes.forEach((node, index) => {
    const top = y;
    laneY.set(node, top);
    const g: string[] = [];
    const mid = byCommand ? top + KEY_BAR.top + KEY_BAR.height / 2 : top + NODE_LANE / 2;
    g.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${nodeLane}" fill="${index % 2 === 0 ? '#f6f8fa' : '#ffffff'}"/>`);
    g.push(`<text x="16" y="${mid + 4}" class="lane-title">${esc(node)}</text>`);
    g.push(`<line class="up" x1="${LEFT}" x2="${LEFT + PLOT}" y1="${mid}" y2="${mid}" stroke="#b5bcc6" stroke-width="2"/>`);
    for (const k of keyLifetimes ?? []) {
      if (k.node !== node) continue;
      const to = k.to ?? runEnd;
      if (!inView(k.from, to)) continue;
      const c = k.holder === undefined ? '#5f7d95' : (colourOf.get(k.holder) ?? '#5f7d95');
      g.push(`<rect class="key" x="${num(x(k.from))}" y="${byCommand ? top + KEY_BAR.top : top + 7}" width="${num(Math.max(1, x(to) - x(k.from)))}" height="${byCommand ? KEY_BAR.height : NODE_LANE - 14}" rx="2" fill="${c}" fill-opacity="0.55">${title(`${k.key}${k.holder === undefined ? '' : ` (${k.holder}'s value)`} on ${node}: ${fmtMs(k.from)} → ${k.to === null ? 'end of run' : fmtMs(k.to)}${k.endedBy ? ` (${k.endedBy})` : ''}`)}</rect>`);
    }
    for (const d of downIntervals(node, result)) {
      if (!inView(d.from, d.to)) continue;
      const w = Math.max(1, x(d.to) - x(d.from));
      g.push(`<rect class="down" data-what="${d.what}" x="${num(x(d.from))}" y="${top + 3}" width="${num(w)}" height="${nodeLane - 6}" fill="${d.what === 'crashed' ? '#3d434b' : `url(#${hatchId})`}">${title(`${node} ${d.what} from ${fmtMs(d.from)} to ${fmtMs(d.to)}`)}</rect>`);
      const label = d.what === 'crashed' ? 'down' : 'paused';
      if (w > textWidth(label) + 8) g.push(`<text x="${num(x(d.from) + 4)}" y="${mid + 4}" class="small ${d.what === 'crashed' ? 'on-dark' : 'strong'}">${label}</text>`);
    }
    for (const e of clockEvents(node, result.trace)) {
      if (!inView(e.at, e.at)) continue;
      const ex = x(e.at);
      const c = faultColour(e.kind);
      const label = e.kind === 'jump' ? `clock ${e.detail}` : `drift ${e.detail}`;
      const right = ex + 6 + textWidth(label, 10) < LEFT + PLOT;
      g.push(`<g class="clock-event" data-kind="${e.kind}">${title(`${node}'s wall clock ${e.kind === 'jump' ? `stepped ${e.detail}` : `now drifts ${e.detail}`} at ${fmtMs(e.at)}`)}<path d="M${num(ex)},${mid - 7} L${num(ex + 5)},${mid} L${num(ex)},${mid + 7} L${num(ex - 5)},${mid} Z" fill="${c}" stroke="#fff"/><text x="${num(right ? ex + 8 : ex - 8)}" y="${mid - 4}" text-anchor="${right ? 'start' : 'end'}" class="tiny" fill="${shade(c)}">${esc(label)}</text></g>`);
    }
    if (byCommand) g.push(...nodeKeyMarks(node, readings, history.keys, frame, top));
    laneBody.push(`<g class="lane" data-process="${esc(node)}" data-role="node">${g.join('')}</g>`);
    y += nodeLane;
  });

  // --- Clock offset charts ------------------------------------------------------------------
  y += 6;
  laneBody.push(`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" class="section-title">clocks</text><text x="${LEFT}" y="${y + 15}" class="small muted">each process's wall clock minus true time: a jump is a step, a drift a slope (own scale per chart)</text>`);
  y += HEADER;
  [...clients, ...nodes].forEach((p, index) => {
    const top = y;
    const g: string[] = [];
    const track = tracks.get(p) ?? null;
    const series = track === null ? [] : windowSeries(track, epochMs, runEnd, t0, t1);
    const values = series.map((pt) => pt.offsetMs);
    // A clock that neither drifted nor jumped gets a slim row: a chart of a flat line says nothing.
    const flat = values.length > 0 && values.every((v) => Math.abs(v - (values[0] as number)) < 0.05);
    const height = track === null || flat ? FLAT_CLOCK_LANE : CLOCK_LANE;
    const fill = index % 2 === 0 ? '#f6f8fa' : '#ffffff';
    g.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${height}" fill="${fill}"/>`);
    if (track === null || flat) {
      g.push(`<text x="16" y="${top + 14}" class="small strong">${esc(p)}</text>`);
    } else {
      g.push(`<text x="16" y="${top + 18}" class="lane-title">${esc(p)}</text><text x="16" y="${top + 31}" class="small muted">${track.source === 'trace' ? 'wall − true' : 'wall − true, approx.'}</text>`);
    }
    if (track === null) {
      g.push(`<text x="${LEFT + 6}" y="${top + 14}" class="small muted">no clock readings: the run kept no trace${clients.includes(p) ? ' and this client recorded no events' : ''}</text>`);
    } else {
      // The whole run's chart keeps 0 in view (how far a clock got from true time); a close-up
      // scales to the offsets inside its window (a clock 195 ms ahead there is not 0 to +240).
      let lo = windowed ? Math.min(...values) : Math.min(0, ...values);
      let hi = windowed ? Math.max(...values) : Math.max(0, ...values);
      if (hi - lo < 1) {
        const c = (hi + lo) / 2;
        lo = c - 0.5;
        hi = c + 0.5;
      }
      const yy = flat ? (): number => top + height / 2 : (v: number): number => top + 6 + (1 - (v - lo) / (hi - lo)) * (height - 12);
      const colour = colourOf.get(p) ?? '#3d434b';
      if (!flat && lo <= 0 && hi >= 0) g.push(`<line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${num(yy(0))}" y2="${num(yy(0))}" stroke="#8a939e" stroke-dasharray="2 3"/>`);
      const points = series.map((pt) => `${num(x(pt.at))},${num(yy(pt.offsetMs))}`).join(' ');
      const first = series[0];
      const last = series[series.length - 1];
      const tip = `${p}: wall clock − true time from ${signedMs(first?.offsetMs ?? 0)} to ${signedMs(last?.offsetMs ?? 0)}${track.source === 'history' ? ' (from its history events: approximate between them)' : ''}`;
      g.push(`<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="${flat ? 1.5 : 2}" stroke-linejoin="round">${title(tip)}</polyline>`);
      if (flat) {
        g.push(`<text x="${LEFT + PLOT + 6}" y="${num(top + height / 2 + 3)}" class="tiny">${esc(signedMs(values[0] ?? 0))}, steady</text>`);
      } else {
        g.push(`<text x="${LEFT + PLOT + 6}" y="${num(yy(hi) + 7)}" class="tiny">${esc(signedMs(hi))}</text>`);
        g.push(`<text x="${LEFT + PLOT + 6}" y="${num(yy(lo) + 1)}" class="tiny">${esc(signedMs(lo))}</text>`);
      }
      for (const j of track.jumps) {
        if (!inView(j.at, j.at)) continue;
        const label = `jump ${j.deltaMs >= 0 ? '+' : '−'}${groupThousands(String(Math.abs(j.deltaMs)))} ms`;
        const jx = x(j.at);
        const right = jx + 6 + textWidth(label, 10) < LEFT + PLOT;
        g.push(`<text x="${num(right ? jx + 5 : jx - 5)}" y="${top + height / 2 + 3}" text-anchor="${right ? 'start' : 'end'}" class="tiny halo" fill="${shade(faultColour('jump'))}">${esc(label)}</text>`);
      }
      for (const d of track.drifts) {
        if (!inView(d.at, d.at) || flat) continue;
        const label = `drift ${d.ppm >= 0 ? '+' : '−'}${groupThousands(String(Math.abs(d.ppm)))} ppm`;
        const dx = x(d.at);
        const right = dx + 6 + textWidth(label, 10) < LEFT + PLOT;
        g.push(`<text x="${num(right ? dx + 5 : dx - 5)}" y="${top + height - 4}" text-anchor="${right ? 'start' : 'end'}" class="tiny halo" fill="${shade(faultColour('drift'))}">${esc(label)}</text>`);
      }
    }
    laneBody.push(`<g class="clock" data-process="${esc(p)}" data-source="${track?.source ?? 'none'}"${flat ? ' data-steady="true"' : ''}>${g.join('')}</g>`);
    y += height;
  });
  const lanesBottom = y;

  // --- Fault bands across every lane --------------------------------------------------------
  const bands = faultItems.map(({ f, x0, x1 }) => {
    const instant = isInstant(f.kind);
    const bx = instant ? x0 - 0.75 : x0;
    const bw = instant ? 1.5 : Math.max(2, x1 - x0);
    const c = faultColour(f.kind);
    const ended = instant ? '' : f.endedAt === undefined ? ', to the end of the run' : ` until ${fmtMs(f.endedAt)}`;
    return `<rect class="fault" data-kind="${esc(f.kind)}" x="${num(bx)}" y="${faultTop}" width="${num(bw)}" height="${lanesBottom - faultTop}" fill="${c}" fill-opacity="${instant ? 0.55 : 0.09}">${title(`${f.description}${ended}: ${faultEffectText(f)}`)}</rect>`;
  });

  // --- Violations ---------------------------------------------------------------------------
  const violationShapes: string[] = [];
  const labelText: string[] = [];
  const laneTop = (procs: readonly string[]): [number, number] | null => {
    const ys = procs.map((p) => laneY.get(p)).filter((n): n is number => n !== undefined);
    return ys.length === 0 ? null : [Math.min(...ys) + 1, Math.max(...ys) + CLIENT_LANE - 1];
  };
  clusters.forEach((c, i) => {
    const span = laneTop([c.a, c.b]);
    if (span === null) return;
    const [top, bottom] = span;
    const fills = c.items
      .filter((o) => inView(o.overlapStart, o.overlapEnd))
      .map((o) => `<rect class="overlap" x="${num(x(o.overlapStart))}" y="${top}" width="${num(Math.max(2, x(o.overlapEnd) - x(o.overlapStart)))}" height="${bottom - top}" fill="${DANGER}" fill-opacity="0.16">${title(violationText(o))}</rect>`);
    const label = violationLabels[i] as { x0: number; start: number; text: string };
    const bx = x(c.from);
    const bw = Math.max(3, x(c.to) - bx);
    const ly = labelY(i);
    violationShapes.push(
      `<g class="violation" data-property="mutex" data-processes="${esc(`${c.a} ${c.b}`)}" data-count="${c.items.length}">${title(overlapsText(c.a, c.b, c.items.length, c.from, c.to))}${fills.join('')}` +
        `<rect class="violation-box" x="${num(bx)}" y="${top}" width="${num(bw)}" height="${bottom - top}" fill="none" stroke="${DANGER}" stroke-width="2.5" stroke-dasharray="6 3"/>` +
        `<line x1="${num(bx)}" x2="${num(bx)}" y1="${ly + 3}" y2="${top}" stroke="${DANGER}" stroke-width="2"/></g>`,
    );
    labelText.push(`<text x="${num(label.start + 4)}" y="${ly}" class="violation-label halo">${esc(label.text)}</text>`);
  });
  for (const v of result.violations) {
    const procs = clientsOf(v);
    const tip = violationText(v);
    if (v.property === 'mutex') {
      continue;
    } else if (v.property === 'lost-update' || v.property === 'fencing') {
      const { process, at } = damagePoint(v);
      const ly = laneY.get(process);
      if (ly === undefined || !inView(at, at)) continue;
      const wx = x(at);
      violationShapes.push(`<g class="violation" data-property="${v.property}" data-processes="${esc(procs.join(' '))}">${title(tip)}<circle cx="${num(wx)}" cy="${ly + 29}" r="10" fill="none" stroke="${DANGER}" stroke-width="2.5"/></g>`);
    } else {
      const index = livenessViolations.indexOf(v);
      const span = laneTop(clients);
      if (index < 0 || span === null) continue;
      const [top, bottom] = span;
      const from = v.healedAt;
      const to = Math.min(runEnd, v.healedAt + v.boundMs * 1000);
      const label = violationLabels[clusters.length + index] as { start: number; text: string };
      violationShapes.push(`<g class="violation" data-property="liveness" data-processes="${esc(procs.join(' '))}">${title(tip)}<rect class="violation-box" x="${num(x(from))}" y="${top}" width="${num(Math.max(3, x(to) - x(from)))}" height="${bottom - top}" fill="none" stroke="${DANGER}" stroke-width="2" stroke-dasharray="2 3"/></g>`);
      labelText.push(`<text x="${num(label.start + 4)}" y="${labelY(clusters.length + index)}" class="violation-label halo">${esc(label.text)}</text>`);
    }
  }

  // Damage labels: one per lane and neighbourhood, so that a burst of lost updates reads as one.
  for (const client of clients) {
    const ly = laneY.get(client);
    if (ly === undefined) continue;
    const damage = result.violations
      .filter((v): v is LostUpdateViolation | FencingViolation => (v.property === 'lost-update' || v.property === 'fencing') && damagePoint(v).process === client && inView(damagePoint(v).at, damagePoint(v).at))
      .sort((p, q) => damagePoint(p).at - damagePoint(q).at);
    let i = 0;
    while (i < damage.length) {
      const first = damage[i] as LostUpdateViolation | FencingViolation;
      const startX = x(damagePoint(first).at);
      const one = first.property === 'lost-update' ? `lost update: overwrote ${first.lost}` : `${FENCING_LABEL[first.kind]}: token ${first.token}`;
      let j = i + 1;
      while (j < damage.length && x(damagePoint(damage[j] as LostUpdateViolation | FencingViolation).at) < startX + textWidth(one) + 24) j++;
      const group = damage.slice(i, j);
      const lost = group.filter((v) => v.property === 'lost-update').length;
      const fence = group.length - lost;
      const text = group.length === 1 ? one : [lost > 0 ? `${lost} lost updates` : '', fence > 0 ? `fencing broken ×${fence}` : ''].filter((t) => t !== '').join(', ');
      const right = startX + 12 + textWidth(text) < LEFT + PLOT;
      labelText.push(`<text x="${num(right ? startX + 12 : startX - 12)}" y="${ly + 14}" text-anchor="${right ? 'start' : 'end'}" class="small strong halo" fill="${DANGER}">${esc(text)}</text>`);
      i = j;
    }
  }

  const height = lanesBottom + 34;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline"${input.id === undefined ? '' : ` id="${esc(input.id)}"`} viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`timeline of ${result.scenario}/${result.variant} in true time`)}" data-from="${t0}" data-to="${t1}">`,
    `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3c4" fill-opacity="0.55"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a6d00" stroke-width="1.6" stroke-opacity="0.55"/></pattern></defs>`,
    `<style>${SVG_STYLE.replaceAll('@', `svg.timeline${input.id === undefined ? '' : `#${input.id}`} `)}</style>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<g class="grid">${grid.replaceAll('@BOTTOM@', String(lanesBottom))}</g>`,
    ...laneBody,
    `<g class="faults">${bands.join('')}</g>`,
    ...out,
    `<g class="violations">${violationShapes.join('')}<g class="violation-labels">${labelText.join('')}</g></g>`,
    axis(lanesBottom + 4, false),
    '</svg>',
  ];
  return svg.join('\n');
}

/** `@` stands for the selector of this very SVG: styles in an inline SVG apply to the whole page. */
const SVG_STYLE = [
  '@text{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",Arial,sans-serif;fill:#1f2328}',
  '@.small{font-size:11px}',
  '@.tiny{font-size:10px}',
  '@.muted{fill:#656d76}',
  '@.strong{font-weight:600}',
  '@.on-dark{fill:#fff;font-weight:600}',
  '@.lane-title{font-size:13px;font-weight:600}',
  '@.section-title{font-size:12px;font-weight:700;fill:#656d76;text-transform:uppercase;letter-spacing:.04em}',
  '@.gutter-title{font-size:11px;fill:#656d76}',
  '@.down-label{font-weight:600;fill:#6b5500}',
  '@.halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}',
  `@.violation-label{font-size:12px;font-weight:700;fill:${DANGER}}`,
].join('');
