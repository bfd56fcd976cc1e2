/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The playground page's script (bundled for the browser by src/play/bundle.ts): the lesson
 * list, the controls of the current state, and the run loop. Every change of a control makes a
 * new state; the state is run with the simulator itself (src/play/run.ts → runScenario) and the
 * result drawn with the run report's own SVG timeline (src/report/svg.ts), its violations in the
 * CLI's words, and the token and commands that reproduce it.
 *
 * Runs never overlap: a change during a run is kept and run next (the latest one wins). This
 * page's own code reads no clock and sets no timer: while a run is going, the simulator's
 * real-time guard would count any such call against the run (src/sim/real-time-guard.ts).
 * `window.locksimPlay.idle()` resolves when no run is pending (the browser test waits on it).
 */
import { runLockWord } from '../check/history.ts';
import { evidenceText } from '../check/evidence.ts';
import { modelLines } from '../faults/model.ts';
import { faultEffectText } from '../faults/record.ts';
import { renderTimelineSvg } from '../report/svg.ts';
import { violationSummary } from '../report/words.ts';
import type { Verdict } from '../scenario/types.ts';
import { withAlgorithm, withDelay, withDuration, withFencing, withLease, withLeaseOption, withLockOption, withNodeCount, withNodeDrift, withSeed, withTtl } from './edits.ts';
import { LESSONS, SIDE_TITLES, findLesson, type Lesson } from './lessons.ts';
import { ALGORITHM_DEFAULTS, type AlgorithmOptions } from './lock-spec.ts';
import { runPlay, type PlayOutcome } from './run.ts';
import { decodeState, encodeState } from './share.ts';
import { knobValue, lessonOf, lessonStartState, presetState, switchOn, withKnob, withSwitch, type PlayState } from './state.ts';

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

const ms = (value: number): string => `${Number.isInteger(value) ? value.toLocaleString('en-US') : value} ms`;

// ---------------------------------------------------------------------------------------------
// The state and the run loop

let state: PlayState;
let pending = false;
let running = false;
let runs = 0;
const idleWaiters: Array<() => void> = [];
let downloadUrl: string | null = null;

function setState(next: PlayState, rebuild: boolean): void {
  state = next;
  // The address holds the state: a link opens the page on exactly this.
  history.replaceState(null, '', `#${state.lesson}/${encodeState(state)}`);
  if (rebuild) renderControls();
  else refreshOutputs();
  schedule();
}

function schedule(): void {
  pending = true;
  byId('status').textContent = 'running…';
  if (!running) void loop();
}

