/** The version locksim carries in replay tokens and JSON results is package.json's. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCKSIM_VERSION } from '../src/version.ts';

describe('LOCKSIM_VERSION', () => {
  it('is the version in package.json (bump both together)', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(LOCKSIM_VERSION).toBe(pkg.version);
  });
});
