/**
 * One client of a real run: its Node process (src/real/client-process.ts) running the
 * simulation's client loop with the variant's lock over ioredis and a skewed RealClock, and what
 * the runner knows of it. A crash kills the process and starts a standby for the next
 * incarnation at once (starting Node takes a second or two; a restart should take as long as in
 * the simulation, i.e. no time).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistoryEvent } from '../check/history.ts';
import type { RealClient, RealClientState } from '../faults/real-context.ts';
import type { ClientSpec } from '../scenario/types.ts';
import type { Micros } from '../sim/time.ts';
import { spawnManaged, type ManagedChild } from './process-group.ts';
import { isClientMessage, type ClientInit, type ClientMessage, type ClientWrite } from './protocol.ts';
import type { TrueTime } from './true-time.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (or, in the installed package, dist/). */
const REPO_ROOT = resolve(HERE, '..', '..');
/** The client process's entry point, beside this file: .ts from the sources, .js when built. */
export const CLIENT_PROCESS_SCRIPT = join(HERE, `client-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`);

/** How long client processes may take to start and connect. */
const CLIENT_READY_TIMEOUT_MS = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a client process needs from the run. */
export interface ClientContext {
  init(client: ClientProcess, incarnation: number): ClientInit;
  origin(): TrueTime | undefined;
  over(): boolean;
  onEvent(event: HistoryEvent): void;
  /** A write to a resource a service keeps (a counter in a blob). */
  onWrite(write: ClientWrite): void;
  onError(process: string, at: Micros, message: string): void;
  /** The process died without being told to (not a fault): record it as a crash. */
  onUnexpectedExit(client: ClientProcess, message: string): void;
}

/** One client: its current child process and what the runner knows of its clock. */
export class ClientProcess implements RealClient {
  state: RealClientState = 'starting';
  rate: number;
  offsetMs: number;
  incarnation = -1;
  lockName = '';
  /** Redis commands sent by earlier processes of this client plus the current one's last count. */
  private commandsBefore = 0;
  private commandsNow = 0;
  private child: ManagedChild | undefined;
  private stderr = '';
  private lastEvent: { at: Micros; wallMs: number; monoMs: number } | undefined;
  private onReady: (() => void) | undefined;
  private onStopped: (() => void) | undefined;
  /** The next incarnation's process, started at a crash, ready to run at the restart. */
  private standby: Promise<void> | undefined;
  private restarting = false;

  constructor(
    readonly name: string,
    spec: ClientSpec,
    private readonly context: ClientContext,
  ) {
    this.rate = 1 + (spec.driftPpm ?? 0) / 1_000_000;
    this.offsetMs = spec.wallOffsetMs ?? 0;
  }

  get commands(): number {
    return this.commandsBefore + this.commandsNow;
  }

  /** Starts the first process of this client; resolves once it is connected and ready. */
  spawn(): Promise<void> {
    this.state = 'starting';
    return this.launch();
  }

