import { lockWordOf, type KeyLifetime } from '../check/history.ts';
import type { TraceEntry } from '../sim/trace.ts';
import { downIntervals } from './down-intervals.ts';
import { esc, fmtMs, num } from './escape.ts';
import { KEY_BAR, KEY_LANE, nodeKeyMarks } from './key-marks.ts';
import { LEFT, PLOT, shade, textWidth, title } from './svg-kit.ts';
import { faultColour } from './timeline-faults.ts';
import { HEADER, type Placed, type TimelineScene } from './timeline-scene.ts';

/**
 * A lane per Redis node on the SVG timeline: its availability (paused, crashed), wall-clock
 * steps and drift changes from the trace, the lock key's lifetimes and, when the run recorded
 * them (`history.commands`), every command on the key and what it did (key-marks.ts).
 */

/** A node lane without the key's commands is this tall. */
const NODE_LANE = 30;

/** Wall-clock steps and drift changes of a process, as the trace recorded them. */
function clockEvents(process: string, trace: readonly TraceEntry[] | null): TraceEntry[] {
  return trace === null ? [] : trace.filter((e) => e.process === process && (e.kind === 'jump' || e.kind === 'drift'));
}

/** How the node lanes show the key: command by command, as lifetimes only, or not at all. */
interface NodeKeyView {
  readonly byCommand: boolean;
  readonly keyLifetimes: readonly KeyLifetime[] | undefined;
  readonly laneHeight: number;
}

/**
 * The nodes' section, 6 px below `top`: its title and what the lanes show, then a lane per node.
 * `keyLifetimes` (real mode's) replace the history's own; `laneTops` says where each lane starts.
 */
export function nodeLanes(scene: TimelineScene, givenLifetimes: readonly KeyLifetime[] | undefined, top: number): Placed & { readonly laneTops: ReadonlyMap<string, number> } {
  const { result, readings } = scene;
  let y = top + 6;
  const keyLifetimes = givenLifetimes ?? (result.history.keys?.length ? result.history.keys : undefined);
  const byCommand = readings.length > 0;
  const view: NodeKeyView = { byCommand, keyLifetimes, laneHeight: byCommand ? KEY_LANE : NODE_LANE };
  const about = byCommand
    ? "the lock key on each node: its lifetime (a bar per value, in its holder's colour) and every command that touched it; hover for what each did"
    : keyLifetimes === undefined
      ? 'availability, clock steps and drift (the run recorded no key data: no key lifetimes, no commands)'
      : "availability and the lock key's lifetime on each node";
  const svg = [`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" class="section-title">Redis nodes</text><text x="${LEFT}" y="${y + 15}" class="small muted">${esc(about)}</text>`];
  y += HEADER;
  const laneTops = new Map<string, number>();
  scene.nodes.forEach((node, index) => {
    laneTops.set(node, y);
    svg.push(nodeLane(scene, view, node, index, y));
    y += view.laneHeight;
  });
  return { svg, laneTops, bottom: y };
}

function nodeLane(scene: TimelineScene, view: NodeKeyView, node: string, index: number, top: number): string {
  const { byCommand, laneHeight: nodeLane } = view;
  const g: string[] = [];
  const mid = byCommand ? top + KEY_BAR.top + KEY_BAR.height / 2 : top + NODE_LANE / 2;
  g.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${nodeLane}" fill="${index % 2 === 0 ? '#f6f8fa' : '#ffffff'}"/>`);
  g.push(`<text x="16" y="${mid + 4}" class="lane-title">${esc(node)}</text>`);
  g.push(`<line class="up" x1="${LEFT}" x2="${LEFT + PLOT}" y1="${mid}" y2="${mid}" stroke="#b5bcc6" stroke-width="2"/>`);
  g.push(...keyLifetimeBars(scene, view, node, top), ...nodeDownMarks(scene, view, node, top, mid), ...clockEventMarks(scene, node, mid));
  if (byCommand) g.push(...nodeKeyMarks(node, lockWordOf(scene.result.history, node), scene.readings, scene.result.history.keys, scene.frame, top));
  return `<g class="lane" data-process="${esc(node)}" data-role="node">${g.join('')}</g>`;
}

