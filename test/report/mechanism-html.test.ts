/**
 * The HTML report shows the mechanism (issue #20), read from the page's structure as a browser
 * gets it: each node's lane carries the commands on the lock key (the stray DEL, the vote won
 * after the holder's key expired), the resource has a lane with the token of every write, the
 * holder's lane its renewals and a grant already expired, a failure is one incident (in the page
 * and in the JSON), and the clock-drift close-up draws what happens inside its window.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import clockDrift from '../../scenarios/clock-drift.ts';
import control from '../../scenarios/control.ts';
import gcPause from '../../scenarios/gc-pause.ts';
import pauseInFlight from '../../scenarios/pause-in-flight.ts';
import plainDel from '../../scenarios/plain-del-release.ts';
import renewalTooLate from '../../scenarios/renewal-too-late.ts';
import { criticalSections } from '../../src/check/sections.ts';
import { esc } from '../../src/report/escape.ts';
import { renderRunHtml } from '../../src/report/html.ts';
import { runResultJson } from '../../src/report/json.ts';
import { runReport } from '../../src/report/text.ts';
import { runScenario, type RunResult } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { parseXml, type XmlElement } from './xml.ts';

interface Page {
  readonly run: RunResult;
  readonly html: string;
}
const pages: Record<string, Page> = {};
beforeAll(async () => {
  const todo: Array<[string, Scenario, string]> = [
    ['del', plainDel, 'release=del'],
    ['cad', plainDel, 'compare-and-delete'],
    ['drift', clockDrift, 'drift-2%'],
    ['fenced', gcPause, 'redlock+fencing'],
    ['renewal', renewalTooLate, 'signal-ignored'],
    ['in-flight', pauseInFlight, 'redlock(checkValidity=false)'],
    ['control', control, control.variants[0]!.name],
  ];
  for (const [key, scenario, variant] of todo) {
    const run = await runScenario(scenario, { seed: 1, variant, keepTrace: true });
    pages[key] = { run, html: renderRunHtml(scenario, run, { replayCommand: 'npx locksim replay x' }) };
  }
}, 120_000);

/** The page's `<svg id=…>`, parsed (it must be well-formed XML). */
function svgOf(html: string, id = 'timeline'): XmlElement[] {
  const start = html.indexOf(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="${id}"`);
  expect(start, `an <svg id="${id}">`).toBeGreaterThanOrEqual(0);
  return parseXml(html.slice(start, html.indexOf('</svg>', start) + '</svg>'.length));
}

/** Elements inside the element at `index`, at any depth. */
function inside(els: XmlElement[], index: number): XmlElement[] {
  return els.filter((_, i) => {
    for (let p = els[i]!.parent; p >= 0; p = els[p]!.parent) if (p === index) return true;
    return false;
  });
}
const has = (e: XmlElement, cls: string): boolean => (e.attributes.class ?? '').split(' ').includes(cls);
function lane(els: XmlElement[], process: string): XmlElement[] {
  const i = els.findIndex((e) => e.name === 'g' && has(e, 'lane') && e.attributes['data-process'] === process);
  expect(i, `a lane for ${process}`).toBeGreaterThanOrEqual(0);
  return inside(els, i);
}
/** The tooltip of a `<g>`: its first `<title>` child. */
const tip = (els: XmlElement[], g: XmlElement): string => els.find((e) => e.name === 'title' && els[e.parent] === g)?.text ?? '';

describe('the node lanes', () => {
  it('plain-del-release/release=del: redis-1\'s lane marks the DEL from client-1 that deleted a live holder\'s key, and labels it', () => {
    const { run, html } = pages.del!;
    const svg = svgOf(html);
    const node = lane(svg, 'redis-1');
    const stray = node.filter((e) => e.name === 'g' && has(e, 'cmd') && e.attributes['data-anomaly'] === 'stray-delete');
    expect(stray.length).toBeGreaterThan(0);
    const first = stray[0]!;
    expect(first.attributes['data-from']).toBe('client-1');
    expect(first.attributes['data-command']).toBe('DEL');
    const text = tip(svg, first);
    const m = /^client-1: DEL on redis-1 at ([\d\u202F.]+) ms → 1: DEL from client-1 deleted (client-\d)'s key$/.exec(text);
    expect(m, text).not.toBeNull();
    const at = Number(m![1]!.replace(/\u202F/g, '')) * 1000;
    const owner = m![2]!;
    expect(owner).not.toBe('client-1');
    // The owner was inside its critical section when its key was deleted.
    expect(criticalSections(run.history).some((s) => s.process === owner && s.start < at && at < s.end)).toBe(true);
    const labels = node.filter((e) => e.name === 'text' && has(e, 'anomaly-label')).map((e) => e.text);
    expect(labels[0]).toMatch(new RegExp(`^DEL from client-1 deleted ${owner}'s key`));
    // What the ordinary commands did is there too: votes won (in the sender's colour), the rest as faint ticks.
    expect(node.filter((e) => e.name === 'g' && has(e, 'cmd') && e.attributes['data-effect'] === 'won').length).toBeGreaterThan(5);
    const quiet = node.find((e) => e.name === 'path' && has(e, 'cmd-quiet'))!;
    expect(Number(quiet.attributes['data-count'])).toBeGreaterThan(20);
    expect(node.filter((e) => e.name === 'g' && has(e, 'expiry') && e.attributes['data-holder'] === 'client-1')).toHaveLength(1);
  });

  it('plain-del-release/compare-and-delete: the same late release is a no-op on another client\'s key; nothing is marked', () => {
    const svg = svgOf(pages.cad!.html);
    const node = lane(svg, 'redis-1');
    expect(node.filter((e) => e.attributes['data-anomaly'] !== undefined)).toEqual([]);
    const quiet = node.find((e) => e.name === 'path' && has(e, 'cmd-quiet'))!;
    expect(tip(svg, quiet)).toMatch(/EVAL: no-op \(client-\d's\)/);
  });

  it('clock-drift/drift-2%: on each fast node the key expires on the node\'s clock, then client-2\'s vote wins while client-1 is still inside', () => {
    const svg = svgOf(pages.drift!.html);
    for (const node of ['redis-1', 'redis-2']) {
      const marks = lane(svg, node);
      const expiry = marks.find((e) => e.name === 'g' && has(e, 'expiry') && e.attributes['data-holder'] === 'client-1');
      const vote = marks.find((e) => e.name === 'g' && e.attributes['data-anomaly'] === 'took-over');
      expect(expiry, `${node}: client-1's key expired`).toBeDefined();
      expect(vote?.attributes['data-from']).toBe('client-2');
      expect(tip(svg, expiry!)).toMatch(new RegExp(`^client-1's key expired on ${node}'s clock at true 9\u202F8\\d\\d(\\.\\d)? ms$`));
      expect(tip(svg, vote!)).toMatch(/client-2 won while client-1 was still inside \(its key had expired here at 9\u202F8\d\d ms\)/);
    }
    expect(lane(svg, 'redis-3').some((e) => e.attributes['data-anomaly'] === 'took-over')).toBe(false);
  });
});