  /**
   * Spawns the next process of this client and sends it its init; resolves once it is
   * connected and ready. In the run (`originNs` known) the process waits for `start`, unless
   * `startAtOnce`.
   */
  private launch(startAtOnce = false): Promise<void> {
    this.incarnation++;
    this.commandsBefore += this.commandsNow;
    this.commandsNow = 0;
    this.stderr = '';
    const child = spawnManaged(`client ${this.name}#${this.incarnation}`, process.execPath, ['--import', 'tsx', CLIENT_PROCESS_SCRIPT], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4_000);
      // LOCKSIM_REAL_DEBUG=1: the clients' connection events, as they happen.
      if (process.env.LOCKSIM_REAL_DEBUG === '1') process.stderr.write(chunk);
    });
    child.process.stdout?.resume();
    child.process.on('message', (message: unknown) => {
      if (child === this.child && isClientMessage(message)) this.receive(message);
    });
    void child.exited.then((info) => {
      if (child !== this.child || this.state === 'crashed' || this.context.over()) return;
      this.state = 'crashed';
      this.context.onUnexpectedExit(this, `exited on its own (code ${info.code}, signal ${info.signal})${this.stderr.trim() === '' ? '' : `: ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`}`);
    });
    const ready = new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`client process ${this.name} was not ready within ${CLIENT_READY_TIMEOUT_MS} ms${this.stderr === '' ? '' : `:\n${this.stderr}`}`)), CLIENT_READY_TIMEOUT_MS);
      this.onReady = () => {
        clearTimeout(timer);
        done();
      };
      void child.exited.then((info) => {
        clearTimeout(timer);
        fail(new Error(`client process ${this.name} exited before it was ready (code ${info.code}, signal ${info.signal})${this.stderr === '' ? '' : `:\n${this.stderr}`}`));
      });
    });
    ready.catch(() => {});
    const init = this.context.init(this, this.incarnation);
    this.post(startAtOnce ? init : { ...init, originNs: undefined });
    return ready;
  }

  /** Starts the workload (true time counts from `origin`). */
  start(origin: TrueTime): void {
    this.post({ type: 'start', originNs: origin.toString() });
  }

  pause(): boolean {
    if (this.state !== 'running' || this.child === undefined) return false;
    this.child.signal('SIGSTOP');
    this.state = 'paused';
    return true;
  }

  resume(): boolean {
    if (this.state !== 'paused' || this.child === undefined) return false;
    this.child.signal('SIGCONT');
    this.state = 'running';
    return true;
  }

  /**
   * SIGKILL. Then a standby process for the next incarnation is started at once (it loads the
   * scenario and connects, and waits): starting Node takes a second or two, and a restart should
   * take as long as in the simulation, i.e. no time.
   */
  crash(): boolean {
    const child = this.child;
    if (child === undefined || !child.alive || this.state === 'crashed') return false;
    this.state = 'crashed';
    this.onReady = undefined;
    this.standby = child.kill().then(() => (this.context.over() ? Promise.reject(new Error('the run is over')) : this.launch()));
    this.standby.catch(() => {});
    return true;
  }

  /** Starts the standby (or, if it failed, a new process); resolves with how long that took, ms. */
  async restart(): Promise<number | null> {
    if (this.state !== 'crashed' || this.context.over() || this.restarting) return null;
    this.restarting = true;
    const began = performance.now();
    try {
      let ready = false;
      if (this.standby !== undefined) ready = await this.standby.then(() => true, () => false);
      this.standby = undefined;
      const origin = this.context.origin();
      if (this.context.over() || origin === undefined) return null;
      if (ready) {
        this.start(origin);
      } else {
        await this.launch(true);
        if (this.context.over()) return null;
      }
      this.state = 'running';
      return performance.now() - began;
    } catch (error) {
      if (!this.context.over()) this.context.onError(this.name, this.context.origin()?.now() ?? 0, `restart failed: ${errorText(error)}`);
      return null;
    } finally {
      this.restarting = false;
    }
  }

  setRate(rate: number): void {
    // Keep the offset the old rate built up, as RealClock does (approximately: for a restart).
    this.rate = rate;
    this.post({ type: 'clock', rate });
  }

  jump(deltaMs: number): void {
    this.offsetMs += deltaMs;
    this.post({ type: 'clock', jumpMs: deltaMs });
  }

  /** The client's clock readings now, extrapolated from its last event (for a crash record). */
  clockNow(at: Micros): { wallMs: number; monoMs: number } {
    const last = this.lastEvent;
    if (last === undefined) return { wallMs: Math.floor(Date.now() + this.offsetMs), monoMs: 0 };
    const elapsed = ((at - last.at) / 1000) * this.rate;
    return { wallMs: Math.floor(last.wallMs + elapsed), monoMs: last.monoMs + elapsed };
  }

  /** Asks a running process for its final counts (waits at most `timeoutMs`). */
  async stop(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined || !child.alive || this.state !== 'running') return;
    const stopped = new Promise<void>((done) => {
      this.onStopped = done;
    });
    this.post({ type: 'stop' });
    await Promise.race([stopped, sleep(timeoutMs), child.exited]);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child !== undefined && child.alive) await child.kill();
  }

  private post(message: ClientInit | { type: 'start'; originNs: string } | { type: 'clock'; rate?: number; jumpMs?: number } | { type: 'stop' }): void {
    const child = this.child?.process;
    if (child === undefined || !child.connected) return;
    child.send(message, (error) => {
      // A process that died meanwhile cannot be told anything; nothing to do.
      void error;
    });
  }

  private receive(message: ClientMessage): void {
    switch (message.type) {
      case 'ready':
        this.lockName = message.lockName;
        if (this.state === 'starting') this.state = 'running';
        this.onReady?.();
        this.onReady = undefined;
        return;
      case 'event': {
        const event = message.event as HistoryEvent;
        this.lastEvent = { at: event.at, wallMs: event.wallMs, monoMs: event.monoMs };
        this.context.onEvent(event);
        return;
      }
      case 'write':
        this.context.onWrite(message.write);
        return;
      case 'stats':
        this.commandsNow = message.commands;
        return;
      case 'error':
        this.context.onError(this.name, message.at, message.message);
        return;
      case 'stopped':
        this.commandsNow = message.commands;
        this.onStopped?.();
        this.onStopped = undefined;
        return;
    }
  }
}
