import type { KeyLifetime } from '../check/history.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Micros } from '../sim/time.ts';
import { clientLanes } from './client-lane.ts';
import { clockCharts } from './clock-charts.ts';
import { esc } from './escape.ts';
import { nodeLanes } from './node-lane.ts';
import { RESOURCE_LANE, resourceLane } from './resource-lane.ts';
import { DANGER, WIDTH } from './svg-kit.ts';
import { axisTicks, timeAxis, timeGrid } from './time-axis.ts';
import { faultBands, faultLabelRows } from './timeline-faults.ts';
import { timelineLegend } from './timeline-legend.ts';
import { timelineScene, type Placed, type TimelineScene } from './timeline-scene.ts';
import { violationMarks, violationRows } from './violation-marks.ts';

export { clientColour } from './svg-kit.ts';
export { faultColour } from './timeline-faults.ts';
export { guessEpochMs } from './timeline-scene.ts';
export { leaseTimeText, validityEnd } from './section-marks.ts';
/** A lock key's life on one node, in true time (see {@link TimelineInput.keyLifetimes}). */
export type { KeyLifetime } from '../check/history.ts';

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
 *
 * Each part is a function that starts where the part above it ended and says where it ends:
 * timeline-legend.ts, timeline-faults.ts (labels and bands), time-axis.ts, client-lane.ts (with
 * section-marks.ts, lease-marks.ts), resource-lane.ts, node-lane.ts (with key-marks.ts),
 * clock-charts.ts, violation-marks.ts; what they all read is worked out once (timeline-scene.ts).
 */

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

export function renderTimelineSvg(input: TimelineInput): string {
  const scene = timelineScene(input);
  // Top to bottom, each part starting where the one above it ended.
  const legend = timelineLegend(scene, 6);
  const faults = faultLabelRows(scene, legend.bottom);
  const ticks = axisTicks(scene);
  const axisY = faults.bottom + 16;
  const lanesTop = axisY + 4;
  // The violations' labels sit above the client lanes, so their rows are laid out first.
  const labelRows = violationRows(scene, lanesTop);
  const clients = clientLanes(scene, lanesTop, labelRows.header);
  const resource = resourceRow(scene, clients.bottom);
  const nodes = nodeLanes(scene, input.keyLifetimes, resource.bottom);
  const clocks = clockCharts(scene, nodes.bottom);
  const lanesBottom = clocks.bottom;
  // Across every lane, drawn over them: the faults' intervals and the violations.
  const bands = faultBands(faults.items, legend.bottom, lanesBottom);
  const violations = violationMarks(scene, labelRows, new Map([...clients.laneTops, ...nodes.laneTops]));
  return svgDocument(scene, input.id, lanesBottom + 34, [
    timeGrid(scene, ticks, lanesTop, lanesBottom),
    ...clients.svg,
    ...resource.svg,
    ...nodes.svg,
    ...clocks.svg,
    `<g class="faults">${bands.join('')}</g>`,
    legend.svg,
    ...faults.svg,
    timeAxis(scene, ticks, axisY, true),
    `<g class="violations">${violations.shapes.join('')}<g class="violation-labels">${violations.labels.join('')}</g></g>`,
    timeAxis(scene, ticks, lanesBottom + 4, false),
  ]);
}

/** The protected resource's lane (Kleppmann's figure: the tokens it saw, what it accepted), 4 px below `top`, when anything was written. */
function resourceRow(scene: TimelineScene, top: number): Placed {
  const { history } = scene.result;
  if (history.writes.length === 0) return { svg: [], bottom: top };
  const resource = history.events.find((e) => e.resource !== undefined && e.resource !== '')?.resource ?? '';
  return { svg: [resourceLane(resource, history.writes, scene.frame, top + 4, scene.clients.length % 2 === 0 ? '#f6f8fa' : '#ffffff')], bottom: top + 4 + RESOURCE_LANE };
}

/** The `<svg>` element around the parts: its size, the hatch pattern, its own styles, a white ground. */
function svgDocument(scene: TimelineScene, id: string | undefined, height: number, parts: readonly string[]): string {
  const { result, t0, t1, hatchId } = scene;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline"${id === undefined ? '' : ` id="${esc(id)}"`} viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(`timeline of ${result.scenario}/${result.variant} in true time`)}" data-from="${t0}" data-to="${t1}">`,
    `<defs><pattern id="${hatchId}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3c4" fill-opacity="0.55"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a6d00" stroke-width="1.6" stroke-opacity="0.55"/></pattern></defs>`,
    `<style>${SVG_STYLE.replaceAll('@', `svg.timeline${id === undefined ? '' : `#${id}`} `)}</style>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
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
