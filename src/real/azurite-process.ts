/**
 * Azurite's Blob service as a real-mode node: `node <azurite>/dist/src/blob/main.js` (Azurite
 * 3.35.0, src/real/azure-storage-blob.ts finds it) on 127.0.0.1 and a free port, its workspace
 * (`--location`) in a temporary folder, telemetry off, under the clock shim: Azurite computes
 * every lease's end from its own `new Date()`, which the shim moves (Node reads the wall clock
 * through libc's clock_gettime), so a node clock fault acts on its lease clock. Its timers
 * (LokiJS's autosave) run on the monotonic clock, which the shim leaves alone, as the simulated
 * node's autosave runs on its monotonic timers.
 *
 * What a crash keeps is the node's `blob.persistence` (src/services/blob/settings.ts):
 * - `autosave`: SIGKILL. Azurite keeps its blobs' metadata and leases in a LokiJS file in its
 *   workspace, saved every 5 s when something changed: what changed since is lost. The run starts
 *   on an autosave tick ({@link AzuriteProcess.alignRunStart}), as the simulated node's first
 *   save comes 5 s after the run's start.
 * - `in-memory`: SIGKILL of `--inMemoryPersistence`: it restarts empty.
 * - `durable` (Azure Storage: nothing acknowledged is lost): SIGTERM, on which Azurite closes its
 *   server and saves its database before it exits: every acknowledged change is kept, and its
 *   leases run on (their ends are wall-clock times) while it is down.
 *
 * Every blob of the simulated service lives in one container that always exists; here the
 * container is created when the node starts (and saved before the run), and again after a
 * restart that lost it. A pause is SIGSTOP/SIGCONT; a restart uses the same port and folder.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobPersistence } from '../services/blob/settings.ts';
import { AZURITE_AUTOSAVE_MS } from '../services/blob/settings.ts';
import { azuriteBlobMain, azuriteConnectionString, loadAzureStorageBlob, type SdkContainerClient } from './azure-storage-blob.ts';
import { buildClockShim, ClockControl, clockShimEnv } from './clock-shim.ts';
import { registerCleanup, spawnManaged, type ManagedChild } from './process-group.ts';
import { OUTPUT_TAIL_CHARS, SignalledServer, startedOrDisposed } from './signalled-server.ts';
import { freePort } from './redis-process.ts';
import type { RealServiceProcess } from './service.ts';
import { ownedTempDir, sweepStaleTempDirs } from './temp-dirs.ts';

/** The prefix of an Azurite node's folder in the temporary folder. */
export const AZURITE_DIR_PREFIX = 'locksim-azurite-';

/** Azurite's LokiJS file for blob metadata (leases included) in its workspace. */
const METADATA_FILE = '__azurite_db_blob__.json';

let swept = false;

/** What a standby prints once Azurite's modules are loaded. */
const STANDBY_LOADED = 'locksim: azurite loaded';

/**
 * The standby's program (`node -e`, argv: main.js and Azurite's arguments): loads the modules
 * main.js needs, says so, and on SIGUSR2 runs main.js with its arguments, as `node main.js` would.
 */
const STANDBY_SCRIPT = [
  "const path = require('node:path');",
  'const [main, ...args] = process.argv.slice(1);',
  // What main.js requires (dist/src/blob/main.js of Azurite 3.35.0), and the server it makes.
  "for (const m of ['BlobServerFactory.js', 'BlobServer.js', 'BlobConfiguration.js', 'BlobEnvironment.js', '../common/Telemetry.js', '../common/Logger.js', '../common/ConfigurationBase.js']) require(path.join(path.dirname(main), m));",
  // The interval only keeps the standby waiting: once main.js runs, its server keeps the process
  // alive, and after a SIGTERM its shutdown (which saves the database) lets it exit.
  "const waiting = setInterval(() => {}, 1 << 30);",
  "process.once('SIGUSR2', () => { clearInterval(waiting); process.argv = [process.execPath, main, ...args]; require(main); });",
  `console.log(${JSON.stringify(STANDBY_LOADED)});`,
].join('\n');

