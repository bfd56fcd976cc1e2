import { clientsOf } from '../check/incidents.ts';
import type { LostUpdateViolation } from '../check/damage.ts';
import type { FencingViolation } from '../check/fencing.ts';
import type { LivenessViolation } from '../check/liveness.ts';
import type { MutexViolation } from '../check/mutex.ts';
import type { Violation } from '../scenario/run.ts';
import type { Micros } from '../sim/time.ts';
import { esc, fmtMs, num } from './escape.ts';
import { DANGER, LEFT, packRows, PLOT, textWidth, title } from './svg-kit.ts';
import { CLIENT_LANE, HEADER, type TimelineScene } from './timeline-scene.ts';
import { overlapsText, violationText } from './words.ts';

/**
 * The violations on the SVG timeline: mutex violations boxed across the two clients' lanes
 * (overlaps closer than a few pixels share a box), liveness violations boxed across every client
 * lane for the time the run had to recover, their labels in rows above the client lanes, and
 * damaged writes (lost updates, fencing broken) ringed, with a label per neighbourhood.
 */

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

/** The violations' labels, laid out in rows above the client lanes before the lanes are drawn. */
export interface ViolationRows {
  readonly clusters: readonly MutexCluster[];
  readonly liveness: readonly LivenessViolation[];
  /** Mutex clusters' labels first, then the liveness violations'. */
  readonly labels: readonly { readonly start: number; readonly text: string }[];
  /** The baseline of label `i`. */
  readonly labelY: (i: number) => number;
  /** The clients' header: tall enough for every row of labels. */
  readonly header: number;
}

/** Violation labels go in rows above the client lanes (which start at `lanesTop`), as many rows as they need not to overlap. */
export function violationRows(scene: TimelineScene, lanesTop: number): ViolationRows {
  const { result, x, inView, runEnd } = scene;
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
  return { clusters, liveness: livenessViolations, labels: violationLabels, labelY, header: clientsHeader };
}

/** Every violation's shapes and labels, on the lanes that start at `laneTops`. */
export function violationMarks(scene: TimelineScene, rows: ViolationRows, laneTops: ReadonlyMap<string, number>): { shapes: string[]; labels: string[] } {
  const { result, clients, x, inView, runEnd } = scene;
  const { clusters, liveness: livenessViolations, labels: violationLabels, labelY } = rows;
  const violationShapes: string[] = [];
  const labelText: string[] = [];
  const laneTop = (procs: readonly string[]): [number, number] | null => {
    const ys = procs.map((p) => laneTops.get(p)).filter((n): n is number => n !== undefined);
    return ys.length === 0 ? null : [Math.min(...ys) + 1, Math.max(...ys) + CLIENT_LANE - 1];
  };
  clusters.forEach((c, i) => {
    const span = laneTop([c.a, c.b]);
    if (span === null) return;
    const [top, bottom] = span;
    const fills = c.items
      .filter((o) => inView(o.overlapStart, o.overlapEnd))
      .map((o) => `<rect class="overlap" x="${num(x(o.overlapStart))}" y="${top}" width="${num(Math.max(2, x(o.overlapEnd) - x(o.overlapStart)))}" height="${bottom - top}" fill="${DANGER}" fill-opacity="0.16">${title(violationText(o))}</rect>`);
    const label = violationLabels[i] as { start: number; text: string };
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
      const ly = laneTops.get(process);
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
  labelText.push(...damageLabels(scene, laneTops));
  return { shapes: violationShapes, labels: labelText };
}

/** Damage labels: one per lane and neighbourhood, so that a burst of lost updates reads as one. */
function damageLabels(scene: TimelineScene, laneTops: ReadonlyMap<string, number>): string[] {
  const { result, clients, x, inView } = scene;
  const labelText: string[] = [];
  for (const client of clients) {
    const ly = laneTops.get(client);
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
  return labelText;
}
