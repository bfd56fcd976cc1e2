#!/usr/bin/env node
// The locksim command. tsx is registered so that users' own scenario files can be TypeScript.
// In a checkout (src/ is there) the command runs from the sources, so it is never an older
// build; the installed package has only the built JavaScript (dist/).
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const sources = new URL('../src/cli.ts', import.meta.url);
await import(existsSync(sources) ? sources.href : new URL('../dist/src/cli.js', import.meta.url).href);
