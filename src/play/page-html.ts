/**
 * The playground's HTML page: a static shell (the layout, the styles of the run reports plus the
 * playground's own) that loads the bundled script `play.js`, which builds the controls and runs
 * the simulator. The same page is served by `locksim play` and written by the static build; it
 * fetches nothing else, so it works from any static host and from a file on disk.
 */
import { documentHead, PAGE_STYLE } from '../report/html.ts';
import { esc } from '../report/escape.ts';

/** The name the bundled script is served and written under, beside the page. */
export const PLAY_SCRIPT = 'play.js';

const PLAY_STYLE = [
  'main{max-width:none;padding:0}',
  '.top{background:#1f2328;color:#f6f8fa;padding:8px 16px;font-size:14px}',
  '.top strong{font-size:16px}',
  '.layout{display:grid;grid-template-columns:250px minmax(0,1fr);gap:0;min-height:calc(100vh - 40px)}',
  'nav#lessons{border-right:1px solid #d0d7de;padding:10px 10px 30px;background:#f6f8fa;font-size:14px}',
  'nav#lessons h3{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#656d76;margin:4px 0 4px}',
  'nav#lessons ol{padding-left:22px;margin:6px 0}',
  'nav#lessons li{margin:2px 0;color:#656d76}',
  'nav#lessons a{display:block;padding:3px 6px;border-radius:5px;color:#1f2328;text-decoration:none}',
  'nav#lessons a:hover{background:#eaeef2}',
  'nav#lessons a.current{background:#2f6fde;color:#fff}',
  'nav#lessons a small{display:block;color:inherit;opacity:.7;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:11px}',
  '#page{padding:12px 18px 40px;min-width:0;overflow-x:hidden}',
  '.side{font-size:13px;color:#656d76;margin:0}',
  '.try{max-width:980px;background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px}',
  '#controls{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px;align-items:start;margin:10px 0;max-width:1250px}',
  '#controls .column{display:flex;flex-direction:column;gap:8px;min-width:0}',
  '#controls fieldset{border:1px solid #d0d7de;border-radius:6px;padding:4px 10px 6px;margin:0;min-width:0}',
  '@media (max-width:900px){#controls{grid-template-columns:minmax(0,1fr)}.layout{grid-template-columns:minmax(0,1fr)}}',
  '#controls legend{font-weight:600;font-size:13px;padding:0 4px}',
  '.control{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:0 8px;align-items:center;font-size:13px;margin:4px 0}',
  '.control label{grid-column:1/3}',
  '.control input[type=range]{width:100%}',
  '.control output{font-variant-numeric:tabular-nums;font-size:12px;color:#424a53;min-width:70px;text-align:right}',
  '.control.check{display:flex;gap:6px;align-items:center}',
  '.control.check label{grid-column:auto}',
  '.control select,.control input[type=number]{font:inherit;font-size:13px;grid-column:1/3;width:100%;box-sizing:border-box}',
  '.hint{font-size:12px;color:#656d76;margin:2px 0}',
  '#result-head{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:8px 0}',
  '#verdict{font-size:16px;padding:3px 14px}',
  '#status{font-size:13px;color:#656d76}',
  '#problem{white-space:pre-wrap;color:#a40e26}',
  '#violations li{margin:4px 0;font-size:14px;white-space:pre-line}',
  '#file-text{white-space:pre-wrap;overflow-wrap:anywhere}',
  '#facts{font-size:13px;color:#424a53;margin:4px 0}',
  '#faults-fired{font-size:13px;color:#424a53}',
  '.repro pre{margin:4px 0}',
  'button.copy{font-size:12px;margin-left:6px}',
  'footer{padding:10px 18px 30px}',
].join('\n');

/** The page, loading `scriptHref` (the bundled simulator and controls). */
export function playPageHtml(scriptHref = PLAY_SCRIPT): string {
  return [
    ...documentHead('locksim playground', `${PAGE_STYLE}\n${PLAY_STYLE}`, ['<link rel="icon" href="data:,">']),
    '<body data-verdict="none">',
    '<div class="top"><strong>locksim playground</strong> · the simulator itself runs in this page: move a control and the run is executed again and redrawn, with its verdict and the command line that reproduces it</div>',
    '<div class="layout">',
    '<nav id="lessons" aria-label="lessons"></nav>',
    '<main id="page">',
    '<h1 id="lesson-title">locksim playground</h1>',
    '<p class="side" id="lesson-side"></p>',
    '<p class="try" id="lesson-try">Loading the simulator…</p>',
    '<details id="lesson-story"><summary>The scenario, as the catalog tells it</summary><p id="lesson-explanation"></p></details>',
    '<section id="controls" aria-label="controls"></section>',
    '<section id="result" aria-live="polite">',
    '<div id="result-head"><span id="verdict" class="badge">…</span><span id="status"></span></div>',
    '<p id="problem" hidden></p>',
    '<div class="svg-wrap" id="timeline-wrap"></div>',
    '<ul id="violations"></ul>',
    '<p id="facts"></p>',
    '<ul id="faults-fired"></ul>',
    '<h2>Reproduce it on the command line</h2>',
    '<div class="repro">',
    '<p id="repro-how"></p>',
    '<p id="file-box" hidden><a id="download" href="#">Download the scenario file</a></p>',
    '<pre class="replay" id="replay"></pre>',
    '<pre class="replay" id="run-command" hidden></pre>',
    '<p>Trace hash <code id="trace-hash"></code>: the same on the command line, on every machine, for the same locksim version.</p>',
    '<details id="file-details" hidden><summary>The scenario file</summary><pre id="file-text"></pre></details>',
    '</div>',
    '</section>',
    '</main>',
    '</div>',
    `<footer><p>Every scenario of the catalog whose lock is one of locksim's own algorithms is a lesson here. The published-library scenarios (library-redlock4, library-redis-semaphore, …) are not: they load each npm library into a node:vm realm per simulated client, which a browser does not have; run them with <code>npx locksim run library-redlock4</code>. Times are true time, in ms, unless a clock is named.</p></footer>`,
    `<script src="${esc(scriptHref)}"></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
