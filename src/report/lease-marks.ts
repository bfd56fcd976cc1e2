import type { HistoryEvent } from '../check/history.ts';
import type { CommandBurst } from '../check/key-commands.ts';
import type { Micros } from '../sim/time.ts';
import { esc, fmtMs, groupThousands, num } from './escape.ts';
import type { LaneFrame } from './key-marks.ts';
import { DANGER, LEFT, PLOT, textWidth, title } from './svg-kit.ts';

/**
 * What a holder's lane shows of its lease beyond the section itself: each renewal, with the
 * validity it bought (how long the key now lives on a quorum of the lock's nodes), and a lock
 * granted with its validity already spent on the client's own clock.
 */

/** What a renewal bought: the time from the renewal until a quorum's keys expire, µs; null if it did not extend a quorum. */
export function renewalBought(burst: CommandBurst, quorum: number): Micros | null {
  const expiries = burst.readings
    .filter((r) => r.effect === 'extended' || r.anomaly === 'resurrected')
    .map((r) => r.expiresAt)
    .filter((t): t is Micros => t !== undefined)
    .sort((a, b) => b - a);
  const at = expiries[quorum - 1];
  return at === undefined ? null : at - burst.at;
}

/** The renewals of one client, on its lane: a tick through the section and, where there is room, what each bought. */
export function renewalMarks(client: string, bursts: readonly CommandBurst[], quorum: number, frame: LaneFrame, top: number): string[] {
  const g: string[] = [];
  const mine = bursts.filter((b) => b.from === client && b.readings.every((r) => r.renewal) && frame.inView(b.at, b.at));
  mine.forEach((b, i) => {
    const bx = frame.x(b.at);
    const bought = renewalBought(b, quorum);
    const nodes = b.readings.map((r) => `${r.command.node}: ${r.text}${r.expiresAt === undefined ? '' : ` until ${fmtMs(r.expiresAt)}`}`).join('; ');
    const lockIs = b.readings[0]?.lockIs ?? 'key';
    const words = bought === null ? `renewal missed: fewer than ${quorum} node${quorum === 1 ? '' : 's'} extended the ${lockIs}` : `renewed: the ${lockIs} lives ${fmtMs(bought, 0)} more on ${quorum === 1 ? 'its node' : 'a quorum'}`;
    const label = bought === null ? 'renewal missed' : `renewed +${groupThousands((bought / 1000).toFixed(0))} ms`;
    const next = mine[i + 1];
    const room = (next === undefined ? LEFT + PLOT : frame.x(next.at)) - bx;
    const colour = bought === null ? DANGER : '#1f2328';
    g.push(
      `<g class="renewal" data-process="${esc(client)}"${bought === null ? ' data-missed="true"' : ` data-bought="${Math.round(bought)}"`}>${title(`${client} at ${fmtMs(b.at)}: ${words} (${b.readings[0]?.command.command ?? ''}; ${nodes})`)}` +
        `<line x1="${num(bx)}" x2="${num(bx)}" y1="${top + 16}" y2="${top + 42}" stroke="#fff" stroke-width="3"/><line x1="${num(bx)}" x2="${num(bx)}" y1="${top + 16}" y2="${top + 42}" stroke="${colour}" stroke-width="1.5"/>` +
        (room > textWidth(label, 10) + 8 ? `<text x="${num(bx + 3)}" y="${top + 51}" class="tiny halo" fill="${colour}">${esc(label)}</text>` : '') +
        '</g>',
    );
  });
  return g;
}

/** How much validity was left on the client's own clock when its acquire returned (negative: none), ms; null without a lease. */
export function validityLeftMs(e: HistoryEvent): number | null {
  if (e.lease === undefined) return null;
  const left = e.lease.validUntil - (e.lease.timeSource === 'wall' ? e.wallMs : e.monoMs);
  return Number.isFinite(left) ? left : null;
}

/** Acquires that returned a lease whose validity had already passed on the client's own clock: a red mark at the grant. */
export function expiredGrantMarks(client: string, events: readonly HistoryEvent[], frame: LaneFrame, top: number): string[] {
  const g: string[] = [];
  for (const e of events) {
    if (e.process !== client || e.kind !== 'acquire' || e.phase !== 'ok' || !frame.inView(e.at, e.at)) continue;
    const left = validityLeftMs(e);
    if (left === null || left >= 0) continue;
    const ex = frame.x(e.at);
    const label = `granted already expired (${groupThousands(left.toFixed(0)).replace('-', '−')} ms)`;
    const right = ex + 8 + textWidth(label) < LEFT + PLOT;
    g.push(
      `<g class="expired-grant" data-process="${esc(client)}">${title(`${client}'s acquire at ${fmtMs(e.at)} returned a lease whose validity had already passed on its own ${e.lease?.timeSource ?? ''} clock, by ${fmtMs(-left * 1000)}: the lock was granted with negative validity`)}` +
        `<path d="M${num(ex)},${top + 16} L${num(ex - 6)},${top + 4} L${num(ex + 6)},${top + 4} Z" fill="${DANGER}" stroke="#fff"/>` +
        `<text x="${num(right ? ex + 8 : ex - 8)}" y="${top + 13}" text-anchor="${right ? 'start' : 'end'}" class="small strong halo" fill="${DANGER}">${esc(label)}</text></g>`,
    );
  }
  return g;
}