/** The lock key's lifetimes on this node: a bar per value, in its holder's colour. */
function keyLifetimeBars(scene: TimelineScene, { byCommand, keyLifetimes }: NodeKeyView, node: string, top: number): string[] {
  const { x, inView, runEnd, colourOf } = scene;
  const g: string[] = [];
  for (const k of keyLifetimes ?? []) {
    if (k.node !== node) continue;
    const to = k.to ?? runEnd;
    if (!inView(k.from, to)) continue;
    const c = k.holder === undefined ? '#5f7d95' : (colourOf.get(k.holder) ?? '#5f7d95');
    g.push(`<rect class="key" x="${num(x(k.from))}" y="${byCommand ? top + KEY_BAR.top : top + 7}" width="${num(Math.max(1, x(to) - x(k.from)))}" height="${byCommand ? KEY_BAR.height : NODE_LANE - 14}" rx="2" fill="${c}" fill-opacity="0.55">${title(`${k.key}${k.holder === undefined ? '' : ` (${k.holder}'s value)`} on ${node}: ${fmtMs(k.from)} → ${k.to === null ? 'end of run' : fmtMs(k.to)}${k.endedBy ? ` (${k.endedBy})` : ''}`)}</rect>`);
  }
  return g;
}

/** The node's pauses (hatched) and crashes (dark), labelled where there is room. */
function nodeDownMarks(scene: TimelineScene, { laneHeight: nodeLane }: NodeKeyView, node: string, top: number, mid: number): string[] {
  const { x, inView, hatchId } = scene;
  const g: string[] = [];
  for (const d of downIntervals(node, scene.result)) {
    if (!inView(d.from, d.to)) continue;
    const w = Math.max(1, x(d.to) - x(d.from));
    g.push(`<rect class="down" data-what="${d.what}" x="${num(x(d.from))}" y="${top + 3}" width="${num(w)}" height="${nodeLane - 6}" fill="${d.what === 'crashed' ? '#3d434b' : `url(#${hatchId})`}">${title(`${node} ${d.what} from ${fmtMs(d.from)} to ${fmtMs(d.to)}`)}</rect>`);
    const label = d.what === 'crashed' ? 'down' : 'paused';
    if (w > textWidth(label) + 8) g.push(`<text x="${num(x(d.from) + 4)}" y="${mid + 4}" class="small ${d.what === 'crashed' ? 'on-dark' : 'strong'}">${label}</text>`);
  }
  return g;
}

/** The node's wall-clock steps and drift changes: a diamond in the fault's colour, labelled. */
function clockEventMarks(scene: TimelineScene, node: string, mid: number): string[] {
  const { x, inView } = scene;
  const g: string[] = [];
  for (const e of clockEvents(node, scene.result.trace)) {
    if (!inView(e.at, e.at)) continue;
    const ex = x(e.at);
    const c = faultColour(e.kind);
    const label = e.kind === 'jump' ? `clock ${e.detail}` : `drift ${e.detail}`;
    const right = ex + 6 + textWidth(label, 10) < LEFT + PLOT;
    g.push(`<g class="clock-event" data-kind="${e.kind}">${title(`${node}'s wall clock ${e.kind === 'jump' ? `stepped ${e.detail}` : `now drifts ${e.detail}`} at ${fmtMs(e.at)}`)}<path d="M${num(ex)},${mid - 7} L${num(ex + 5)},${mid} L${num(ex)},${mid + 7} L${num(ex - 5)},${mid} Z" fill="${c}" stroke="#fff"/><text x="${num(right ? ex + 8 : ex - 8)}" y="${mid - 4}" text-anchor="${right ? 'start' : 'end'}" class="tiny" fill="${shade(c)}">${esc(label)}</text></g>`);
  }
  return g;
}
