import { worldBlock, worldConditions } from './world.ts';
import type { MutexViolation } from '../check/mutex.ts';
import { incidentCountsText, incidentsOf } from '../check/incidents.ts';
import { readKeyCommands } from '../check/key-commands.ts';
import { anomalyText } from './key-marks.ts';
import { droppedText } from '../check/history.ts';
import { evidenceText } from '../check/evidence.ts';
import type { Section } from '../check/sections.ts';
import type { RunResult, Violation } from '../scenario/run.ts';
import type { Scenario, Verdict } from '../scenario/types.ts';
import { clockTrack } from './clocks.ts';
import { esc, fmtMs, groupThousands } from './escape.ts';
import { faultColour, guessEpochMs, leaseTimeText, renderTimelineSvg, validityEnd, type KeyLifetime } from './svg.ts';
import { hasNoExpiry, violationText } from './words.ts';
import { FAULT_KINDS } from '../faults/fault.ts';

/**
 * The HTML report of one run: one self-contained page (inline CSS and SVG, no script, nothing
 * fetched), a pure function of the scenario and the run. It tells the scenario's story, shows
 * the run on a true-time timeline (see svg.ts for what is drawn and how it is derived), says in
 * words what broke and what each fault did, and prints the world, the replay command and the
 * trace hash, so that the page alone is enough to understand and reproduce the run.
 */
export interface RunHtmlOptions {
  /** The one command that reproduces this run. */
  readonly replayCommand: string;
  /** The run was against real Redis servers (shows a "real mode" badge). */
  readonly real?: boolean;
  /** HOOK: each node's lock-key lifetimes, when something can derive them (see svg.ts). */
  readonly keyLifetimes?: readonly KeyLifetime[];
  /** A link back to the catalog index, if the report is part of one. */
  readonly indexHref?: string;
}

const VERDICT_CLASS: Record<Verdict, string> = { safe: 'v-safe', unsafe: 'v-unsafe', stuck: 'v-stuck', invalid: 'v-invalid' };

function verdictBadge(verdict: Verdict, prefix: string): string {
  return `<span class="badge ${VERDICT_CLASS[verdict]}">${esc(prefix)} ${esc(verdict.toUpperCase())}</span>`;
}

function sectionWords(s: Section, run: RunResult, epochMs: number): string {
  const track = clockTrack(s.process, run.trace, run.history.events);
  const vEnd = validityEnd(s, track);
  const token = s.lease.fencingToken === undefined ? '' : ` with fencing token ${s.lease.fencingToken}`;
  const ended = s.endedBy === 'run-end' ? 'still inside when the run ended' : `ended by ${s.endedBy} at ${fmtMs(s.end)}`;
  const clock = `its ${s.lease.timeSource} clock`;
  const until = leaseTimeText(s.lease.timeSource, s.validUntil, epochMs);
  let validity: string;
  if (hasNoExpiry(s.pastValidityMs)) {
    validity = 'the lock has no expiry: it lives as long as the session that holds it';
  } else if (Number.isNaN(s.pastValidityMs)) {
    validity = vEnd === null ? `the lease was valid until ${until} on ${clock}` : `${clock} reached the lease's validUntil (${until}) at true ${fmtMs(vEnd)}`;
  } else if (s.pastValidityMs > 0) {
    validity = `${clock} reached the lease's validUntil (${until})${vEnd === null ? '' : ` at true ${fmtMs(vEnd)}`}, so the section ran <strong>${fmtMs(s.pastValidityMs * 1000)} past the validity it computed</strong>`;
  } else {
    validity = `it ended ${fmtMs(-s.pastValidityMs * 1000)} before the validity it computed on ${clock} (${until})`;
  }
  return `${esc(s.process)}'s section${esc(token)}: acquired at ${fmtMs(s.start)}, ${ended}; ${validity}.`;
}

/**
 * The violations in words, one item per incident (check/incidents.ts): a paused holder that
 * overlapped many later sections, with the lost updates committed meanwhile, is one failure;
 * under it its sections, its first violations, the commands on the nodes that broke the lock
 * (a stray DEL, a vote won while the holder was still inside) and the faults then.
 */
