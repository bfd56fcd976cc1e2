import { ProcessClock } from './clock.ts';
import { EventQueue, type SimEvent } from './event-queue.ts';
import { DEFAULT_DELAY, Network, type DelayModel, type NetworkKernel } from './network.ts';
import { SimProcess, type ProcessFactory, type ProcessKernel } from './process.ts';
import { RandomStream } from './random.ts';
import { drive } from './scheduler.ts';
import { unwatchRealTime, watchRealTime, type RealTimeCall } from './real-time-guard.ts';
import { MICROS_PER_MS, type Micros } from './time.ts';
import { Trace, type TraceKind } from './trace.ts';

/** What the world gives the network and its processes; `now` is true time, as plain data. */
interface WorldKernel extends NetworkKernel, ProcessKernel {
  now: Micros;
}

/** Wall-clock reading of every process at true time 0, unless offset: 2026-01-01T00:00:00Z. */
export const DEFAULT_EPOCH_MS = 1_767_225_600_000;

export interface WorldOptions {
  /** The root seed: the whole run is a pure function of it (and the scenario and version). */
  readonly seed: number;
  /** Wall-clock time, ms since the Unix epoch, at true time 0. */
  readonly epochMs?: number;
  /** Keep every trace entry (for timelines); the hash is computed either way. */
  readonly keepTrace?: boolean;
  /** The default one-way delay of every link. */
  readonly delay?: DelayModel;
}

export interface ProcessOptions {
  /** Clock rate error in parts per million (positive: fast). */
  readonly driftPpm?: number;
  /** Wall-clock offset from true time at start, ms. */
  readonly wallOffsetMs?: number;
}

/** An error thrown by a process's code; the process crashed of it, as Node would. */
export interface ProcessError {
  readonly at: Micros;
  readonly process: string;
  readonly message: string;
}

export interface RunSummary {
  /** True time at the end of the run, µs. */
  readonly now: Micros;
  /** Kernel events fired so far. */
  readonly events: number;
  readonly traceHash: string;
  readonly errors: readonly ProcessError[];
}

/**
 * The simulated world: true time, the event queue, the processes and their clocks, the
 * network, the random streams and the trace. A test or a scenario builds one from a seed,
 * adds processes, schedules faults at true times, and runs it.
 *
 * ```ts
 * const world = new World({ seed: 42 });
 * world.addProcess('server', (ctx) => ctx.onMessage((from, m) => ctx.send(from, m), { synchronous: true }));
 * world.addProcess('client', async (ctx) => { await ctx.clock.sleep(100); ctx.send('server', 'ping'); });
 * world.at(ms(50), () => world.pause('server'));
 * await world.run({ until: seconds(1) });
 * world.traceHash; // the same on every run and every machine
 * ```
 */
export class World {
  readonly seed: number;
  readonly epochMicros: number;
  readonly trace: Trace;
  readonly network: Network;
  readonly errors: ProcessError[] = [];
  /** Calls that reached the host's real time or randomness while this world ran (a run that has any gets no verdict). */
  readonly realTimeCalls: RealTimeCall[] = [];
  /** Called when a process dies of an uncaught error (the history records it as a crash). */
  onProcessFailed: ((process: string) => void) | null = null;
  private readonly queue = new EventQueue();
  private readonly processes = new Map<string, SimProcess>();
  private readonly processList: SimProcess[] = [];
  private readonly kernel: WorldKernel;
  private eventCount = 0;
  private running = false;

