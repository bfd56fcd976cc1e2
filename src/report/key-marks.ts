import type { KeyLifetime, LockWord } from '../check/history.ts';
import { whose, type KeyAnomaly, type KeyCommandReading } from '../check/key-commands.ts';
import type { Micros } from '../sim/time.ts';
import { esc, fmtMs, num } from './escape.ts';
import { DANGER, LEFT, PLOT, textWidth, title } from './svg-kit.ts';

/**
 * The lock key on a node's lane, command by command (check/key-commands.ts reads them): a mark
 * per command that changed the key (● won, ◆ extended, ✕ deleted, ■ overwritten, in the
 * sender's colour), one faint tick per command that left it as it was (a SET NX that lost, a
 * compare-and-delete that found another value), a grey hourglass where the key expired on the
 * node's clock, and, in red and labelled, the commands that broke the lock: a DEL or PEXPIRE of
 * another client's key, a renewal that re-created a gone key, a vote won while the previous
 * holder was still inside its critical section.
 */

/** How a lane maps true time to x, and who is drawn in which colour. */
export interface LaneFrame {
  readonly x: (t: Micros) => number;
  readonly inView: (from: Micros, to: Micros) => boolean;
  readonly colourOf: (process: string) => string | undefined;
}

/** A node lane that shows the key, command by command, is this tall. */
export const KEY_LANE = 46;
/** Where the key's lifetime bar goes within such a lane. */
export const KEY_BAR = { top: 16, height: 16 } as const;

const NEUTRAL = '#3d434b';

/** Past this many ordinary changes in view, a lane draws them together (a 60 s run makes thousands). */
export const MARKS_PER_LANE = 200;

const EFFECT_VERBS: Readonly<Record<KeyCommandReading['effect'], string>> = {
  won: 'won',
  held: 'left',
  extended: 'extended',
  missed: 'missed',
  deleted: 'deleted',
  overwritten: 'overwrote',
};

/** What broke, in a label's words. */
export function anomalyText(r: KeyCommandReading): string {
  const c = r.command;
  const owner = whose(r.ownerBefore, r.lockIs);
  const its = `its ${r.lockIs}`;
  const kinds: Record<KeyAnomaly, () => string> = {
    'stray-delete': () => `${c.command} from ${c.from} deleted ${owner}`,
    'stray-extend': () => `${c.command} from ${c.from} extended ${owner}`,
    'stray-overwrite': () => `${c.command} from ${c.from} replaced ${owner}`,
    resurrected: () => `${c.from}'s renewal re-created its gone ${r.lockIs}`,
    'took-over': () => {
      const d = r.displaced;
      const how = d?.endedBy === 'expired' ? ` (${its} had expired here${d.at === undefined ? '' : ` at ${fmtMs(d.at, 0)}`})` : d?.endedBy === 'deleted' ? ` (${its} had been deleted here)` : d?.endedBy === 'crash' ? ` (${its} was lost in a crash here)` : '';
      return `${c.from} won while ${d?.client ?? 'the holder'} was still inside${how}`;
    },
  };
  return r.anomaly === undefined ? r.text : kinds[r.anomaly]();
}

/** A command's tooltip: who sent what, what it did, and the key's expiry after it. */
function commandTip(r: KeyCommandReading): string {
  const c = r.command;
  const expiry = r.expiresAt === undefined ? '' : `; the ${r.lockIs} now expires at ${fmtMs(r.expiresAt)} (+${fmtMs(r.expiresAt - c.at, 0)})`;
  const what = r.anomaly === undefined ? r.text : `${anomalyText(r)}`;
  return `${c.from}: ${c.command} on ${c.node} at ${fmtMs(c.at)} → ${c.reply}: ${what}${expiry}${r.renewal ? ' (a renewal)' : ''}`;
}

const isQuiet = (r: KeyCommandReading): boolean => r.anomaly === undefined && (r.effect === 'held' || r.effect === 'missed');