/** A process waiting to be Azurite. */
interface Standby {
  readonly child: ManagedChild;
  /** Azurite's modules are loaded. */
  readonly loaded: Promise<void>;
  /** The server listens (after SIGUSR2). */
  readonly listening: Promise<void>;
  output(): string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

export interface AzuriteProcessOptions {
  /** A label for messages. */
  readonly name: string;
  /** The container every lock blob lives in. */
  readonly container: string;
  readonly persistence: BlobPersistence;
  /** The node's clock skew under the shim. */
  readonly clock: { readonly offsetMs: number; readonly rate: number };
  /** How long to wait for "successfully listens". Default 30 s. */
  readonly startTimeoutMs?: number;
}

export class AzuriteProcess extends SignalledServer implements RealServiceProcess {
  readonly host = '127.0.0.1' as const;
  /** The next incarnation, loaded and waiting (started at a crash). */
  private standby: Standby | undefined;
  private disposed = false;
  /** The direct client of {@link containerClient}, made once. */
  private admin: SdkContainerClient | undefined;
  /** When LokiJS last saved the metadata file (ms since the epoch, the machine's clock), as seen once the container was saved. */
  private autosaveTickMs: number | undefined;
  private readonly unregisterCleanup: () => void;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    readonly persistence: BlobPersistence,
    readonly clock: ClockControl,
    private readonly container: string,
    private readonly main: string,
    private readonly env: Record<string, string>,
    private readonly startTimeoutMs: number,
  ) {
    super();
    this.unregisterCleanup = registerCleanup(() => rmSync(dir, { recursive: true, force: true }));
  }

