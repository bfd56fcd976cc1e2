/**
 * The playground as a static site: `index.html` and `play.js`, which work from any static host
 * (or opened from disk). `npm run build:play` writes them to dist/play/:
 *
 *   npx tsx src/play/build.ts [out-dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundlePlay } from './bundle.ts';
import { playPageHtml, PLAY_SCRIPT } from './page-html.ts';

/** Writes the site into `dir`; returns the paths written. */
export async function writePlaySite(dir: string): Promise<{ readonly index: string; readonly script: string }> {
  const { js } = await bundlePlay();
  mkdirSync(dir, { recursive: true });
  const index = join(dir, 'index.html');
  const script = join(dir, PLAY_SCRIPT);
  writeFileSync(script, js);
  writeFileSync(index, playPageHtml());
  return { index, script };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = resolve(process.argv[2] ?? join(import.meta.dirname, '..', '..', 'dist', 'play'));
  const { index, script } = await writePlaySite(dir);
  process.stderr.write(`locksim play: wrote ${index} and ${script}\n`);
}