function glyph(r: KeyCommandReading, cx: number, cy: number, colour: string): string {
  const c = r.anomaly === undefined ? colour : DANGER;
  const ring = r.anomaly === undefined ? '' : `<circle cx="${num(cx)}" cy="${num(cy)}" r="8" fill="#fff" fill-opacity="0.7" stroke="${DANGER}" stroke-width="2"/>`;
  switch (r.effect) {
    case 'won':
      return `${ring}<circle cx="${num(cx)}" cy="${num(cy)}" r="4" fill="${c}" stroke="#fff" stroke-width="1.2"/>`;
    case 'extended':
      return `${ring}<path d="M${num(cx)},${num(cy - 5)} L${num(cx + 4)},${num(cy)} L${num(cx)},${num(cy + 5)} L${num(cx - 4)},${num(cy)} Z" fill="${c}" stroke="#fff" stroke-width="1"/>`;
    case 'deleted':
      return `${ring}<path d="M${num(cx - 3.5)},${num(cy - 3.5)} L${num(cx + 3.5)},${num(cy + 3.5)} M${num(cx + 3.5)},${num(cy - 3.5)} L${num(cx - 3.5)},${num(cy + 3.5)}" stroke="${r.anomaly === undefined ? NEUTRAL : DANGER}" stroke-width="2.2" stroke-linecap="round"/>`;
    case 'overwritten':
      return `${ring}<rect x="${num(cx - 3.5)}" y="${num(cy - 3.5)}" width="7" height="7" fill="${c}" stroke="#fff"/>`;
    default:
      return `${ring}<line x1="${num(cx)}" x2="${num(cx)}" y1="${num(cy - 5)}" y2="${num(cy + 5)}" stroke="${c}" stroke-width="2"/>`;
  }
}

