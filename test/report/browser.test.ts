/**
 * The run report in a real browser (headless Debian Chromium): the SVG timeline is laid out
 * with a lane for every process and the violation marked, labels do not overlap, and the page
 * logs nothing (no console message, no uncaught error, no failed load).
 *
 * With CI=true this must run: a missing browser fails (`apt-get install chromium`). Without
 * CI it is skipped, saying so, when /usr/bin/chromium is absent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gcPause from '../../scenarios/gc-pause.ts';
import plainDel from '../../scenarios/plain-del-release.ts';

import { runToken } from '../../src/explore/token.ts';
import { writeRunReport } from '../../src/report/write.ts';
import type { RunResult } from '../../src/scenario/run.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { CHROMIUM, chromiumAvailable, dumpDom, MEASURE_SCRIPT, readMeasure } from './chromium.ts';
import { fixtureRun, SCENARIO } from './fixtures.ts';

const inCI = process.env.CI === 'true' || process.env.CI === '1';
const available = chromiumAvailable();
const INSTALL = `apt-get install chromium (the browser test needs ${CHROMIUM})`;
if (!available && !inCI) console.warn(`skipping the browser test: ${CHROMIUM} not found; ${INSTALL}`);

describe.skipIf(!available && !inCI)('the run report in headless Chromium', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'locksim-browser-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a browser to run in', () => {
    if (!available) throw new Error(`CI=true requires the browser test: ${INSTALL}`);
  });

  it('notices console errors and uncaught exceptions (the check is not vacuous)', () => {
    const canary = join(dir, 'canary.html');
    writeFileSync(canary, '<!doctype html><title>canary</title><p>x</p><script>console.error("canary-error"); missingFunction();</script>');
    const run = dumpDom(canary);
    expect(run.problems.some((p) => p.includes('canary-error'))).toBe(true);
    expect(run.problems.some((p) => p.includes('Uncaught'))).toBe(true);
  });

  /** Checks a written report in the browser; returns what it measured. */
  function checkInBrowser(html: string, result: RunResult): void {
    const shown = dumpDom(html);
    expect(shown.problems).toEqual([]);
    const dom = shown.stdout;
    for (const p of [...result.processes.clients, ...result.processes.nodes]) {
      expect(dom).toContain(`<g class="lane" data-process="${p}"`);
      expect(dom).toContain(`<g class="clock" data-process="${p}"`);
    }
    if (result.violations.some((v) => v.property === 'mutex')) expect(dom).toContain('<g class="violation" data-property="mutex"');

    // What the browser actually laid out: a measuring script in a copy of the page.
    const measured = join(dir, `measured-${result.variant.replace(/\W/g, '_')}.html`);
    writeFileSync(measured, readFileSync(html, 'utf8').replace('</body>', `${MEASURE_SCRIPT}</body>`));
    const run = dumpDom(measured);
    expect(run.problems).toEqual([]);
    const m = readMeasure(run.stdout);
    expect(m.svgWidth).toBeGreaterThan(1000);
    for (const p of [...result.processes.clients, ...result.processes.nodes]) {
      const [w, h] = m.lanes[p] ?? [0, 0];
      expect(w, `lane of ${p}`).toBeGreaterThan(1000);
      expect(h, `lane of ${p}`).toBeGreaterThan(20);
      expect(m.clocks[p]?.[0] ?? 0, `clock chart of ${p}`).toBeGreaterThan(1000);
    }
    const mutexes = result.violations.filter((v) => v.property === 'mutex').length;
    if (mutexes > 0) {
      const box = m.violations[0] ?? [0, 0, 0, 0];
      expect(box[2]).toBeGreaterThan(20);
      expect(box[3]).toBeGreaterThan(2 * 60); // it spans both clients' lanes
    }
    expect(m.overlaps, 'labels that overlap').toEqual([]);
  }

  it('draws the hand-built gc-pause run: lanes, violation, no errors, no overlapping labels', () => {
    const result = fixtureRun({ fenced: false });
    const { html } = writeRunReport(dir, SCENARIO, result, 'fixture');
    checkInBrowser(html, result);
  });

  it('draws a real gc-pause/redlock run the same way', async () => {
    const result = await runScenario(gcPause, { seed: 1, variant: 'redlock', keepTrace: true });
    expect(result.verdict).toBe('unsafe');
    const { html } = writeRunReport(dir, gcPause, result, runToken(result, 'gc-pause'));
    checkInBrowser(html, result);
  });

  it('draws the mechanism of plain-del-release/release=del (node and resource lanes, the stray DEL labelled) without overlapping labels', async () => {
    const result = await runScenario(plainDel, { seed: 1, variant: 'release=del', keepTrace: true });
    const { html } = writeRunReport(dir, plainDel, result, runToken(result, 'plain-del-release'));
    checkInBrowser(html, result);
    const dom = dumpDom(html).stdout;
    expect(dom).toContain('<g class="lane" data-process="resource" data-role="resource">');
    expect(dom).toMatch(/<text class="anomaly-label[^>]*>DEL from client-1 deleted client-\d's key/);
  });

  it('draws the fenced run (the refused write) without errors', async () => {
    const result = await runScenario(gcPause, { seed: 1, variant: 'redlock+fencing', keepTrace: true });
    const { html } = writeRunReport(dir, gcPause, result, runToken(result, 'gc-pause'), { real: true });
    checkInBrowser(html, result);
    expect(readFileSync(html, 'utf8')).toContain('data-accepted="false"');
  });
});
