import { esc, groupThousands, num } from './escape.ts';

/**
 * What every part of the SVG timeline shares: its geometry, colours, and the few primitives
 * (a tooltip, a cross, a darker shade, label widths). Pure strings, no DOM: the playground
 * draws the same timeline in the browser.
 */

export const WIDTH = 1360;
export const LEFT = 150;
export const RIGHT = 96;
export const PLOT = WIDTH - LEFT - RIGHT;

export const DANGER = '#d62828';
const CLIENT_COLOURS = ['#2f6fde', '#14967f', '#7b4bd1', '#b86b1b', '#4d6a8a', '#8a8f1e'];

export function clientColour(index: number): string {
  return CLIENT_COLOURS[index % CLIENT_COLOURS.length] as string;
}

/** Average width of a character of the 11px sans-serif text, px. */
const CHAR = 6.1;

/** Estimated width of a label (no font metrics in a pure function; the browser test checks real reports). */
export const textWidth = (text: string, size = 11): number => text.length * CHAR * (size / 11);

/** A tooltip. */
export const title = (text: string): string => `<title>${esc(text)}</title>`;

/** A refused write's mark: a cross in a ring. */
export function cross(cx: number, cy: number, r: number): string {
  const d = `M${num(cx - r)},${num(cy - r)} L${num(cx + r)},${num(cy + r)} M${num(cx + r)},${num(cy - r)} L${num(cx - r)},${num(cy + r)}`;
  return `<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r + 3)}" fill="#fff" stroke="${DANGER}" stroke-width="1.2"/><path d="${d}" stroke="${DANGER}" stroke-width="2.5" stroke-linecap="round"/>`;
}

/** A darker shade of a #rrggbb colour (for text on white). */
export function shade(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const f = (c: number): string => Math.round(c * 0.62).toString(16).padStart(2, '0');
  return `#${f((n >> 16) & 255)}${f((n >> 8) & 255)}${f(n & 255)}`;
}

/** Greedy row packing: the first row whose last item ends before this one starts. */
export function packRows(items: readonly { x0: number; x1: number }[]): number[] {
  const ends: number[] = [];
  return items.map((item) => {
    let row = ends.findIndex((end) => end + 8 <= item.x0);
    if (row < 0) {
      row = ends.length;
      ends.push(item.x1);
    } else ends[row] = item.x1;
    return row;
  });
}

/** A signed duration for people: `+240 ms`, `−12.5 ms`, `0 ms`. */
export function signedMs(ms: number): string {
  const rounded = Math.abs(ms) >= 100 ? Math.round(ms) : Math.round(ms * 10) / 10;
  if (rounded === 0) return '0 ms';
  return `${rounded > 0 ? '+' : '−'}${groupThousands(String(Math.abs(rounded)))} ms`;
}
