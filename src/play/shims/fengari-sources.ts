/**
 * fengari's source files, by path, for the browser build: src/redis/engine/fengari.ts reads them with
 * `readFileSync` and patches them before compiling (it never imports fengari as a module), so
 * the bundle carries them as text. Empty here; the bundler (src/play/bundle.ts) fills it in
 * with every file of node_modules/fengari/src under {@link FENGARI_DIR}.
 */
export const FENGARI_DIR = '/node_modules/fengari/src';

export const FENGARI_SOURCES: Readonly<Record<string, string>> = {};