  /** Starts Azurite, creates the container, and (autosave) waits for the save that keeps it. */
  static async start(options: AzuriteProcessOptions): Promise<AzuriteProcess> {
    const main = azuriteBlobMain();
    await loadAzureStorageBlob();
    const shim = await buildClockShim();
    if (!swept) {
      swept = true;
      sweepStaleTempDirs(AZURITE_DIR_PREFIX);
    }
    const dir = ownedTempDir(AZURITE_DIR_PREFIX);
    try {
      const clock = new ClockControl(join(dir, 'clock'), { offsetMs: options.clock.offsetMs, rate: options.clock.rate });
      const env = clockShimEnv(shim, clock.file);
      const node = new AzuriteProcess(options.name, await freePort(), dir, options.persistence, clock, options.container, main, env, options.startTimeoutMs ?? 30_000);
      return await startedOrDisposed(node, async () => {
        await node.launch();
        await node.ensureContainer();
        if (options.persistence === 'autosave') await node.waitForSave();
      });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The crash its persistence allows: SIGKILL (autosave, in-memory); for `durable`, SIGTERM, on
   * which Azurite saves everything it acknowledged (SIGKILL if it has not exited within 5 s).
   */
  async kill(): Promise<unknown> {
    const child = this.child;
    if (child === undefined || !child.alive) return undefined;
    if (this.persistence === 'durable') {
      if (this.pausedFlag) child.signal('SIGCONT');
      this.pausedFlag = false;
      child.signal('SIGTERM');
      const outcome = await Promise.race([child.exited, sleep(5_000).then(() => 'timeout' as const)]);
      if (outcome !== 'timeout') return outcome;
    }
    return this.killChild();
  }

  /** Starts it again on the same folder and port, and makes the container again if the restart lost it. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
    await this.ensureContainer();
  }

  /**
   * Waits for Azurite's next autosave tick, so that the run's 0 falls on one (the simulated
   * autosave node saves 5 s, 10 s, … after the run's start). Nothing to wait for otherwise.
   */
  async alignRunStart(): Promise<void> {
    const tick = this.autosaveTickMs;
    if (tick === undefined || this.persistence !== 'autosave') return;
    const since = (Date.now() - tick) % AZURITE_AUTOSAVE_MS;
    // A few ms after the tick: the save (of nothing, since nothing changed) is behind us.
    await sleep(AZURITE_AUTOSAVE_MS - since + 20);
  }

  /** A direct, unproxied client of the node's container (for its setup and the fault records). */
  async containerClient(): Promise<SdkContainerClient> {
    const sdk = await loadAzureStorageBlob();
    this.admin ??= sdk.BlobServiceClient.fromConnectionString(azuriteConnectionString(this.host, this.port), { retryOptions: { maxTries: 1, tryTimeoutInMs: 1_000 } }).getContainerClient(this.container);
    return this.admin;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const child = this.child;
    if (child !== undefined && child.alive) await child.kill();
    const standby = this.standby?.child;
    this.standby = undefined;
    if (standby !== undefined && standby.alive) await standby.kill();
    this.unregisterCleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ensureContainer(): Promise<void> {
    const container = await this.containerClient();
    await container.createIfNotExists();
  }

  /** Waits (at most two intervals) for LokiJS to save the metadata file after the container was made, and keeps when. */
  private async waitForSave(): Promise<void> {
    const file = join(this.dir, 'data', METADATA_FILE);
    const before = existsSync(file) ? statSync(file).mtimeMs : 0;
    const deadline = Date.now() + 2 * AZURITE_AUTOSAVE_MS + 1_000;
    while (Date.now() < deadline) {
      const now = existsSync(file) ? statSync(file).mtimeMs : 0;
      if (now > before) {
        this.autosaveTickMs = now;
        return;
      }
      await sleep(20);
    }
    throw new Error(`${this.name} (Azurite): its LokiJS database (${file}) was not saved within ${2 * AZURITE_AUTOSAVE_MS / 1000} s of a change; is this Azurite ${'3.35.0'}?`);
  }

  /**
   * A Node process under the shim that has loaded Azurite's modules and waits for SIGUSR2 to
   * start the server: loading them takes 2 s, and a restart should take as long as in the
   * simulation (no time). The next one starts as soon as a server listens.
   */
  private spawnStandby(): Standby {
    const args = [
      '--blobHost', '127.0.0.1',
      '--blobPort', String(this.port),
      // Azurite refuses a workspace with --inMemoryPersistence (it keeps nothing on disk then).
      ...(this.persistence === 'in-memory' ? ['--inMemoryPersistence'] : ['--location', join(this.dir, 'data')]),
      '--silent',
      // @azure/storage-blob 12.32 speaks a newer API version than Azurite 3.35 knows.
      '--skipApiVersionCheck',
      // Azurite otherwise sends telemetry to Microsoft; a real run talks only to itself.
      '--disableTelemetry',
    ];
    const child = spawnManaged(`${this.name} (azurite :${this.port})`, process.execPath, ['-e', STANDBY_SCRIPT, this.main, ...args], { env: { ...process.env, ...this.env }, cwd: this.dir });
    let sinceStart = '';
    let onLoaded: () => void = () => {};
    let onListening: () => void = () => {};
    const loaded = new Promise<void>((done) => (onLoaded = done));
    const listening = new Promise<void>((done) => (onListening = done));
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      this.keepOutput(text);
      sinceStart = (sinceStart + text).slice(-OUTPUT_TAIL_CHARS);
      if (sinceStart.includes(STANDBY_LOADED)) onLoaded();
      if (sinceStart.includes('successfully listens on')) onListening();
    };
    child.process.stdout?.on('data', onData);
    child.process.stderr?.on('data', onData);
    return { child, loaded, listening, output: () => sinceStart };
  }

  /** Starts the server: the standby's, or a new one's. */
  private async launch(): Promise<void> {
    const standby = this.standby ?? this.spawnStandby();
    this.standby = undefined;
    const { child } = standby;
    this.child = child;
    this.pausedFlag = false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), this.startTimeoutMs)));
    const step = async (what: Promise<void>): Promise<void> => {
      const outcome = await Promise.race([what.then(() => 'ready' as const), child.exited, timedOut]);
      if (outcome === 'ready') return;
      clearTimeout(timer);
      if (outcome === 'timeout') {
        await child.kill();
        throw new Error(`${this.name} (Azurite) did not start within ${this.startTimeoutMs} ms:\n${standby.output()}`);
      }
      throw new Error(`${this.name} (Azurite) exited (code ${outcome.code}, signal ${outcome.signal}) before it was ready:\n${standby.output()}`);
    };
    await step(standby.loaded);
    child.signal('SIGUSR2');
    await step(standby.listening);
    clearTimeout(timer);
    // The next incarnation loads now, on a quiet machine, and binds the port only when told to.
    if (!this.disposed) this.standby = this.spawnStandby();
  }
}