function violationList(run: RunResult, epochMs: number): string {
  if (run.violations.length === 0) {
    return `<p class="ok-text">No violation: every checked property (${run.properties.map(esc).join(', ')}) held.</p>`;
  }
  const incidents = incidentsOf(run.violations);
  const anomalies = readKeyCommands(run.history).filter((r) => r.anomaly !== undefined);
  const MAX_INCIDENTS = 8;
  const items = incidents.slice(0, MAX_INCIDENTS).map((incident) => {
    const m = incident.mutex;
    const others = incident.violations.filter((v) => v.property !== 'mutex');
    const count = `data-incident="${incident.number}" data-violations="${incident.violations.length}"`;
    if (m === null) {
      const v = incident.violations[0] as Violation;
      return `<li class="violation-item incident" ${count}><strong>${esc(v.property === 'lost-update' ? 'Lost update' : v.property === 'fencing' ? 'Fencing broken' : 'Liveness')}:</strong> ${esc(violationText(v).replace(/^[a-z -]+: /, ''))}${v.property === 'lost-update' ? `${v.write.token === undefined ? '' : `, token ${v.write.token}`}.` : '.'}</li>`;
    }
    const first = m.pairs[0] as MutexViolation;
    const sections = [...m.sections.values()].flat().sort((p, q) => p.start - q.start);
    const lines = sections.slice(0, 4).map((sec) => `<li>${sectionWords(sec, run, epochMs)}</li>`);
    if (sections.length > 4) lines.push(`<li>… and ${sections.length - 4} more sections (hover the timeline's boxes for each)</li>`);
    const damage = others.slice(0, 3).map((v) => `<li>${esc(violationText(v))}.</li>`);
    if (others.length > 3) damage.push(`<li>… and ${others.length - 3} more</li>`);
    const start = sections[0]?.start ?? incident.from;
    const broke = anomalies.filter((r) => r.command.at >= start && r.command.at <= incident.to);
    const mechanism =
      broke.length === 0
        ? ''
        : `<li class="mechanism">On the nodes: ${broke
            .slice(0, 3)
            .map((r) => `${esc(anomalyText(r))} (${esc(r.command.node)}, ${fmtMs(r.command.at)})`)
            .join('; ')}${broke.length > 3 ? `; and ${broke.length - 3} more such commands` : ''}.</li>`;
    const faults = first.faultsActive.length === 0 ? '' : `<li>Faults active around it: ${first.faultsActive.map(esc).join('; ')}.</li>`;
    const what = incident.violations.length === 1 ? '' : ` ${esc(incidentCountsText(incident))}, one incident:`;
    return (
      `<li class="violation-item incident" ${count}><strong>Mutual exclusion broken:</strong>${what} ${esc(incident.clients.join(', '))} were inside their critical sections on <code>${esc(first.resource)}</code> at once, from ${fmtMs(incident.from)} to ${fmtMs(incident.to)} of true time.` +
      `<ul>${lines.join('')}${mechanism}${damage.join('')}${faults}</ul></li>`
    );
  });
  if (incidents.length > MAX_INCIDENTS) items.push(`<li>… and ${incidents.length - MAX_INCIDENTS} more incidents</li>`);
  return `<ol class="violations-list">${items.join('')}</ol>`;
}