describe('a long run\'s lanes stay small', () => {
  it('control (60 s, thousands of commands): every command on a node is drawn, ordinary ones together, and the counts add up', () => {
    const { run, html } = pages.control!;
    const svg = svgOf(html);
    for (const node of run.processes.nodes) {
      const marks = lane(svg, node);
      const together = marks.filter((e) => e.name === 'path' && has(e, 'cmds'));
      expect(together.length, node).toBeGreaterThan(0);
      const drawn =
        together.reduce((n, e) => n + Number(e.attributes['data-count']), 0) +
        marks.filter((e) => e.name === 'g' && has(e, 'cmd')).length +
        marks.filter((e) => e.name === 'path' && has(e, 'cmd-quiet')).reduce((n, e) => n + Number(e.attributes['data-count']), 0);
      expect(drawn, node).toBe((run.history.commands ?? []).filter((c) => c.node === node).length);
    }
    const writes = lane(svg, 'resource').filter((e) => e.name === 'path' && has(e, 'resource-writes')).reduce((n, e) => n + Number(e.attributes['data-count']), 0);
    expect(writes + lane(svg, 'resource').filter((e) => e.name === 'g' && has(e, 'resource-write')).length).toBe(run.history.writes.length);
    expect(html.length).toBeLessThan(4_000_000);
  });
});

