#!/usr/bin/env node
// The locksim command. tsx is registered so that users' own scenario files can be TypeScript;
// the command itself runs from the built JavaScript (dist/) when present, else from the sources.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const built = new URL('../dist/src/cli.js', import.meta.url);
await import(existsSync(built) ? built.href : new URL('../src/cli.ts', import.meta.url).href);
