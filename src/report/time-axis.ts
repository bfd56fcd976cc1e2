import { groupThousands, num } from './escape.ts';
import { LEFT, PLOT } from './svg-kit.ts';
import type { TimelineScene } from './timeline-scene.ts';

/**
 * The SVG timeline's true-time axis: round tick values for the window, drawn above the lanes
 * (labels above the line) and again below them (labels below), and the grid lines between.
 */

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

/** About a dozen ticks at round values of ms, and the step between them. */
export interface AxisTicks {
  readonly ticks: readonly number[];
  readonly step: number;
}

export function axisTicks(scene: TimelineScene): AxisTicks {
  const { t0, t1 } = scene;
  const step = niceStep((t1 - t0) / 1000, 12);
  const ticks: number[] = [];
  for (let ms = Math.ceil(t0 / 1000 / step) * step; ms <= t1 / 1000 + 1e-9; ms += step) ticks.push(ms);
  return { ticks, step };
}

export function timeAxis(scene: TimelineScene, { ticks, step }: AxisTicks, ay: number, labelsAbove: boolean): string {
  const { x } = scene;
  return (
    `<g class="axis"><line x1="${LEFT}" x2="${LEFT + PLOT}" y1="${ay}" y2="${ay}" stroke="#333"/>` +
    ticks.map((ms) => `<line x1="${num(x(ms * 1000))}" x2="${num(x(ms * 1000))}" y1="${ay - 3}" y2="${ay + 3}" stroke="#333"/><text x="${num(x(ms * 1000))}" y="${labelsAbove ? ay - 6 : ay + 15}" text-anchor="middle" class="small">${tickLabel(ms, step)}</text>`).join('') +
    `<text x="${LEFT - 8}" y="${labelsAbove ? ay - 6 : ay + 15}" text-anchor="end" class="gutter-title">true time, ms</text></g>`
  );
}

/** A faint vertical line per tick, from the lanes' top to their bottom. */
export function timeGrid(scene: TimelineScene, { ticks }: AxisTicks, top: number, bottom: number): string {
  const { x } = scene;
  return `<g class="grid">${ticks.map((ms) => `<line x1="${num(x(ms * 1000))}" x2="${num(x(ms * 1000))}" y1="${top}" y2="${bottom}" stroke="#e4e7eb"/>`).join('')}</g>`;
}
