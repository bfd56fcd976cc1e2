import type { TimeSource } from '../locks/interface.ts';
import type { Section } from '../check/sections.ts';
import type { Micros } from '../sim/time.ts';
import { localAt, trueTimeWhenLocalReaches, type ClockTrack } from './clocks.ts';
import { esc, fmtMs, num } from './escape.ts';
import { DANGER, LEFT, PLOT, textWidth, title } from './svg-kit.ts';
import { CLIENT_LANE, type TimelineScene } from './timeline-scene.ts';
import { hasNoExpiry } from './words.ts';

/**
 * A critical section on its client's lane: the bar (exactly what the mutex checker judged), a
 * dashed mark where the client's OWN clock (the lease's time source) reached the lease's
 * `validUntil` and the rest of the section after it in red; and, for a section of a violation
 * that ended before its clock got there, a dotted line to where it did.
 */

/** What a section's marks need to know of the lane they are on. */
export interface SectionLane {
  readonly client: string;
  readonly top: number;
  readonly colour: string;
  readonly track: ClockTrack | null;
  /** The sections in a mutex violation, as `process@start` (the checker's objects, matched by start and process). */
  readonly violated: ReadonlySet<string>;
  /** The earlier holder's section of each mutex violation, the same way. */
  readonly staleHolders: ReadonlySet<string>;
  /** How many of this lane's own sections are in a violation. */
  readonly violatedCount: number;
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

/** One section's marks; `downLabels` are the x spans of the lane's pause labels, which a validity label avoids. */
export function sectionMarks(scene: TimelineScene, lane: SectionLane, s: Section, downLabels: readonly (readonly [number, number])[]): string[] {
  const { x, inView, epochMs } = scene;
  const { client, top, colour } = lane;
  if (!inView(s.start, s.end)) return [];
  const g: string[] = [];
  const sx = x(s.start);
  const sw = Math.max(1.5, x(s.end) - sx);
  const vEnd = validityEnd(s, lane.track);
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
    if (lane.violated.has(`${s.process}@${s.start}`) || x(s.end) - vx > 60) {
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
  if (lane.violated.has(`${s.process}@${s.start}`) && (vEnd === null || vEnd >= s.end) && inView(s.end, s.end)) g.push(...afterSectionMarks(scene, lane, s));
  return g;
}

/**
 * A section of a violation that ended before its own clock reached validUntil: where that clock
 * does reach it. For the earlier holder whose clock got there late (stepped back, or slow), that
 * says why it believed it was still safe; for any other, that the other client entered while
 * this one's lease was still valid by its own clock.
 */
function afterSectionMarks(scene: TimelineScene, lane: SectionLane, s: Section): string[] {
  const { x, inView, epochMs, runEnd, t1, windowed } = scene;
  const { client, top, track } = lane;
  const g: string[] = [];
  const horizon = Math.max(runEnd, t1);
  const later = track === null ? null : trueTimeWhenLocalReaches(track, s.lease.timeSource, s.validUntil, s.end, horizon);
  const ex = x(s.end);
  const vx = later === null ? LEFT + PLOT : x(later);
  // Only when the clock got there late: later than a true clock would have (its belief was wrong).
  const nominal = track === null ? 0 : s.start + (s.validUntil - localAt(track, s.lease.timeSource, s.start)) * 1000;
  const late = later === null ? nominal <= horizon : later - nominal > Math.max(1_000, (nominal - s.start) * 0.005);
  // Not for every section of a long incident (the marks would pile up): in a close-up, or when a lane has few.
  const few = windowed || lane.violatedCount <= 2;
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
  if (lane.staleHolders.has(`${s.process}@${s.start}`) && track !== null && late && vx - ex > 6) {
    const label = later === null ? `${client}'s clock reaches validUntil only after the run` : `${client}'s clock reaches validUntil only at ${fmtMs(later, 0)}`;
    const right = vx + 4 + textWidth(label) < LEFT + PLOT;
    g.push(
      `<g class="validity-mark" data-after-section="true" data-late="true">${title(`${client} believed its lease valid until ${leaseTimeText(s.lease.timeSource, s.validUntil, epochMs)} on its ${s.lease.timeSource} clock, which ${later === null ? 'did not get there before the run ended' : `got there only at true ${fmtMs(later)}`}: long after its section ended`)}` +
        `<line x1="${num(ex)}" x2="${num(vx)}" y1="${top + 29}" y2="${top + 29}" stroke="#111" stroke-width="1.2" stroke-dasharray="1 3"/>` +
        (later === null ? '' : `<line x1="${num(vx)}" x2="${num(vx)}" y1="${top + 15}" y2="${top + CLIENT_LANE - 4}" stroke="#111" stroke-width="1.5" stroke-dasharray="3 2"/>`) +
        `<text x="${num(right ? vx + 4 : vx - 4)}" y="${top + CLIENT_LANE - 7}" text-anchor="${right ? 'start' : 'end'}" class="small strong halo">${esc(label)}</text></g>`,
    );
  }
  return g;
}
