import type { ResourceWrite } from '../check/history.ts';
import { esc, fmtMs, num } from './escape.ts';
import { MARKS_PER_LANE, type LaneFrame } from './key-marks.ts';
import { cross, DANGER, LEFT, PLOT, textWidth, title } from './svg-kit.ts';

/**
 * The protected resource's own lane, as in Kleppmann's figure of fencing: every write as the
 * resource saw it, in the writer's colour (● accepted, ✕ refused), with its fencing token above
 * it (or, unfenced, the value it wrote), and the highest token the resource had seen before it.
 * A write that wiped out another's increment (a lost update) is ringed.
 */

export const RESOURCE_LANE = 50;

export function resourceLane(resource: string, writes: readonly ResourceWrite[], frame: LaneFrame, top: number, fill: string): string {
  const g: string[] = [];
  const mid = top + 30;
  g.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${RESOURCE_LANE}" fill="${fill}"/>`);
  g.push(`<text x="16" y="${top + 25}" class="lane-title">resource</text><text x="16" y="${top + 39}" class="small muted">${esc(resource)}</text>`);
  g.push(`<line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${mid}" y2="${mid}" stroke="#b5bcc6" stroke-width="1"/>`);
  let highest: number | undefined;
  const labels: Array<{ x: number; text: string; colour: string; refused: boolean }> = [];
  // Past a budget, the ordinary accepted writes are drawn together per writer; refused writes and lost updates one by one.
  const inView = writes.filter((w) => frame.inView(w.at, w.at));
  const crowded = inView.length > MARKS_PER_LANE;
  const together = new Map<string, ResourceWrite[]>();
  for (const w of writes) {
    const before = highest;
    if (w.accepted && w.token !== undefined) highest = Math.max(highest ?? w.token, w.token);
    if (!frame.inView(w.at, w.at)) continue;
    const wx = frame.x(w.at);
    const colour = frame.colourOf(w.process) ?? '#3d434b';
    const lost = w.accepted && w.readValue !== w.before;
    if (crowded && w.accepted && !lost) {
      const list = together.get(w.process);
      if (list === undefined) together.set(w.process, [w]);
      else list.push(w);
      continue;
    }
    const seen = before === undefined ? 'no token before' : `highest token seen before: ${before}`;
    const tip = `${w.process} wrote ${w.value} (read ${w.readValue}; the value was ${w.before})${w.token === undefined ? '' : ` with token ${w.token}`} at ${fmtMs(w.at)}: ${w.accepted ? 'accepted' : `REFUSED${w.reason === undefined ? '' : ` (${w.reason})`}`}${w.token === undefined ? '' : `; ${seen}`}${lost ? `; it overwrote ${w.before - w.readValue} increment${w.before - w.readValue === 1 ? '' : 's'} (a lost update)` : ''}`;
    const mark = w.accepted
      ? `<circle cx="${num(wx)}" cy="${mid}" r="4.5" fill="${colour}" stroke="#fff" stroke-width="1.5"/>${lost ? `<circle cx="${num(wx)}" cy="${mid}" r="8" fill="none" stroke="${DANGER}" stroke-width="2"/>` : ''}`
      : cross(wx, mid, 4);
    g.push(`<g class="resource-write" data-process="${esc(w.process)}" data-accepted="${w.accepted}"${w.token === undefined ? '' : ` data-token="${w.token}"`}>${title(tip)}${mark}</g>`);
    labels.push({ x: wx, text: w.token === undefined ? `=${w.value}` : `tok ${w.token}`, colour: w.accepted ? colour : DANGER, refused: !w.accepted });
  }
  for (const [process, list] of together) {
    const colour = frame.colourOf(process) ?? '#3d434b';
    const d = list.map((w) => `M${num(frame.x(w.at))},${mid - 4}v8`).join('');
    g.push(`<path class="resource-writes" data-process="${esc(process)}" data-count="${list.length}" d="${d}" stroke="${colour}" stroke-width="3">${title(`${process}: ${list.length} writes accepted, drawn together (zoom in with a close-up for each)`)}</path>`);
  }
  // Labels where they fit: the token (or the value written) above each mark, refused writes' first.
  const taken: Array<[number, number]> = [];
  for (const l of [...labels.filter((l) => l.refused), ...labels.filter((l) => !l.refused)]) {
    const half = textWidth(l.text, 10) / 2;
    if (taken.some(([a, b]) => l.x - half < b + 3 && a - 3 < l.x + half)) continue;
    taken.push([l.x - half, l.x + half]);
    g.push(`<text class="resource-label tiny" x="${num(l.x)}" y="${top + 17}" text-anchor="middle" fill="${l.colour}">${esc(l.text)}</text>`);
  }
  return `<g class="lane" data-process="resource" data-role="resource">${g.join('')}</g>`;
}
