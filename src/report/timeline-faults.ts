import type { FaultRecord } from '../check/history.ts';
import { faultEffectText } from '../faults/record.ts';
import { FAULT_TABLE, isFaultKind } from '../faults/table.ts';
import { esc, fmtMs, num } from './escape.ts';
import { LEFT, packRows, shade, textWidth, title, WIDTH } from './svg-kit.ts';
import type { Placed, TimelineScene } from './timeline-scene.ts';

/**
 * The faults on the SVG timeline: a labelled bar per fault above the axis (packed into as many
 * rows as their labels need), and its interval shaded across every lane below, one colour per
 * fault kind, instants (jump, failover, heal) as lines, each with its description and effect as
 * a tooltip.
 */

/** A fault kind's colour (each kind names its own: src/faults/kinds/); grey for a kind this version does not know. */
export function faultColour(kind: string): string {
  return isFaultKind(kind) ? FAULT_TABLE[kind].report.colour : '#888888';
}

/** Fault kinds that happen at an instant (drawn as a line, not a band). */
function isInstant(kind: string): boolean {
  return isFaultKind(kind) && FAULT_TABLE[kind].report.instant;
}

const FAULT_ROW = 17;

/** A short fault label: the description without its `@…ms` prefix (the bar shows when). */
function faultLabel(f: FaultRecord): string {
  return f.description.replace(/^@[\d.]+ms\s+/, '');
}

/** A fault in view, where its bar and its label go. */
export interface FaultItem {
  readonly f: FaultRecord;
  readonly x0: number;
  readonly x1: number;
  readonly label: string;
  readonly start: number;
  readonly x1label: number;
}

/** The fault label rows, from `top`; `items` are the faults in view, for {@link faultBands}. */
export function faultLabelRows(scene: TimelineScene, top: number): Placed & { readonly items: readonly FaultItem[] } {
  const { x, inView, runEnd } = scene;
  const faultsInView = scene.result.history.faults.filter((f) => inView(f.at, isInstant(f.kind) ? f.at : (f.endedAt ?? runEnd)));
  const items = faultsInView.map((f): FaultItem => {
    const x0 = x(f.at);
    const x1 = isInstant(f.kind) ? x0 : x(f.endedAt ?? runEnd);
    const label = faultLabel(f) + (f.fired ? '' : ' (did nothing)');
    const w = textWidth(label) + 8;
    // A label that would run off the right edge ends at the fault's start instead.
    const start = x0 + w > WIDTH - 4 ? Math.max(LEFT, x0 - w) : x0;
    return { f, x0, x1, label, start, x1label: Math.max(x1, start + w) };
  });
  const rows = packRows(items.map((i) => ({ x0: i.start, x1: i.x1label })));
  const rowCount = rows.length === 0 ? 0 : Math.max(...rows) + 1;
  const svg: string[] = [];
  if (items.length > 0) svg.push(`<text x="${LEFT - 8}" y="${top + 12}" class="gutter-title" text-anchor="end">faults</text>`);
  items.forEach((item, i) => {
    const ry = top + (rows[i] as number) * FAULT_ROW;
    const c = faultColour(item.f.kind);
    const bar = isInstant(item.f.kind)
      ? `<path d="M${num(item.x0 - 4)},${ry + 2} L${num(item.x0 + 4)},${ry + 2} L${num(item.x0)},${ry + 8} Z" fill="${c}"/>`
      : `<rect x="${num(item.x0)}" y="${ry + 2}" width="${num(Math.max(2, item.x1 - item.x0))}" height="5" fill="${c}"/>`;
    const anchorLeft = item.start < item.x0;
    svg.push(`<g class="fault-label" data-kind="${esc(item.f.kind)}">${title(`${item.f.description}: ${item.f.effect}`)}${bar}<text x="${num(anchorLeft ? item.x0 - 3 : item.x0 + 2)}" y="${ry + 16}" class="small" text-anchor="${anchorLeft ? 'end' : 'start'}" fill="${shade(c)}">${esc(item.label)}</text></g>`);
  });
  return { svg, items, bottom: top + rowCount * FAULT_ROW + (rowCount > 0 ? 8 : 0) };
}

/** Each fault's interval shaded from `top` (its label row) down to the lanes' bottom. */
export function faultBands(items: readonly FaultItem[], top: number, bottom: number): string[] {
  return items.map(({ f, x0, x1 }) => {
    const instant = isInstant(f.kind);
    const bx = instant ? x0 - 0.75 : x0;
    const bw = instant ? 1.5 : Math.max(2, x1 - x0);
    const c = faultColour(f.kind);
    const ended = instant ? '' : f.endedAt === undefined ? ', to the end of the run' : ` until ${fmtMs(f.endedAt)}`;
    return `<rect class="fault" data-kind="${esc(f.kind)}" x="${num(bx)}" y="${top}" width="${num(bw)}" height="${bottom - top}" fill="${c}" fill-opacity="${instant ? 0.55 : 0.09}">${title(`${f.description}${ended}: ${faultEffectText(f)}`)}</rect>`;
  });
}
