/**
 * Headless Debian Chromium for the report tests, with no npm package: `--dump-dom` gives the
 * DOM after the page loaded (and after its inline scripts ran), `--enable-logging=stderr`
 * prints every console message and uncaught error as a `CONSOLE` line on stderr, and
 * `--screenshot` writes a PNG. Every call gets a fresh profile folder, and the host resolver
 * maps every name to nowhere, so a report that tried to fetch anything would log an error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.LOCKSIM_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export interface BrowserRun {
  readonly stdout: string;
  readonly stderr: string;
  /** Console messages, uncaught errors and failed loads the page caused. */
  readonly problems: string[];
}

const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--hide-scrollbars',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--enable-logging=stderr',
  '--v=0',
];

/** What on Chromium's stderr comes from the page (not from Chromium's own start-up noise). */
export function pageProblems(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => /CONSOLE|Uncaught|Failed to load resource|net::ERR_/.test(line))
    .map((line) => line.trim());
}

function run(file: string, extra: readonly string[]): BrowserRun {
  const profile = mkdtempSync(join(tmpdir(), 'locksim-chromium-'));
  try {
    const result = spawnSync(CHROMIUM, [...BASE_FLAGS, `--user-data-dir=${profile}`, ...extra, pathToFileURL(file).href], {
      encoding: 'utf8',
      timeout: 90_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error !== undefined) throw new Error(`could not run ${CHROMIUM}: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`${CHROMIUM} exited with ${String(result.status)}: ${result.stderr.slice(-2000)}`);
    return { stdout: result.stdout, stderr: result.stderr, problems: pageProblems(result.stderr) };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Loads `file` and returns the DOM as serialised after load. */
export function dumpDom(file: string): BrowserRun {
  return run(file, ['--dump-dom', '--window-size=1400,1000']);
}

/** Loads `file` and writes a PNG screenshot of the top `width` × `height` pixels. */
export function screenshot(file: string, png: string, width = 1400, height = 1000): BrowserRun {
  return run(file, [`--screenshot=${png}`, `--window-size=${width},${height}`]);
}

/**
 * A script to append to a copy of a report: it measures what the browser actually laid out
 * (each lane's and each violation's box, overlapping labels) and writes it as JSON into
 * `<pre id="measure">`, which `--dump-dom` then carries out.
 */
export const MEASURE_SCRIPT = `<script>
(function () {
  var out = { svgWidth: 0, lanes: {}, clocks: {}, violations: [], overlaps: [] };
  var svg = document.getElementById('timeline');
  out.svgWidth = svg.getBoundingClientRect().width;
  svg.querySelectorAll('g.lane').forEach(function (g) { var b = g.getBBox(); out.lanes[g.getAttribute('data-process')] = [b.width, b.height]; });
  svg.querySelectorAll('g.clock').forEach(function (g) { var b = g.getBBox(); out.clocks[g.getAttribute('data-process')] = [b.width, b.height]; });
  svg.querySelectorAll('g.violation').forEach(function (g) { var b = g.getBBox(); out.violations.push([b.x, b.y, b.width, b.height]); });
  var texts = Array.prototype.slice.call(svg.querySelectorAll('text')).map(function (t) { var r = t.getBoundingClientRect(); return { text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom }; });
  for (var i = 0; i < texts.length; i++) for (var j = i + 1; j < texts.length; j++) {
    var a = texts[i], c = texts[j];
    if (a.l < c.r - 1 && c.l < a.r - 1 && a.t < c.b - 1 && c.t < a.b - 1) out.overlaps.push([a.text, c.text]);
  }
  var pre = document.createElement('pre'); pre.id = 'measure'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
})();
</script>`;

export interface Measure {
  readonly svgWidth: number;
  readonly lanes: Record<string, [number, number]>;
  readonly clocks: Record<string, [number, number]>;
  readonly violations: Array<[number, number, number, number]>;
  readonly overlaps: Array<[string, string]>;
}

/** Parses what {@link MEASURE_SCRIPT} wrote into the dumped DOM. */
export function readMeasure(dom: string): Measure {
  const m = /<pre id="measure">([\s\S]*?)<\/pre>/.exec(dom);
  if (m === null) throw new Error('the measuring script did not run (no <pre id="measure"> in the DOM)');
  const json = (m[1] as string).replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return JSON.parse(json) as Measure;
}
