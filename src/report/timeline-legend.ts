import { esc } from './escape.ts';
import { clientColour, cross, DANGER, textWidth, WIDTH } from './svg-kit.ts';
import { faultColour } from './timeline-faults.ts';
import type { Placed, TimelineScene } from './timeline-scene.ts';

/**
 * The SVG timeline's legend, at its top: what each mark means, wrapped into as many lines as the
 * width needs. The key's marks are listed only when the run recorded its commands, and a fault
 * kind only when the run had one.
 */
export function timelineLegend(scene: TimelineScene, top: number): Placed<string> {
  const { hatchId, readings } = scene;
  const faultKinds = [...new Set(scene.result.history.faults.map((f) => f.kind))];
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
  let lx = 10;
  let ly = top + 12;
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
  return { svg: `<g class="legend">${parts.join('')}</g>`, bottom: ly + 16 };
}