async function loop(): Promise<void> {
  running = true;
  while (pending) {
    pending = false;
    const ran = state;
    let outcome: PlayOutcome | Error;
    try {
      outcome = await runPlay(ran);
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    runs++;
    renderResult(ran, outcome);
  }
  running = false;
  byId('status').textContent = '';
  for (const wake of idleWaiters.splice(0)) wake();
}

// ---------------------------------------------------------------------------------------------
// Lessons

function renderLessons(): void {
  const nav = byId('lessons');
  const intro = el(
    'p',
    { class: 'hint' },
    'In 2016 Martin Kleppmann argued that no lock with a lease survives a pause, a slow network or a jumping clock without fencing tokens; Salvatore Sanfilippo (antirez) answered with what Redlock measures and assumes. The lessons follow that debate, then the pitfalls of implementations.',
  );
  const list = el('ol');
  for (const lesson of LESSONS) {
    const link = el('a', { href: `#${lesson.scenario.name}`, 'data-lesson': lesson.scenario.name }, lesson.heading, el('small', {}, `${SIDE_TITLES[lesson.side]} · ${lesson.scenario.name}`));
    link.addEventListener('click', (event) => {
      event.preventDefault();
      openLesson(lesson);
    });
    list.append(el('li', {}, link));
  }
  nav.replaceChildren(el('h3', {}, 'Lessons'), intro, list);
}

function openLesson(lesson: Lesson, shared: PlayState | null = null): void {
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav#lessons a')) a.classList.toggle('current', a.dataset.lesson === lesson.scenario.name);
  byId('lesson-title').textContent = `${lesson.heading}`;
  byId('lesson-side').textContent = `${LESSONS.indexOf(lesson) + 1} of ${LESSONS.length} · ${SIDE_TITLES[lesson.side]} · the catalog's ${lesson.scenario.name}: ${lesson.scenario.title}`;
  byId('lesson-try').textContent = lesson.tryThis;
  byId('lesson-explanation').textContent = lesson.scenario.explanation;
  setState(shared !== null && shared.lesson === lesson.scenario.name ? shared : lessonStartState(lesson), true);
}

// ---------------------------------------------------------------------------------------------
// Controls

/** Updates every `<output>` from the state (while a slider is dragged, nothing is rebuilt). */
function refreshOutputs(): void {
  for (const output of document.querySelectorAll<HTMLOutputElement>('#controls output[data-format]')) {
    const input = document.getElementById(output.htmlFor.value) as HTMLInputElement | null;
    if (input !== null) output.textContent = formatValue(output.dataset.format ?? '', Number(input.value));
  }
}

function formatValue(format: string, value: number): string {
  switch (format) {
    case 'ms':
      return ms(value);
    case 'ppm':
      return `${value > 0 ? '+' : ''}${value.toLocaleString('en-US')} ppm (${value > 0 ? '+' : ''}${(value / 10_000).toFixed(2)} %)`;
    case 'factor':
      return `${value} (${(value * 100).toFixed(1)} % of the TTL)`;
    case 'count':
      return String(value);
    default:
      return String(value);
  }
}

interface SliderSpec {
  readonly id: string;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly value: number;
  readonly format: string;
  readonly onInput: (value: number) => PlayState;
}

function slider(spec: SliderSpec): HTMLElement {
  const input = el('input', { type: 'range', id: spec.id, min: String(spec.min), max: String(spec.max), step: String(spec.step), value: String(spec.value) });
  // A value off the slider's grid (the catalog's own) is kept, not rounded, until the slider moves.
  input.value = String(spec.value);
  const output = el('output', { for: spec.id, 'data-format': spec.format }, formatValue(spec.format, spec.value));
  input.addEventListener('input', () => setState(spec.onInput(Number(input.value)), false));
  return el('div', { class: 'control' }, el('label', { for: spec.id }, spec.label), input, output);
}

function checkbox(id: string, label: string, checked: boolean, onChange: (on: boolean) => PlayState): HTMLElement {
  const input = el('input', { type: 'checkbox', id });
  input.checked = checked;
  input.addEventListener('change', () => setState(onChange(input.checked), true));
  return el('div', { class: 'control check' }, input, el('label', { for: id }, label));
}

function select<T extends string>(id: string, label: string, options: ReadonlyArray<readonly [T, string]>, value: T, onChange: (value: T) => PlayState): HTMLElement {
  const input = el('select', { id }, ...options.map(([v, text]) => el('option', { value: v }, text)));
  input.value = value;
  input.addEventListener('change', () => setState(onChange(input.value as T), true));
  return el('div', { class: 'control' }, el('label', { for: id }, label), input);
}

function fieldset(legend: string, ...controls: Array<HTMLElement | null>): HTMLElement | null {
  const present = controls.filter((c): c is HTMLElement => c !== null);
  return present.length === 0 ? null : el('fieldset', {}, el('legend', {}, legend), ...present);
}

const TIMEOUTS: ReadonlyArray<readonly [string, string]> = [
  ['50', '50 ms (default)'],
  ['200', '200 ms'],
  ['1000', '1 s'],
  ['20000', '20 s'],
  ['Infinity', 'forever'],
];

const DELAYS: readonly number[] = [1, 2, 5, 10, 20, 60, 100, 200, 500, 1_000];

function presetControls(lesson: Lesson): HTMLElement | null {
  const options = lesson.scenario.variants.map((v) => [v.name, `${v.name} (the catalog's own run: ${v.expected})`] as const);
  const control = select('preset', 'catalog variant', options, state.preset, (name) => presetState(lesson, name, state.seed));
  const note = lesson.scenario.variants.find((v) => v.name === state.preset)?.note;
  return fieldset('Start from', control, note === undefined ? null : el('p', { class: 'hint' }, note));
}

function faultControls(lesson: Lesson): HTMLElement | null {
  const sliders = lesson.faultKnobs.map((knob) => {
    const value = knobValue(state, knob);
    if (value === undefined) return null;
    return slider({ id: `knob-${knob.id}`, label: knob.label, min: Math.min(knob.min, value), max: Math.max(knob.max, value), step: knob.step, value, format: 'ms', onInput: (v) => withKnob(state, knob, v) });
  });
  return fieldset('Faults', ...sliders);
}

function lockControls(): HTMLElement | null {
  const lock = state.setup.lock;
  const defaults = ALGORITHM_DEFAULTS[lock.algorithm];
  const option = <K extends keyof AlgorithmOptions>(key: K): AlgorithmOptions[K] => (lock.options[key] ?? defaults[key]) as AlgorithmOptions[K];
  const isRedlock = lock.algorithm === 'redlock';
  return fieldset(
    'Lock',
    select('lock-algorithm', 'algorithm', [['redlock', 'Redlock (a majority of the nodes)'], ['single-instance', 'single instance (SET NX PX on one node)']], lock.algorithm, (a) => withAlgorithm(state, a)),
    checkbox('lock-fencing', 'fencing tokens (the resource refuses a token lower than one it has seen)', lock.fencing !== undefined, (on) => withFencing(state, on)),
    slider({ id: 'lock-drift-factor', label: 'drift factor (validity = ttl − elapsed − ttl × factor − 2 ms)', min: 0, max: 0.05, step: 0.001, value: option('driftFactor') ?? 0.01, format: 'factor', onInput: (v) => withLockOption(state, 'driftFactor', v) }),
    isRedlock ? checkbox('lock-check-validity', 'check the validity after the last reply (the elapsed-time check)', option('checkValidity') !== false, (on) => withLockOption(state, 'checkValidity', on)) : null,
    isRedlock ? checkbox('lock-release-on-failure', 'release every node after a failed attempt', option('releaseOnFailure') !== false, (on) => withLockOption(state, 'releaseOnFailure', on)) : null,
    select('lock-release', 'release by', [['compare-and-delete', 'compare-and-delete (a Lua script)'], ['del', 'plain DEL (a flaw)']], option('release') ?? 'compare-and-delete', (v) => withLockOption(state, 'release', v)),
    select('lock-time-source', 'validity measured on', [['monotonic', 'the monotonic clock'], ['wall', 'the wall clock (a flaw)']], option('timeSource') ?? 'monotonic', (v) => withLockOption(state, 'timeSource', v)),
    select('lock-timeout', 'wait for each node\'s answer', TIMEOUTS, String(option('timeoutMs') ?? 50), (v) => withLockOption(state, 'timeoutMs', Number(v))),
    checkbox('lock-lease', 'renew the lease in the background (every third of the TTL; the holder hears of a loss through its abort signal)', lock.lease !== undefined, (on) => withLease(state, on)),
    lock.lease === undefined
      ? null
      : select('lock-renewal', 'renew by', [['extend', 'the lock\'s own extend'], ['recreate-missing', 're-SET a key that vanished (a flaw)']], lock.lease.renewal ?? 'extend', (v) => withLeaseOption(state, 'renewal', v)),
    lock.lease === undefined
      ? null
      : select('lock-extend', 'extend by', [['compare-and-pexpire', 'compare-and-pexpire (a Lua script)'], ['pexpire', 'plain PEXPIRE (a flaw)']], option('extend') ?? 'compare-and-pexpire', (v) => withLockOption(state, 'extend', v)),
    lock.lease?.maxRenewals === 0 ? el('p', { class: 'hint' }, 'this lesson\'s lease never renews: the holder only watches its validity') : null,
  );
}

function worldControls(lesson: Lesson): HTMLElement | null {
  const s = state.setup;
  const delay = s.delay;
  const delayValue = delay === undefined ? 'default' : delay.kind === 'fixed' ? String(delay.ms) : 'custom';
  const delayOptions: Array<readonly [string, string]> = [['default', 'locksim\'s default (0.1–2 ms)'], ...DELAYS.map((d) => [String(d), `${d} ms, every message`] as const)];
  if (delay !== undefined && !delayOptions.some(([v]) => v === delayValue)) delayOptions.push([delayValue, delay.kind === 'fixed' ? `${delay.ms} ms, every message` : `${delay.minMs}–${delay.maxMs} ms (the scenario's)`]);
  const counts = lesson.nodeCounts;
  const primaries = s.nodes.filter((n) => n.replicaOf === undefined);
  const drifts = el(
    'details',
    { id: 'node-clocks', ...(lesson.scenario.name === 'clock-drift' ? { open: '' } : {}) },
    el('summary', {}, 'node clocks (drift)'),
    ...primaries.map((n) => slider({ id: `drift-${n.name}`, label: `${n.name} runs fast (+) or slow (−)`, min: -30_000, max: 30_000, step: 500, value: n.driftPpm ?? 0, format: 'ppm', onInput: (v) => withNodeDrift(state, n.name, v) })),
  );
  const seed = el('input', { type: 'number', id: 'seed', min: '0', step: '1', value: String(state.seed) });
  seed.addEventListener('change', () => {
    const value = Number(seed.value);
    if (Number.isSafeInteger(value) && value >= 0) setState(withSeed(state, value), false);
  });
  return fieldset(
    'World',
    slider({ id: 'world-ttl', label: 'TTL of the lock', min: 500, max: 30_000, step: 250, value: s.workload.ttlMs, format: 'ms', onInput: (v) => withTtl(state, v) }),
    select('world-delay', 'network delay, one way', delayOptions, delayValue, (v) => withDelay(state, v === 'default' ? undefined : v === 'custom' ? s.delay : { kind: 'fixed', ms: Number(v) })),
    counts === undefined ? null : slider({ id: 'world-nodes', label: 'Redis nodes', min: Math.min(...counts), max: Math.max(...counts), step: 1, value: s.nodes.length, format: 'count', onInput: (v) => withNodeCount(state, v) }),
    drifts,
    slider({ id: 'world-duration', label: 'run length', min: 1_000, max: 60_000, step: 500, value: s.durationMs, format: 'ms', onInput: (v) => withDuration(state, v) }),
    el('div', { class: 'control' }, el('label', { for: 'seed' }, 'seed (the run\'s random choices: delays, work times, tokens)'), seed),
  );
}

function workloadControls(lesson: Lesson): HTMLElement | null {
  return fieldset('Clients', ...(lesson.switches ?? []).map((sw) => checkbox(`switch-${sw.id}`, sw.label, switchOn(state, sw), (on) => withSwitch(state, sw, on))));
}

function renderControls(): void {
  const lesson = lessonOf(state);
  const column = (...sets: Array<HTMLElement | null>): HTMLElement => el('div', { class: 'column' }, ...sets.filter((c): c is HTMLElement => c !== null));
  byId('controls').replaceChildren(column(presetControls(lesson), faultControls(lesson), workloadControls(lesson)), column(lockControls()), column(worldControls(lesson)));
  // Node-count sliders rebuild the node-clock sliders when they stop moving.
  const nodes = document.getElementById('world-nodes');
  nodes?.addEventListener('change', () => renderControls());
}

// ---------------------------------------------------------------------------------------------
// Results

const VERDICT_CLASS: Record<Verdict, string> = { safe: 'v-safe', unsafe: 'v-unsafe', stuck: 'v-stuck', invalid: 'v-invalid' };

function showVerdict(verdict: Verdict | 'error'): void {
  const badge = byId('verdict');
  badge.className = `badge ${verdict === 'error' ? 'v-invalid' : VERDICT_CLASS[verdict]}`;
  badge.textContent = verdict === 'error' ? 'NOT RUN' : verdict.toUpperCase();
  document.body.dataset.verdict = verdict;
  document.body.dataset.runs = String(runs);
}

function renderResult(ran: PlayState, outcome: PlayOutcome | Error): void {
  const problem = byId('problem');
  const clear = (): void => {
    byId('violations').replaceChildren();
    byId('timeline-wrap').replaceChildren();
    byId('facts').textContent = '';
    byId('faults-fired').replaceChildren();
  };
  if (outcome instanceof Error || !outcome.ok) {
    clear();
    showVerdict('error');
    problem.hidden = false;
    problem.textContent = outcome instanceof Error ? `internal error of locksim: ${outcome.message}` : outcome.error;
    return;
  }
  problem.hidden = true;
  const { result, reproduction, play } = outcome;
  showVerdict(result.verdict);
  document.body.dataset.traceHash = result.traceHash;
  const lines = result.verdict === 'invalid' && result.invalid !== null ? [`no verdict: ${result.invalid.reason}`] : violationSummary(result.violations, 5, runLockWord(result.history));
  if (lines.length === 0) lines.push(`no violation: every checked property (${result.properties.join(', ')}) held`);
  byId('violations').replaceChildren(...lines.map((line) => el('li', {}, line)), ...modelLines(result).map((line) => el('li', { class: 'hint' }, line.trim())));
  byId('timeline-wrap').innerHTML = renderTimelineSvg({ result, id: 'timeline' });
  byId('facts').textContent = `${result.lockName} · seed ${result.seed} · ${evidenceText(result.evidence)} · ${result.events.toLocaleString('en-US')} kernel events over ${ms(result.stats.simulatedMs)} of simulated time`;
  byId('faults-fired').replaceChildren(...result.faultsFired.map((f) => el('li', {}, `${f.description}: ${faultEffectText(f)}`)));

  byId('replay').textContent = reproduction.replay;
  const run = byId('run-command');
  run.hidden = reproduction.run === undefined;
  run.textContent = reproduction.run === undefined ? '' : `or: ${reproduction.run}`;
  byId('trace-hash').textContent = result.traceHash;
  const fileBox = byId('file-box');
  const details = byId('file-details');
  if (downloadUrl !== null) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  if (reproduction.file === undefined) {
    byId('repro-how').textContent =
      play.kind === 'catalog'
        ? `This is the catalog's ${play.scenario.name} / ${play.variant.name}${play.durationMs === undefined ? '' : `, run for ${ms(play.durationMs)}`}, with the fault schedule above: the token carries all of it and replays it wherever locksim is installed.`
        : '';
    fileBox.hidden = true;
    details.hidden = true;
  } else {
    const file = reproduction.file;
    byId('repro-how').textContent = `This state changes the world, the workload or the lock of ${ran.lesson} / ${ran.preset}, which a replay token of the catalog cannot carry: the command line runs it from a scenario file of its own. Save ${file.name} at the root of your project (beside its package.json); the token then replays it from any folder of the project.`;
    downloadUrl = URL.createObjectURL(new Blob([file.text], { type: 'text/plain' }));
    const link = byId<HTMLAnchorElement>('download');
    link.href = downloadUrl;
    link.download = file.name;
    link.textContent = `Download ${file.name}`;
    byId('file-text').textContent = file.text;
    fileBox.hidden = false;
    details.hidden = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Start

declare global {
  interface Window {
    /** For the browser test: resolves once no run is pending; how many runs have finished. */
    locksimPlay: { idle(): Promise<void>; runs(): number; state(): PlayState };
  }
}

window.locksimPlay = {
  idle: () => (running || pending ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
  runs: () => runs,
  state: () => state,
};

/** The lesson (and the state, if the link holds one) named by the address: `#gc-pause` or `#gc-pause/<state>`. */
function fromAddress(): { lesson: Lesson | undefined; shared: PlayState | null } {
  const [name = '', encoded] = decodeURIComponent(location.hash.slice(1)).split('/');
  return { lesson: findLesson(name), shared: encoded === undefined ? null : decodeState(encoded) };
}

renderLessons();
const first = fromAddress();
openLesson(first.lesson ?? (LESSONS[1] as Lesson), first.shared);
window.addEventListener('hashchange', () => {
  const { lesson, shared } = fromAddress();
  if (lesson !== undefined && (lesson.scenario.name !== state.lesson || shared !== null)) openLesson(lesson, shared);
});
