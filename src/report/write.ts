import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { replayCommand } from '../explore/token.ts';
import type { RealRunResult } from '../real/runner.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { renderRunHtml, type RunHtmlOptions } from './html.ts';
import { renderCatalogIndex, type CatalogRow } from './index-page.ts';
import { realResultJson, runResultJson } from './json.ts';
import { renderJUnit, type JUnitOptions } from './junit.ts';

/**
 * Writing reports to disk. Every file is written to a temporary file in the same folder and
 * renamed over the target, so a reader (a browser, a CI artifact upload, a crash half-way)
 * sees the old report or the new one, never half of one.
 *
 * Layout: `<dir>/index.html`, `<dir>/junit.xml`, and per run `<dir>/<scenario>/<variant>.html`
 * and `.json`, with names made safe by {@link safeName}.
 */

let serial = 0;

/** Writes `text` to `path` atomically (temporary file in the same folder, then rename). */
export function writeFileAtomic(path: string, text: string): void {
  const folder = dirname(path);
  mkdirSync(folder, { recursive: true });
  const temp = join(folder, `.${basename(path)}.${process.pid}.${++serial}.tmp`);
  try {
    writeFileSync(temp, text, 'utf8');
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable tag for a name that had to be changed. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A file-name-safe form of a scenario or variant name: letters, digits, `.`, `_` and `-` are
 * kept; every other run of characters (`+`, `(`, `=`, `,`, spaces, slashes) becomes `_`; and a
 * name that had to change gets its hash appended so two names never share a file
 * (`redlock+fencing` → `redlock_fencing-3f2a9c1b`). Same name, same file, on every machine.
 */
export function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80);
  if (cleaned === name && cleaned !== '') return cleaned;
  return `${cleaned.replace(/_+$/, '') || 'x'}-${fnv1a(name)}`;
}

/** Where a run's report lives, relative to the report folder: `<scenario>/<variant>.html`. */
export function runReportPath(result: Pick<RunResult, 'scenario' | 'variant'>, extension: 'html' | 'json' = 'html'): string {
  return `${safeName(result.scenario)}/${safeName(result.variant)}.${extension}`;
}

/**
 * Writes `<dir>/<scenario>/<variant>.html` and `.json` (the run's result with its history, which
 * `locksim check` can judge again; a real run's with its real-mode fields); returns their paths.
 * `token` replays the run (a real run: its simulated twin).
 */
export function writeRunReport(
  dir: string,
  scenario: Scenario,
  result: RunResult | RealRunResult,
  token: string,
  options: Omit<RunHtmlOptions, 'replayCommand'> = {},
): { html: string; json: string } {
  const html = join(dir, runReportPath(result, 'html'));
  const json = join(dir, runReportPath(result, 'json'));
  const data = 'mode' in result ? realResultJson(result, token, { history: true }) : runResultJson(result, { command: 'run', token, history: true });
  writeFileAtomic(json, `${JSON.stringify(data, null, 1)}\n`);
  writeFileAtomic(html, renderRunHtml(scenario, result, { ...options, replayCommand: replayCommand(token) }));
  return { html, json };
}

/** Writes `<dir>/index.html` (the catalog matrix) and `<dir>/junit.xml` (with each run's wall time and replay command when given); returns their paths. */
export function writeCatalogReports(dir: string, rows: ReadonlyArray<CatalogRow>, options: Partial<JUnitOptions> = {}): { index: string; junit: string } {
  const index = join(dir, 'index.html');
  const junit = join(dir, 'junit.xml');
  writeFileAtomic(junit, renderJUnit(rows.flatMap((r) => r.results), { ...options, name: options.name ?? 'locksim' }));
  writeFileAtomic(index, renderCatalogIndex(rows));
  return { index, junit };
}