function faultTable(run: RunResult, scenario: Scenario): string {
  const world = worldConditions(scenario, run);
  const skew = world.length === 0 ? '' : `<p id="world-conditions">The world itself, not a fault (no heal undoes it): ${world.map(esc).join('; ')}.</p>`;
  if (run.faultsFired.length === 0) return world.length === 0 ? '<p>No faults: this run is the control.</p>' : `<p>No faults were injected, but this run is not a control:</p>${skew}`;
  const rows = run.faultsFired.map(
    (f) =>
      `<tr class="${f.fired ? '' : 'did-nothing'}"><td><span class="swatch k-${esc(f.kind)}"></span>${esc(f.kind)}</td><td>${esc(f.description)}</td><td class="num">${fmtMs(f.at)}</td><td class="num">${f.endedAt === undefined ? '—' : fmtMs(f.endedAt)}</td><td>${f.fired ? esc(f.effect) : `<strong>did nothing</strong> (${esc(f.effect)}; check the schedule)`}</td></tr>`,
  );
  return `${skew}<table class="faults"><thead><tr><th>kind</th><th>fault</th><th>applied</th><th>ended</th><th>what it did</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A close-up window around the first mutex violation when it is too narrow to see in the whole run. */
function closeUpWindow(run: RunResult): { from: number; to: number } | null {
  const mutex = run.violations.filter((o): o is MutexViolation => o.property === 'mutex').sort((a, b) => a.overlapStart - b.overlapStart);
  const v = mutex[0];
  const runEnd = run.history.endedAt;
  if (v === undefined || runEnd <= 0) return null;
  // The first violation and those that follow it closely (within 2 % of the run).
  let from = v.overlapStart;
  let to = v.overlapEnd;
  for (const o of mutex) {
    if (o.overlapStart > to + runEnd * 0.02) break;
    from = Math.min(from, o.overlapStart);
    to = Math.max(to, o.overlapEnd);
  }
  if (to - from > runEnd * 0.12) return null;
  const pad = Math.max((to - from) * 0.6, runEnd * 0.005, 2_000);
  return { from: Math.max(0, from - pad), to: Math.min(runEnd, to + pad) };
}

export function renderRunHtml(scenario: Scenario, result: RunResult, options: RunHtmlOptions): string {
  const variant = scenario.variants.find((v) => v.name === result.variant);
  const matches = result.verdict === result.expected;
  const real = options.real === true;
  const heading = `${scenario.name} / ${result.variant}`;
  const svg = renderTimelineSvg({ result, keyLifetimes: options.keyLifetimes, real, id: 'timeline' });
  const epochMs = guessEpochMs(result, real);
  const window = closeUpWindow(result);
  const closeUp =
    window === null
      ? ''
      : `<h2>Close-up: ${fmtMs(window.from, 0)} – ${fmtMs(window.to, 0)}</h2><div class="svg-wrap">${renderTimelineSvg({ result, keyLifetimes: options.keyLifetimes, real, id: 'closeup', window })}</div>`;
  const s = result.stats;
  const traceNote =
    result.trace === null
      ? 'This run kept no kernel trace: clocks are reconstructed from the clients\' own history events (approximate between events) and node clocks are unknown; pauses and crashes are taken from the fault schedule.'
      : 'Clocks are reconstructed exactly from the kernel trace (every entry carries the process\'s clock readings).';
  const body = [
    `<header>`,
    `<div class="crumbs">locksim run report${options.indexHref === undefined ? '' : ` · <a href="${esc(options.indexHref)}">catalog</a>`}</div>`,
    `<h1>${esc(scenario.title)}</h1>`,
    `<div class="subtitle"><code>${esc(heading)}</code>${result.lockName ? ` · lock <code>${esc(result.lockName)}</code>` : ''} · seed ${esc(result.seed)}</div>`,
    `<div class="badges">${verdictBadge(result.verdict, 'observed')}${verdictBadge(result.expected, 'expected')}<span class="badge ${matches ? 'match' : 'mismatch'}">${matches ? '✓ as expected' : '✗ NOT as expected'}</span>${real ? '<span class="badge real" id="real-mode">real mode: real servers, Toxiproxy, one process per client</span>' : '<span class="badge sim">simulated</span>'}</div>`,
    `</header>`,
    `<section class="story"><p>${esc(scenario.explanation)}</p>${variant?.note === undefined ? '' : `<p class="note"><strong>Variant ${esc(result.variant)}:</strong> ${esc(variant.note)}.</p>`}</section>`,
    `<h2>Timeline in true time</h2>`,
    `<div class="svg-wrap">${svg}</div>`,
    `<p class="how">Each client's lane shows its acquire attempts (thin), its critical sections (thick: from the acquire completing to the release, a learned loss, a crash or the end of the run), the point where its <em>own</em> clock reached the lease's validity (dashed) and, in red, the part of the section after it; its renewals (ticks, with the validity each bought); ● a write the resource accepted, ✕ one it refused. The resource's lane shows every write as the resource saw it, with its fencing token. Each node's lane shows the lock key: a bar per value it held, in its holder's colour, and every command that touched it (● a SET NX that won, ◆ a renewal that extended it, ✕ a delete, a faint tick for one that left it as it was, a grey hourglass where it expired on the node's clock); a red ring marks a command that broke the lock (another client's key deleted or extended, a gone key re-created, a vote won while the holder was still inside). Faults are shaded across all lanes; hover for details.</p>`,
    closeUp,
    `<h2>Verdict</h2>`,
    `<table class="verdict"><tr><th>expected</th><td>${verdictBadge(result.expected, '')}</td></tr><tr><th>observed</th><td>${verdictBadge(result.verdict, '')} ${matches ? '' : '<strong class="bad">differs from the expected verdict</strong>'}</td></tr><tr><th>properties checked</th><td>${result.properties.map(esc).join(', ')}</td></tr>${result.invalid === null ? '' : `<tr><th>no verdict</th><td id="invalid-reason"><strong class="bad">${esc(result.invalid.reason)}</strong></td></tr>`}<tr><th>evidence</th><td id="evidence">${esc(evidenceText(result.evidence))}</td></tr></table>`,
    violationList(result, epochMs),
    `<h2>Faults and what they did</h2>`,
    faultTable(result, scenario),
    result.processErrors.length === 0 ? '' : `<h2>Errors in processes</h2><ul>${result.processErrors.map((e) => `<li><code>${esc(e.process)}</code> at ${fmtMs(e.at)}: ${esc(e.message)}</li>`).join('')}</ul>`,
    `<h2>Run</h2>`,
    `<p>${s.acquired} acquisitions, ${s.acquireFailures} failed attempts, ${s.writesAccepted} writes accepted, ${s.writesRefused} refused, final counter ${s.finalValue}; ${groupThousands(String(s.redisCommands))} ${esc(result.evidence.requestsAre)}, ${groupThousands(String(s.messages))} messages, ${groupThousands(String(result.events))} kernel events over ${fmtMs(s.simulatedMs * 1000, 0)} of true time.${result.history.dropped === undefined ? '' : ` ${esc(droppedText(result.history.dropped))}.`}</p>`,
    `<h2>World</h2>`,
    `<pre class="world">${esc(worldBlock(scenario, result))}</pre>`,
    `<h2>Reproduce</h2>`,
    `<pre class="replay" id="replay">${esc(options.replayCommand)}</pre>`,
    `<p>Trace hash <code id="trace-hash">${esc(result.traceHash)}</code>: the same command gives the same hash on every machine${real ? ' (in simulation; a real-mode run cannot be bit-exact, only its verdict must agree)' : ''}.</p>`,
    `<footer><p>${esc(traceNote)} Times are true time unless a clock is named. Node lanes show availability; the lock key's lifetime on each node is ${(options.keyLifetimes ?? result.history.keys ?? []).length === 0 ? 'not recorded by this run' : 'drawn as a bar per value it held'}${result.history.commands === undefined ? '' : ', with every command that touched it'}.</p></footer>`,
  ];
  return [
    ...documentHead(`${heading}: ${result.verdict.toUpperCase()} (expected ${result.expected}) · locksim`, PAGE_STYLE),
    `<body data-verdict="${esc(result.verdict)}" data-expected="${esc(result.expected)}">`,
    '<main>',
    ...body.filter((part) => part !== ''),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The start of every page locksim writes, up to `</head>` (the title is escaped here). */
export function documentHead(title: string, style: string, extra: readonly string[] = []): string[] {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    ...extra,
    `<style>${style}</style>`,
    '</head>',
  ];
}