  constructor(options: WorldOptions) {
    if (!Number.isInteger(options.seed)) throw new Error(`World: seed must be an integer, got ${String(options.seed)}`);
    this.seed = options.seed;
    this.epochMicros = (options.epochMs ?? DEFAULT_EPOCH_MS) * MICROS_PER_MS;
    this.trace = new Trace(options.keepTrace === true);
    // One kernel object for the network and every process. True time is a plain data property
    // on it (the hot paths read it per message); `time` below reads and writes it.
    const kernel: WorldKernel = {
      now: 0,
      seed: this.seed,
      queue: this.queue,
      trace: this.trace,
      processNamed: (name) => this.process(name),
      keepLinkEntry: (kind, from, to, id, detail) => {
        this.keepEntry(kind, kind === 'deliver' || kind === 'hold' ? to : from, `${from.name}->${to.name}${id ? ` #${id}` : ''}${detail ? ` ${detail}` : ''}`);
      },
      schedule: (at, fire) => this.queue.push(at, fire),
      scheduleEvent: (event, at) => this.queue.repush(event, at),
      cancel: (event) => this.queue.cancel(event),
      send: (from, to, message) => this.network.send(from, to, message),
      traceProcess: (kind, p, a, detail) => this.traceProcess(kind, p, a, detail),
      processFailed: (p, error) => this.processFailed(p, error),
    };
    this.kernel = kernel;
    this.network = new Network(
      kernel,
      options.delay ?? DEFAULT_DELAY,
    );
  }

  /** True time, µs (kept on the kernel object, where the network and processes read it). */
  private get time(): Micros {
    return this.kernel.now;
  }

  private set time(t: Micros) {
    this.kernel.now = t;
  }

  /** True time now, µs. */
  get now(): Micros {
    return this.time;
  }

  /** Kernel events fired so far. */
  get events(): number {
    return this.eventCount;
  }

  /** The hash of everything the kernel did so far. */
  get traceHash(): string {
    return this.trace.hash();
  }

  /** An independent random stream of this world, by purpose: `faults`, `workload`, … */
  random(name: string): RandomStream {
    return new RandomStream(this.seed, name);
  }

  /** Adds a process; `factory` runs now (at the current true time) and again at each restart. */
  addProcess(name: string, factory: ProcessFactory, options: ProcessOptions = {}): SimProcess {
    if (this.processes.has(name)) throw new Error(`World: a process named '${name}' exists already`);
    const clock = new ProcessClock({
      at: this.time,
      startWallMicros: this.epochMicros + this.time + (options.wallOffsetMs ?? 0) * MICROS_PER_MS,
      startMonoMicros: 0,
      driftPpm: options.driftPpm ?? 0,
    });
    const process = new SimProcess(
      this.processList.length,
      name,
      clock,
      factory,
      this.kernel,
      (incarnation) => new RandomStream(this.seed, `process/${name}/${incarnation}`),
    );
    this.processes.set(name, process);
    this.processList.push(process);
    process.start();
    return process;
  }

  /** The process named `name`; throws a clear error if there is none. */
  process(name: string): SimProcess {
    const process = this.processes.get(name);
    if (process === undefined) {
      const known = [...this.processes.keys()].join(', ') || 'none';
      throw new Error(`World: no process named '${name}' (processes: ${known})`);
    }
    return process;
  }

  /** Every process, in the order added. */
  allProcesses(): readonly SimProcess[] {
    return this.processList;
  }

  /** Runs `action` (a fault, a check) at true time `at` (not before now). */
  at(at: Micros, action: () => void): SimEvent {
    return this.queue.push(Math.max(at, this.time), () => {
      action();
      return true;
    });
  }

  /** Cancels something scheduled with {@link World.at}. */
  cancel(event: SimEvent): void {
    this.queue.cancel(event);
  }

  /** SIGSTOP: nothing of the process runs; messages and timer firings wait for `resume`. */
  pause(name: string): void {
    const p = this.process(name);
    if (p.state !== 'running') return;
    p.state = 'paused';
    this.traceProcess('pause', p, 0, '');
  }

  /**
   * SIGCONT: what waited runs now, as a resumed Node process runs it: the timers that came due
   * during the pause first, in deadline order, then the messages, in arrival order.
   */
  resume(name: string): void {
    const p = this.process(name);
    if (p.state !== 'paused') return;
    p.state = 'running';
    this.traceProcess('resume', p, p.waiting, `${p.waiting} waiting`);
    const waiting = p.takeDeferred();
    const incarnation = p.incarnation;
    for (const work of waiting) this.queue.push(this.time, () => p.run(incarnation, work));
  }

  /** The process dies: its pending promises never settle, its timers never fire. */
  crash(name: string): void {
    const p = this.process(name);
    if (p.state === 'crashed') return;
    p.crash();
    this.traceProcess('crash', p, p.incarnation, '');
  }

  /** Starts a fresh incarnation of a crashed (or live: it is crashed first) process. */
  restart(name: string): void {
    const p = this.process(name);
    if (p.state !== 'crashed') this.crash(name);
    p.incarnation++;
    this.traceProcess('restart', p, p.incarnation, `incarnation ${p.incarnation}`);
    p.start();
  }

  /** Sets the rate error of a process's clocks from now on (its pending timers move with it). */
  setDrift(name: string, driftPpm: number): void {
    const p = this.process(name);
    p.clock.setDrift(this.time, driftPpm);
    p.rescheduleTimers();
    this.traceProcess('drift', p, driftPpm, `${driftPpm}ppm`);
  }

  /** Steps a process's wall clock by `deltaMs` (monotonic time and timers are untouched). */
  jumpClock(name: string, deltaMs: number): void {
    const p = this.process(name);
    p.clock.jump(this.time, deltaMs * MICROS_PER_MS);
    this.traceProcess('jump', p, deltaMs, `${deltaMs >= 0 ? '+' : ''}${deltaMs}ms`);
  }

  /** Records a kernel-level note (a fault applied, a phase begun) in the trace. */
  note(text: string): void {
    this.trace.fold('note', this.time, -1, 0, 0);
    this.trace.foldText(text);
    if (this.trace.keeping) this.trace.keep({ at: this.time, kind: 'note', process: '-', wallMs: NaN, monoMs: NaN, detail: text });
  }

  /**
   * Runs events in true-time order until the queue is empty or the next event is after
   * `until` (then true time is `until`). Resolves when the run stops.
   */
  async run(options: { until?: Micros } = {}): Promise<RunSummary> {
    if (this.running) throw new Error('World.run: this world is running already');
    const until = options.until ?? Number.POSITIVE_INFINITY;
    this.running = true;
    const queue = this.queue;
    watchRealTime(this.realTimeCalls);
    try {
      await drive(() => {
        for (;;) {
          const next = queue.popUntil(until);
          if (next === undefined) {
            if (until !== Number.POSITIVE_INFINITY && until > this.time) this.time = until;
            return 'done';
          }
          this.time = next.at;
          this.eventCount++;
          if (next.fire()) return 'barrier';
        }
      });
    } finally {
      unwatchRealTime(this.realTimeCalls);
      this.running = false;
    }
    return { now: this.time, events: this.eventCount, traceHash: this.traceHash, errors: this.errors };
  }

  private processFailed(p: SimProcess, error: unknown): void {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.errors.push({ at: this.time, process: p.name, message });
    this.traceProcess('error', p, 0, message);
    if (p.state !== 'crashed') {
      p.crash();
      this.traceProcess('crash', p, p.incarnation, 'uncaught error');
      this.onProcessFailed?.(p.name);
    }
  }

  private traceProcess(kind: TraceKind, p: SimProcess, a: number, detail: string): void {
    this.trace.fold(kind, this.time, p.id, a, p.incarnation);
    if (kind === 'note' || kind === 'error') this.trace.foldText(detail);
    if (this.trace.keeping) this.keepEntry(kind, p, detail);
  }

  private keepEntry(kind: TraceKind, p: SimProcess, detail: string): void {
    this.trace.keep({
      at: this.time,
      kind,
      process: p.name,
      wallMs: p.clock.wallMicros(this.time) / MICROS_PER_MS,
      monoMs: p.clock.monoMicros(this.time) / MICROS_PER_MS,
      detail,
    });
  }
}