describe('the resource lane and the holder\'s lane', () => {
  it('the fenced resource: every write as the resource saw it, its token on it, the refused one with the higher token it had seen', () => {
    const { run, html } = pages.fenced!;
    const svg = svgOf(html);
    const resource = lane(svg, 'resource');
    const writes = resource.filter((e) => e.name === 'g' && has(e, 'resource-write'));
    expect(writes).toHaveLength(run.history.writes.length);
    expect(writes.map((w) => Number(w.attributes['data-token']))).toEqual(run.history.writes.map((w) => w.token));
    const refused = writes.filter((w) => w.attributes['data-accepted'] === 'false');
    expect(refused).toHaveLength(1);
    const seen = /highest token seen before: (\d+)/.exec(tip(svg, refused[0]!));
    expect(Number(seen?.[1])).toBeGreaterThan(Number(refused[0]!.attributes['data-token']));
    expect(resource.filter((e) => e.name === 'text' && has(e, 'resource-label')).map((e) => e.text)).toContain(`tok ${refused[0]!.attributes['data-token']}`);
  });

  it('renewals on the holder\'s lane, with the validity each bought', () => {
    const svg = svgOf(pages.renewal!.html);
    const renewals = lane(svg, 'client-2').filter((e) => e.name === 'g' && has(e, 'renewal'));
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    for (const r of renewals) {
      // A 10 s TTL renewed on its one node: the key lives 10 s from each renewal.
      expect(Math.abs(Number(r.attributes['data-bought']) - 10_000_000)).toBeLessThan(10_000);
      expect(tip(svg, r)).toMatch(/renewed: the key lives (9\u202F99\d|10\u202F000) ms more on its node/);
    }
    // client-1 is cut off from the node before its first renewal: none reached it.
    expect(lane(svg, 'client-1').filter((e) => e.name === 'g' && has(e, 'renewal'))).toEqual([]);
  });

  it('a lock granted with its validity already spent is marked at the grant', () => {
    const svg = svgOf(pages['in-flight']!.html);
    const client1 = lane(svg, 'client-1');
    const marks = client1.filter((e) => e.name === 'g' && has(e, 'expired-grant'));
    expect(marks).toHaveLength(1);
    expect(client1.find((e) => e.name === 'text' && e.parent === svg.indexOf(marks[0]!))?.text).toMatch(/^granted already expired \(−5\u202F1\d\d ms\)$/);
    expect(lane(svg, 'client-2').some((e) => has(e, 'expired-grant'))).toBe(false);
  });
});

