import { describe, expect, it } from 'vitest';
import { renderRunHtml } from '../../src/report/html.ts';
import { renderTimelineSvg } from '../../src/report/svg.ts';
import { esc, fmtMs, num } from '../../src/report/escape.ts';
import { fixtureKeyLifetimes, fixtureRun, SCENARIO } from './fixtures.ts';
import { parseXml, type XmlElement } from './xml.ts';

const unsafe = fixtureRun({ fenced: false });
const fenced = fixtureRun({ fenced: true });
const replay = 'npx locksim replay eyJ2IjoxfQ';

/** The first inline `<svg>…</svg>` of a page (or the one with `id`), checked for well-formedness. */
function svgOf(html: string, id = 'timeline'): XmlElement[] {
  const start = html.indexOf(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = html.indexOf('</svg>', start) + '</svg>'.length;
  return parseXml(html.slice(start, end));
}

const withClass = (els: XmlElement[], name: string, cls: string): XmlElement[] => els.filter((e) => e.name === name && (e.attributes.class ?? '').split(' ').includes(cls));

describe('the run report (HTML + SVG)', () => {
  const html = renderRunHtml(SCENARIO, unsafe, { replayCommand: replay });
  const svg = svgOf(html);

  it('has a lane per process (the protected resource\'s between the clients and the nodes) and a clock chart per process', () => {
    const processes = [...unsafe.processes.clients, ...unsafe.processes.nodes];
    expect(withClass(svg, 'g', 'lane').map((e) => e.attributes['data-process'])).toEqual([...unsafe.processes.clients, 'resource', ...unsafe.processes.nodes]);
    expect(withClass(svg, 'g', 'clock').map((e) => e.attributes['data-process'])).toEqual(processes);
    expect(withClass(svg, 'g', 'clock').every((e) => e.attributes['data-source'] === 'trace')).toBe(true);
    expect(html).toContain('<g class="lane" data-process="client-1"');
  });

  it('shades one fault rect per fault that fired, by kind, with its description as a tooltip', () => {
    const faults = withClass(svg, 'rect', 'fault');
    expect(faults.map((f) => f.attributes['data-kind'])).toEqual(unsafe.faultsFired.map((f) => f.kind));
    const pause = svg.indexOf(faults[0]!);
    expect(svg[pause + 1]?.name).toBe('title');
    expect(svg[pause + 1]?.text).toContain('@100ms pause client-1 for 15000ms');
    expect(html).toContain('<rect class="fault" data-kind="pause"');
  });

  it('boxes the mutex violation across the two clients\' lanes, and rings the lost update', () => {
    const violations = withClass(svg, 'g', 'violation');
    const mutex = violations.filter((v) => v.attributes['data-property'] === 'mutex');
    expect(mutex).toHaveLength(1); // one paused section overlapped by many: one group
    expect(mutex[0]!.attributes['data-processes']).toBe('client-1 client-2');
    expect(Number(mutex[0]!.attributes['data-count'])).toBe(unsafe.violations.filter((v) => v.property === 'mutex').length);
    const box = svg.find((e, i) => i > svg.indexOf(mutex[0]!) && e.attributes.class === 'violation-box')!;
    const lanes = withClass(svg, 'g', 'lane');
    // The box starts where the overlap starts and spans both client lanes.
    const first = unsafe.violations.find((v) => v.property === 'mutex')!;
    expect(first.property === 'mutex' && first.overlapStart).toBeGreaterThan(10_000_000);
    expect(Number(box.attributes.height)).toBeGreaterThan(100);
    expect(lanes.length).toBe(8);
    expect(violations.some((v) => v.attributes['data-property'] === 'lost-update')).toBe(true);
    expect(html).toContain('<g class="violation"');
  });

  it('draws the section that outran its validity in red, from where its own clock passed validUntil', () => {
    const red = withClass(svg, 'rect', 'past-validity');
    expect(red).toHaveLength(1);
    // 9 898 ms of true time on a 20 s axis 1 114 px wide starting at x=150.
    expect(Number(red[0]!.attributes.x)).toBeCloseTo(150 + (9_898 / 20_000) * 1_114, 0);
    expect(withClass(svg, 'g', 'validity-mark')).toHaveLength(1);
    expect(withClass(svg, 'rect', 'down').map((d) => d.attributes['data-what'])).toEqual(['paused', 'crashed']);
  });

  it('says it all in words: story, note, verdicts, faults, world, replay, trace hash', () => {
    expect(html).toContain(esc(SCENARIO.explanation));
    expect(html).toContain('Redlock checks elapsed time before the pause, not after');
    expect(html).toContain('observed UNSAFE');
    expect(html).toContain('expected UNSAFE');
    expect(html).toContain('✓ as expected');
    expect(html).toContain('Mutual exclusion broken:');
    expect(html).toContain('past the validity it computed');
    for (const f of unsafe.faultsFired) expect(html).toContain(esc(f.effect));
    expect(html).toContain('scenario  fixture-pause: Holder paused longer than its lease');
    expect(html).toContain(`<pre class="replay" id="replay">${replay}</pre>`);
    expect(html).toContain(unsafe.traceHash);
    expect(html).not.toContain('real mode');
  });

  it('escapes what it embeds (<, &, ") and prints no NaN, Infinity or undefined', () => {
    expect(html).toContain('resumes &amp; writes a stale value &lt;inside&gt;');
    expect(html).not.toContain('<inside>');
    const odd = renderRunHtml(SCENARIO, unsafe, { replayCommand: 'x "<&>"' });
    expect(odd).toContain('x &quot;&lt;&amp;&gt;&quot;');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('is self-contained: no script, no external resource', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(http/i);
    expect(html.match(/https?:\/\/[^\s"']+/g) ?? []).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('is a pure function of the run', () => {
    expect(renderRunHtml(SCENARIO, fixtureRun({ fenced: false }), { replayCommand: replay })).toBe(html);
  });
});

describe('variants of the report', () => {
  it('fenced run: the refused write is a ✕, no violation, a real-mode badge when asked', () => {
    const html = renderRunHtml(SCENARIO, fenced, { replayCommand: replay, real: true });
    const svg = svgOf(html);
    expect(withClass(svg, 'g', 'violation')).toEqual([]);
    const refused = svg.filter((e) => e.attributes.class === 'write' && e.attributes['data-accepted'] === 'false');
    expect(refused).toHaveLength(1);
    expect(svg.filter((e) => e.attributes.class === 'write' && e.attributes['data-accepted'] === 'true').length).toBe(fenced.stats.writesAccepted);
    expect(html).toContain('id="real-mode"');
    expect(html).toContain('No violation');
    expect(html).toContain('stale token 1');
  });

  it('draws key lifetimes on the node lanes when given (the hook), and says when it has none', () => {
    const without = renderRunHtml(SCENARIO, unsafe, { replayCommand: replay });
    expect(without).toContain('the run recorded no key data');
    const svg = svgOf(renderRunHtml(SCENARIO, unsafe, { replayCommand: replay, keyLifetimes: fixtureKeyLifetimes() }));
    const keys = withClass(svg, 'rect', 'key');
    expect(keys).toHaveLength(5);
    expect(svg[svg.indexOf(keys[1]!) + 1]?.text).toContain('lock:counter (client-1\'s value) on redis-2');
  });

  it('without a trace: clocks from the history (approximate), nodes without readings, pauses from the schedule', () => {
    const bare = fixtureRun({ fenced: false, keepTrace: false });
    const html = renderRunHtml(SCENARIO, bare, { replayCommand: replay });
    const svg = svgOf(html);
    const clocks = withClass(svg, 'g', 'clock');
    expect(clocks.map((c) => c.attributes['data-source'])).toEqual(['history', 'history', 'none', 'none', 'none', 'none', 'none']);
    expect(withClass(svg, 'rect', 'past-validity')).toHaveLength(1);
    expect(withClass(svg, 'rect', 'down')).toHaveLength(2);
    expect(html).toContain('kept no kernel trace');
  });

  it('a close-up appears when the violation is too narrow to see in the whole run', () => {
    // Shrink the run's axis: same run, but pretend it lasted 200 s.
    const long = { ...unsafe, history: { ...unsafe.history, endedAt: 200_000_000 } };
    const html = renderRunHtml(SCENARIO, long, { replayCommand: replay });
    expect(html).toContain('Close-up');
    const closeUp = svgOf(html, 'closeup');
    const svgEl = closeUp[0]!;
    const overlapStart = Math.min(...unsafe.violations.map((v) => (v.property === 'mutex' ? v.overlapStart : Number.POSITIVE_INFINITY)));
    expect(Number(svgEl.attributes['data-from'])).toBeLessThan(overlapStart);
    expect(Number(svgEl.attributes['data-from'])).toBeGreaterThan(4_210);
    expect(Number(svgEl.attributes['data-to'])).toBeGreaterThan(15_102_100);
    expect(withClass(closeUp, 'g', 'violation').length).toBeGreaterThan(0);
    expect(renderRunHtml(SCENARIO, unsafe, { replayCommand: replay })).not.toContain('Close-up');
  });

  it('renders an empty run (no events, no faults, no trace) without errors', () => {
    const empty = {
      ...unsafe,
      violations: [],
      verdict: 'safe' as const,
      faultsFired: [],
      faults: [],
      trace: null,
      history: { events: [], keys: [], writes: [], faults: [], endedAt: 0, healedAt: null },
    };
    const html = renderRunHtml(SCENARIO, empty, { replayCommand: replay });
    const svg = svgOf(html);
    expect(withClass(svg, 'g', 'lane')).toHaveLength(7);
    expect(html).toContain('No faults');
    expect(html).not.toMatch(/NaN|Infinity/);
  });

  it('a standalone SVG parses and carries its window', () => {
    const svg = renderTimelineSvg({ result: unsafe, window: { from: 9_000_000, to: 16_000_000 } });
    const els = parseXml(svg);
    expect(els[0]!.attributes['data-from']).toBe('9000000');
    expect(withClass(els, 'g', 'lane')).toHaveLength(8);
  });
});

describe('formatting helpers', () => {
  it('format numbers for people and coordinates', () => {
    expect(fmtMs(15_102_100)).toBe('15\u202F102.1 ms');
    expect(fmtMs(15_000_000, 0)).toBe('15\u202F000 ms');
    expect(fmtMs(4_210)).toBe('4.2 ms');
    expect(num(Number.NaN)).toBe('0');
    expect(num(-0.001)).toBe('0');
    expect(esc('a<b&"c\'\u0001')).toBe('a&lt;b&amp;&quot;c&#39;\uFFFD');
  });
});