export const PAGE_STYLE = [
  ':root{color-scheme:light}',
  'body{margin:0;background:#fff;color:#1f2328;font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans",Arial,sans-serif}',
  'main{max-width:1380px;margin:0 auto;padding:14px 16px 40px}',
  'h1{font-size:23px;margin:2px 0 2px}',
  'h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:3px}',
  'code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:13px}',
  'pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;overflow-x:auto;white-space:pre}',
  'pre.replay{white-space:pre-wrap;word-break:break-all}',
  '.crumbs{font-size:13px;color:#656d76}',
  '.subtitle{color:#424a53;margin-bottom:6px}',
  '.badges{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}',
  '.badge{display:inline-block;border-radius:12px;padding:1px 10px;font-size:13px;font-weight:600;border:1px solid transparent}',
  '.v-safe{background:#dafbe1;color:#116329;border-color:#8fd19e}',
  '.v-unsafe{background:#ffebe9;color:#a40e26;border-color:#ff8182}',
  '.v-stuck{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}',
  '.v-invalid{background:#1f2328;color:#ffd8b5;border-color:#bc4c00}',
  '.match{background:#dafbe1;color:#116329}',
  '.mismatch{background:#d62828;color:#fff}',
  '.real{background:#1f2328;color:#fff}',
  '.sim{background:#eaeef2;color:#424a53}',
  '.story{max-width:980px}',
  '.story p{margin:4px 0}',
  '.note{color:#424a53}',
  '.how{font-size:13px;color:#424a53;max-width:1100px;margin:6px 0 0}',
  '.svg-wrap{overflow-x:auto;border:1px solid #d0d7de;border-radius:6px}',
  '.svg-wrap svg{display:block;max-width:100%;height:auto}',
  'table{border-collapse:collapse}',
  'th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}',
  'th{background:#f6f8fa}',
  'td.num{text-align:right;white-space:nowrap}',
  'tr.did-nothing td{background:#fff8c5}',
  '.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}',
  // Each fault kind's colour, as the fault table gives it (src/faults/kinds/).
  FAULT_KINDS.map((k) => `.k-${k}{background:${faultColour(k)}}`).join(''),
  '.violations-list li{margin:6px 0}',
  '.violation-item>strong:first-child{color:#a40e26}',
  '.bad{color:#a40e26}',
  '.ok-text{color:#116329;font-weight:600}',
  'footer{margin-top:30px;font-size:13px;color:#656d76;max-width:1100px}',
].join('\n');
