/**
 * Regenerates docs/report-screenshot.png: the report of a real gc-pause/redlock run (seed 1),
 * as headless Chromium shows its top 1400 × 1000 pixels; and docs/playground-screenshot.png:
 * the playground's gc-pause lesson with the pause moved past the lease (test/play/screenshot.ts).
 *
 *   npx tsx test/report/make-screenshot.ts
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gcPause from '../../scenarios/gc-pause.ts';

import { runToken } from '../../src/explore/token.ts';
import { writeRunReport } from '../../src/report/write.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { screenshot } from './chromium.ts';
import { playgroundScreenshot } from '../play/screenshot.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'locksim-screenshot-'));
try {
  const result = await runScenario(gcPause, { seed: 1, variant: 'redlock', keepTrace: true });
  const { html } = writeRunReport(dir, gcPause, result, runToken(result, 'gc-pause'));
  mkdirSync(join(root, 'docs'), { recursive: true });
  const png = join(root, 'docs', 'report-screenshot.png');
  const run = screenshot(html, png, 1400, 1000);
  if (run.problems.length > 0) throw new Error(`the page logged: ${run.problems.join('\n')}`);
  process.stdout.write(`wrote ${png}\n`);
  const playground = join(root, 'docs', 'playground-screenshot.png');
  await playgroundScreenshot(playground);
  process.stdout.write(`wrote ${playground}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
