/**
 * Runs a library's own mocha test file, unmodified, against simulated Redis nodes: the file is
 * loaded into a realm of one simulated process (its `Date`, timers and randomness are the
 * process's: the suite's sleeps take virtual time), mocha's globals come from a small runner
 * (mocha.ts), and `require('ioredis')`, `require('redis')` and `require('@redis/client')` are
 * locksim's simulated clients (src/clients/), each client's `host:port` leading to a node
 * through the address map (node `i` at `127.0.0.1:${6379 + i}` by default, so `new Redis()`
 * and `createClient()` reach the first node).
 *
 * ```ts
 * const report = await runLibrarySuite({ file: require.resolve('redlock/test.js'), redis: 'v3' });
 * console.log(`${report.passed} passed, ${report.failed} failed`);
 * ```
 *
 * The file's other dependencies (its assertion library, bluebird, …) load from node_modules as
 * Node would load them for it: install the library's devDependencies that the file requires.
 */
import { isAbsolute, resolve } from 'node:path';
import { createRealm, type ProvidedModule } from '../realm/realm.ts';
import { addRedisNode } from '../redis/node.ts';
import { ms } from '../sim/time.ts';
import { World } from '../sim/world.ts';
import { AddressMap } from '../clients/addresses.ts';
import { provideClients } from '../clients/provide.ts';
import { MochaRunner, type SuiteReport } from './mocha.ts';

export interface LibrarySuiteOptions {
  /** The test file (absolute, or relative to the current folder). */
  readonly file: string;
  /** How many simulated nodes (default 1), named `redis-1`, `redis-2`, … */
  readonly nodes?: number;
  /** More addresses: `host:port` → node name (added to the default map). */
  readonly addresses?: Readonly<Record<string, string>>;
  /** Which `redis` package API `require('redis')` gives: node_redis `v3` (callbacks) or `v4` and later (default). */
  readonly redis?: 'v3' | 'v4';
  /** Other modules the realm should give instead of resolving them (Realm.provide). */
  readonly modules?: Readonly<Record<string, ProvidedModule>>;
  /** The world's seed (default 1). */
  readonly seed?: number;
  /** Simulated time the whole suite may take (default one hour). */
  readonly limitMs?: number;
  /** Where the file's bare `require`s resolve from (default: the file's folder, as Node does). */
  readonly baseDir?: string;
}

export interface LibrarySuiteReport extends SuiteReport {
  /** Simulated ms the suite took. */
  readonly simulatedMs: number;
  /** Failures of the simulated process outside any test (a crash). */
  readonly processErrors: string[];
  /** What the suite wrote to its console. */
  readonly output: string;
}

/** Runs a mocha test file inside a simulated world (see the module's comment). */
export async function runLibrarySuite(options: LibrarySuiteOptions): Promise<LibrarySuiteReport> {
  const file = isAbsolute(options.file) ? options.file : resolve(options.file);
  const nodeCount = options.nodes ?? 1;
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new Error(`runLibrarySuite: nodes must be a whole number >= 1, got ${String(options.nodes)}`);
  if (options.redis !== undefined && options.redis !== 'v3' && options.redis !== 'v4') throw new Error(`runLibrarySuite: redis must be 'v3' or 'v4', got ${JSON.stringify(options.redis)}`);
  const world = new World({ seed: options.seed ?? 1 });
  const names: string[] = [];
  for (let i = 1; i <= nodeCount; i++) {
    names.push(`redis-${i}`);
    addRedisNode(world, `redis-${i}`);
  }
  const addresses = AddressMap.forNodes(names, options.addresses);
  let report: SuiteReport | null = null;
  let output = '';
  let finishedMs = 0;
  world.addProcess('suite', async (ctx) => {
    const realm = createRealm({ clock: ctx.clock, random: ctx.random, name: 'suite', baseDir: options.baseDir });
    provideClients(realm, ctx, addresses, { redis: options.redis });
    for (const [specifier, module] of Object.entries(options.modules ?? {})) realm.provide(specifier, module);
    const runner = new MochaRunner({ clock: ctx.clock, error: (message) => realm.error(message) });
    Object.assign(realm.global, runner.globals());
    (realm.global['process'] as NodeJS.EventEmitter).on('uncaughtException', (error: unknown) => runner.uncaught(error));
    realm.require(file);
    report = await runner.run();
    output = realm.log.lines.join('\n');
    finishedMs = world.now / 1000;
    // The suite is over: stop the world (its clients' and nodes' timers would run to the limit).
    world.at(world.now, () => {
      for (const p of world.allProcesses()) if (p.state !== 'crashed') world.crash(p.name);
    });
  });
  await world.run({ until: ms(options.limitMs ?? 3_600_000) });
  const processErrors = world.errors.map((e) => `${e.process}: ${e.message}`);
  const done = report as SuiteReport | null;
  if (done === null) {
    return {
      tests: [],
      hookFailures: [{ title: 'the suite did not finish', error: processErrors.length > 0 ? processErrors.join('; ') : `still running after ${options.limitMs ?? 3_600_000} simulated ms` }],
      passed: 0,
      failed: 1,
      pending: 0,
      simulatedMs: world.now / 1000,
      processErrors,
      output,
    };
  }
  return { ...done, simulatedMs: finishedMs, processErrors, output };
}

/** The report as text: one line per failure (with its message), then the counts. */
export function formatSuiteReport(report: LibrarySuiteReport): string {
  const lines: string[] = [];
  for (const t of report.tests) if (t.state === 'failed') lines.push(`  FAIL ${t.title}\n       ${t.error ?? ''}`);
  for (const h of report.hookFailures) lines.push(`  FAIL ${h.title}\n       ${h.error}`);
  for (const e of report.processErrors) lines.push(`  process error: ${e}`);
  lines.push(`${report.passed} passed, ${report.failed} failed, ${report.pending} pending (${(report.simulatedMs / 1000).toFixed(1)} simulated s)`);
  return lines.join('\n');
}