describe('one incident per failure', () => {
  it('plain-del-release: one item in the page, with the commands on the node that broke the lock; one incident in the JSON', () => {
    const { run, html } = pages.del!;
    const items = [...html.matchAll(/<li class="violation-item incident" data-incident="(\d+)" data-violations="(\d+)">/g)];
    expect(items.map((m) => [m[1], Number(m[2])])).toEqual([['1', run.violations.length]]);
    const mutex = run.violations.filter((v) => v.property === 'mutex').length;
    const lost = run.violations.filter((v) => v.property === 'lost-update').length;
    expect(html).toContain(`<strong>Mutual exclusion broken:</strong> ${mutex} overlapping pairs, ${lost} lost updates, one incident:`);
    expect(html).toMatch(/<li class="mechanism">On the nodes: DEL from client-1 deleted client-\d&#39;s key \(redis-1, /);
    for (const json of [runResultJson(run, { command: 'run', token: null, history: true }).incidents, runResultJson(run, { command: 'run', token: null }).incidents]) {
      expect(json).toHaveLength(1);
      expect(json[0]!.counts).toEqual({ mutex, 'lost-update': lost });
      expect([...json[0]!.violations].sort((a, b) => a - b)).toEqual(run.violations.map((_, i) => i));
    }
  });
});

describe('the clock-drift close-up', () => {
  const offsets = (els: XmlElement[], process: string): number[] => {
    const i = els.findIndex((e) => e.name === 'g' && has(e, 'clock') && e.attributes['data-process'] === process);
    return inside(els, i)
      .filter((e) => e.name === 'text' && /^[+−]?[\d\u202F.]+ ms$/.test(e.text))
      .map((e) => Number(e.text.replace('−', '-').replace(/[+\u202F]| ms/g, '')));
  };

  it('draws the fast node\'s clock inside its window: about +195 ms there, not the whole run\'s 0 to +240', () => {
    const { html } = pages.drift!;
    expect(offsets(svgOf(html), 'redis-1').sort((a, b) => a - b)).toEqual([0, 240]);
    const closeUp = svgOf(html, 'closeup');
    const range = offsets(closeUp, 'redis-1');
    expect(range).toHaveLength(2);
    for (const v of range) {
      expect(v).toBeGreaterThan(190);
      expect(v).toBeLessThan(200);
    }
    // The curve runs from the window's left edge to its right edge.
    const i = closeUp.findIndex((e) => e.name === 'g' && has(e, 'clock') && e.attributes['data-process'] === 'redis-1');
    const xs = inside(closeUp, i).find((e) => e.name === 'polyline')!.attributes.points!.split(' ').map((p) => Number(p.split(',')[0]));
    expect(Math.min(...xs)).toBe(150);
    expect(Math.max(...xs)).toBe(1264);
  });

  it('draws where client-1\'s own clock reaches its validity, inside the close-up, after its section ended', () => {
    const { run, html } = pages.drift!;
    const closeUp = svgOf(html, 'closeup');
    const from = Number(closeUp[0]!.attributes['data-from']);
    const to = Number(closeUp[0]!.attributes['data-to']);
    const section = criticalSections(run.history).find((s) => s.process === 'client-1')!;
    // client-1's clock does not drift: its monotonic validUntil is the true time, in ms.
    const validEnd = section.validUntil * 1000;
    expect(validEnd).toBeGreaterThan(section.end);
    expect(validEnd).toBeLessThan(to);
    const marks = lane(closeUp, 'client-1').filter((e) => e.name === 'g' && has(e, 'validity-mark') && e.attributes['data-after-section'] === 'true');
    expect(marks).toHaveLength(1);
    const dashed = closeUp.filter((e) => e.parent === closeUp.indexOf(marks[0]!) && e.name === 'line' && e.attributes['stroke-dasharray'] === '3 2');
    expect(Number(dashed[0]!.attributes.x1)).toBeCloseTo(150 + ((validEnd - from) / (to - from)) * 1114, 0);
    expect(tip(closeUp, marks[0]!)).toMatch(/^client-1's monotonic clock reaches its lease's validUntil/);
  });

  it('says the drift-2% world drifts: not a control run; the control scenario still is one', () => {
    expect(pages.drift!.html).not.toContain('this run is the control');
    expect(pages.drift!.html).toContain(esc("The world itself, not a fault (no heal undoes it): redis-1's clock runs 2 % fast (drift +20000 ppm); redis-2's clock runs 2 % fast (drift +20000 ppm)."));
    expect(pages.control!.html).toContain('No faults: this run is the control.');
    // The CLI's text report says it too.
    expect(runReport(clockDrift, pages.drift!.run, 'replay', { timeline: false })).toContain(
      "\n  no faults, but not a control run: the world itself (no heal undoes it): redis-1's clock runs 2 % fast (drift +20000 ppm); redis-2's clock runs 2 % fast (drift +20000 ppm)\n",
    );
    expect(runReport(control, pages.control!.run, 'replay', { timeline: false })).not.toContain('the world itself');
  });
});