/** The marks of one node's lane (its commands on the key, its expiries, labels on what broke the lock). */
export function nodeKeyMarks(node: string, lockIs: LockWord, readings: readonly KeyCommandReading[], keys: readonly KeyLifetime[], frame: LaneFrame, top: number): string[] {
  const g: string[] = [];
  const mid = top + KEY_BAR.top + KEY_BAR.height / 2;
  const own = readings.filter((r) => r.command.node === node && frame.inView(r.command.at, r.command.at));
  const quiet = own.filter(isQuiet);
  if (quiet.length > 0) {
    const counts = new Map<string, number>();
    for (const r of quiet) counts.set(`${r.command.command}: ${r.text}`, (counts.get(`${r.command.command}: ${r.text}`) ?? 0) + 1);
    const summary = [...counts].map(([text, n]) => `${n} × ${text}`).join('; ');
    const d = quiet.map((r) => `M${num(frame.x(r.command.at))},${mid - 5}v10`).join('');
    g.push(`<path class="cmd-quiet" data-count="${quiet.length}" d="${d}" stroke="#8a939e" stroke-width="1" stroke-opacity="0.55">${title(`${node}: ${quiet.length} command${quiet.length === 1 ? '' : 's'} left the ${lockIs} as it was: ${summary}`)}</path>`);
  }
  for (const k of keys) {
    if (k.node !== node || k.endedBy !== 'expired' || k.to === null || !frame.inView(k.to, k.to)) continue;
    const ex = frame.x(k.to);
    const y0 = top + KEY_BAR.top - 1;
    const y1 = top + KEY_BAR.top + KEY_BAR.height + 1;
    g.push(
      `<g class="expiry" data-node="${esc(node)}"${k.holder === undefined ? '' : ` data-holder="${esc(k.holder)}"`}>${title(`${k.holder === undefined ? `the ${lockIs}` : `${k.holder}'s ${lockIs}`} expired on ${node}'s clock at true ${fmtMs(k.to)}`)}` +
        `<path d="M${num(ex - 4)},${y0} L${num(ex + 4)},${y0} L${num(ex - 4)},${y1} L${num(ex + 4)},${y1} Z" fill="#6c757d" stroke="#fff" stroke-width="0.8"/></g>`,
    );
  }
  const loud = own.filter((r) => !isQuiet(r));
  // A long run changes the key thousands of times: past a budget, the ordinary changes are drawn
  // together (one shape per sender and effect, one tooltip counting them); what broke the lock
  // is always drawn one by one.
  const crowded = loud.filter((r) => r.anomaly === undefined).length > MARKS_PER_LANE;
  const together = new Map<string, KeyCommandReading[]>();
  for (const r of loud) {
    if (crowded && r.anomaly === undefined) {
      const k = `${r.command.from}\u0000${r.effect}`;
      const list = together.get(k);
      if (list === undefined) together.set(k, [r]);
      else list.push(r);
      continue;
    }
    const colour = frame.colourOf(r.command.from) ?? NEUTRAL;
    g.push(
      `<g class="cmd" data-node="${esc(node)}" data-from="${esc(r.command.from)}" data-command="${esc(r.command.command)}" data-effect="${r.effect}"${r.anomaly === undefined ? '' : ` data-anomaly="${r.anomaly}"`}>${title(commandTip(r))}${glyph(r, frame.x(r.command.at), mid, colour)}</g>`,
    );
  }
  for (const list of together.values()) {
    const first = list[0] as KeyCommandReading;
    const colour = frame.colourOf(first.command.from) ?? NEUTRAL;
    const counts = new Map<string, number>();
    for (const r of list) counts.set(r.command.command, (counts.get(r.command.command) ?? 0) + 1);
    const what = [...counts].map(([command, n]) => `${n} × ${command}`).join(', ');
    const d = list.map((r) => `M${num(frame.x(r.command.at))},${mid - 4}v8`).join('');
    g.push(
      `<path class="cmds" data-node="${esc(node)}" data-from="${esc(first.command.from)}" data-effect="${first.effect}" data-count="${list.length}" d="${d}" stroke="${first.effect === 'deleted' ? NEUTRAL : colour}" stroke-width="3">${title(`${node}: ${first.command.from}'s commands that ${EFFECT_VERBS[first.effect]} the ${lockIs}: ${what} (${list.length} marks drawn together; zoom in with a close-up for each)`)}</path>`,
    );
  }
  g.push(...anomalyLabels(own.filter((r) => r.anomaly !== undefined), frame, top + 11));
  return g;
}

/**
 * One label per neighbourhood of anomalies, on one row: each label counts the anomalies it
 * covers up to where the next label can start (a burst of stray DELs reads as one).
 */
function anomalyLabels(anomalies: readonly KeyCommandReading[], frame: LaneFrame, y: number): string[] {
  const out: string[] = [];
  let free = Number.NEGATIVE_INFINITY;
  let i = 0;
  while (i < anomalies.length) {
    const first = anomalies[i] as KeyCommandReading;
    const startX = frame.x(first.command.at);
    const one = anomalyText(first);
    // Room for the longest ending this label could get, so the next label never runs into it.
    const span = textWidth(`${one} (+999 more)`) + 16;
    const right = startX + span < LEFT + PLOT;
    const x0 = right ? startX : startX - span;
    let j = i + 1;
    while (j < anomalies.length && (right ? frame.x((anomalies[j] as KeyCommandReading).command.at) < x0 + span : true)) j++;
    if (x0 < free) {
      // No room left of here: the anomalies are marked (red rings, tooltips) but not labelled again.
      i = j;
      continue;
    }
    const text = j - i === 1 ? one : `${one} (+${j - i - 1} more)`;
    out.push(`<text class="anomaly-label small strong halo" x="${num(right ? startX + 10 : startX - 10)}" y="${y}" text-anchor="${right ? 'start' : 'end'}" fill="${DANGER}">${esc(text)}</text>`);
    free = x0 + span;
    i = j;
  }
  return out;
}
