/**
 * A screenshot of the playground as a learner sees it: the static build opened in headless
 * Chromium (driven by playwright-core, as the browser test drives it), the gc-pause lesson with
 * its pause slider moved past the lease, the run redrawn UNSAFE. test/report/make-screenshot.ts
 * writes it to docs/playground-screenshot.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { writePlaySite } from '../../src/play/build.ts';
import { CHROMIUM } from '../report/chromium.ts';

export async function playgroundScreenshot(png: string, width = 1400, height = 1100): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'locksim-play-screenshot-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const { index } = await writePlaySite(dir);
    const page = await browser.newPage({ viewport: { width, height } });
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => void problems.push(e.message));
    await page.goto(`${pathToFileURL(index).href}#gc-pause`);
    await page.waitForFunction(() => window.locksimPlay !== undefined);
    await page.locator('#knob-pause').fill('15000');
    await page.evaluate(() => window.locksimPlay.idle());
    const verdict = await page.evaluate(() => document.body.dataset.verdict);
    if (verdict !== 'unsafe') throw new Error(`the playground showed ${String(verdict)}, not the UNSAFE run the screenshot is of`);
    if (problems.length > 0) throw new Error(`the page logged: ${problems.join('\n')}`);
    await page.locator('#knob-pause').blur();
    await page.screenshot({ path: png });
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
