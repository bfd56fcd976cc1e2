#!/usr/bin/env node
// Runs the TypeScript command line through tsx (locksim ships its sources; no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
