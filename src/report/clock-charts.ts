import type { Micros } from '../sim/time.ts';
import { localAt, offsetSeries, type ClockTrack, type OffsetPoint } from './clocks.ts';
import { esc, groupThousands, num } from './escape.ts';
import { LEFT, PLOT, shade, signedMs, textWidth, title } from './svg-kit.ts';
import { faultColour } from './timeline-faults.ts';
import { HEADER, type Placed, type TimelineScene } from './timeline-scene.ts';

/**
 * A chart per process on the SVG timeline of its wall clock minus true time (a jump is a step, a
 * drift a slope), each on its own scale, slim for a clock that did neither.
 */

const CLOCK_LANE = 40;
const FLAT_CLOCK_LANE = 20;

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

/** The clocks' section, 6 px below `top`: its title, then a chart per client and per node. */
export function clockCharts(scene: TimelineScene, top: number): Placed {
  let y = top + 6;
  const svg = [`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end" class="section-title">clocks</text><text x="${LEFT}" y="${y + 15}" class="small muted">each process's wall clock minus true time: a jump is a step, a drift a slope (own scale per chart)</text>`];
  y += HEADER;
  [...scene.clients, ...scene.nodes].forEach((p, index) => {
    const chart = clockChart(scene, p, index, y);
    svg.push(chart.svg);
    y += chart.height;
  });
  return { svg, bottom: y };
}

function clockChart(scene: TimelineScene, p: string, index: number, top: number): { svg: string; height: number } {
  const { clients, epochMs, runEnd, t0, t1, tracks } = scene;
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
    g.push(...offsetCurve(scene, p, track, series, top, height, flat));
  }
  return { svg: `<g class="clock" data-process="${esc(p)}" data-source="${track?.source ?? 'none'}"${flat ? ' data-steady="true"' : ''}>${g.join('')}</g>`, height };
}

/** The curve of a clock's offset, its range, and its jumps and drift changes labelled. */
function offsetCurve(scene: TimelineScene, p: string, track: ClockTrack, series: readonly OffsetPoint[], top: number, height: number, flat: boolean): string[] {
  const { x, inView, windowed, colourOf } = scene;
  const values = series.map((pt) => pt.offsetMs);
  const g: string[] = [];
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
  return g;
}
