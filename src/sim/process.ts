import type { CancelTimer, Clock } from '../locks/interface.ts';
import type { ProcessClock } from './clock.ts';
import { SimEvent } from './event-queue.ts';
import type { RandomStream } from './random.ts';
import type { Micros } from './time.ts';

/** A message handler of a process: `from` is the sender's name. */
export type MessageHandler = (from: string, message: unknown) => void;

/** What code running "in" a simulated process may use. Processes share nothing else. */
export interface ProcessContext {
  /** The process's name, e.g. `client-1`, `redis-3`. */
  readonly name: string;
  /** 0 for the first start, +1 for every restart. */
  readonly incarnation: number;
  /** The process's own clocks and timers (drifting, jumping as the world says). */
  readonly clock: Clock;
  /** The process's own random stream (`process/<name>/<incarnation>`). */
  readonly random: RandomStream;
  /** Sends a message over the simulated network (delayed, dropped, held as the link says). */
  send(to: string, message: unknown): void;
  /**
   * Receives every message delivered to this process. `synchronous: true` promises the handler
   * starts no async work, which lets the kernel skip the await barrier after it (a Redis node).
   */
  onMessage(handler: MessageHandler, options?: { synchronous?: boolean }): void;
  /** Runs more async code in this process (it stops with the process). */
  spawn(main: () => unknown): void;
  /** Records a note in the trace (and folds it into the trace hash). */
  note(text: string): void;
  /**
   * A timer of the host's kernel on this process's clock (TCP's retransmission timer): ordered,
   * traced and deferred by a pause exactly as {@link Clock.setTimer}'s, but `callback` returns
   * whether it called into the process's code (settled a promise, called a handler); when it did
   * not, the kernel goes on without waiting for promise continuations (there are none).
   */
  setKernelTimer(ms: number, callback: () => boolean): CancelTimer;
  /**
   * Runs `handler` as this incarnation dies (crash or restart), before it stops: what the
   * host's kernel does for a killed process, e.g. close its TCP connections (a FIN or RST to
   * each peer, sent with {@link ProcessContext.send}, over the network as it is then).
   */
  onCrash(handler: () => void): void;
  /**
   * What `name`'s host would answer a connection attempt with now: `up` (a process runs there,
   * possibly paused: its kernel accepts) with the process's incarnation, or not (crashed: the
   * host answers a SYN with RST, connection refused). The host's TCP stack, not the process.
   */
  peer(name: string): { readonly up: boolean; readonly incarnation: number };
  /**
   * {@link ProcessContext.peer} as a live view: the same answers, read when asked (a TCP
   * connection keeps one rather than asking for every segment it sends).
   */
  peerView(name: string): { readonly up: boolean; readonly incarnation: number };
}

/** A host as {@link ProcessContext.peerView} shows it (no process of that name: never up). */
class PeerView {
  constructor(private readonly process: SimProcess | null) {}

  get up(): boolean {
    return this.process !== null && this.process.state !== 'crashed';
  }

  get incarnation(): number {
    return this.process === null ? -1 : this.process.incarnation;
  }
}

/** Builds a process's code; called at start and again, fresh, at every restart. */
export type ProcessFactory = (context: ProcessContext) => unknown;

export type ProcessState = 'running' | 'paused' | 'crashed';

/** Kernel services a process needs (implemented by the World). */
export interface ProcessKernel {
  readonly now: Micros;
  schedule(at: Micros, fire: () => boolean): SimEvent;
  /** Schedules an event object that is not in the queue (see {@link EventQueue.repush}). */
  scheduleEvent(event: SimEvent, at: Micros): void;
  cancel(event: SimEvent): void;
  send(from: SimProcess, to: string, message: unknown): void;
  traceProcess(kind: 'timer' | 'note' | 'error' | 'spawn', process: SimProcess, a: number, detail: string): void;
  processFailed(process: SimProcess, error: unknown): void;
  /** The process of that name (for {@link ProcessContext.peer}). */
  processNamed(name: string): SimProcess;
}

function noAction(): boolean {
  return false;
}

/**
 * A pending timer, and its kernel event (one object: a run sets tens of thousands). A process's
 * pending timers form a doubly linked list in the order they were set (crash and a clock-rate
 * change walk it in that order), with O(1) removal and no rehashing. A rate change takes the
 * event out of the queue and schedules it again, with a new serial.
 */
class Timer extends SimEvent {
  prev: Timer | null = null;
  next: Timer | null = null;
  /** In its process's list (false once fired, cancelled or crashed). */
  linked = false;
  /** The number of its latest scheduling (folded into the trace when it fires). */
  serial = 0;

  constructor(
    private readonly owner: SimProcess,
    readonly incarnation: number,
    readonly targetMonoMicros: number,
    readonly callback: () => unknown,
    /** A timer of the host's kernel: its callback returns whether it called into the process's code. */
    readonly quiet: boolean,
  ) {
    super(0, 0, noAction);
  }

  override fire(): boolean {
    return this.owner.fireTimer(this, this.serial);
  }
}

/**
 * A simulated process: a clock that survives restarts (it is the machine's), and an incarnation
 * of code that does not. Everything that reaches the process (timer firings, messages) goes
 * through {@link SimProcess.run}, which defers it while the process is paused and discards it
 * once that incarnation has crashed: that is how a crashed process's awaits never continue.
 */
export class SimProcess {
  state: ProcessState = 'running';
  incarnation = 0;
  handler: MessageHandler | null = null;
  synchronousHandler = false;
  context!: ProcessContext;
  /**
   * What reached the process while it was paused, kept apart by kind because a resumed Node
   * process does not take it in arrival order: timers that came due during the pause fire first
   * (in deadline order), then what arrived on its sockets (in arrival order). Measured on Node 20
   * with SIGSTOP/SIGCONT (test/sim/resume-order.test.ts): epoll_wait returns EINTR at SIGCONT,
   * libuv finds its poll timeout spent and runs the expired timers before it polls again.
   */
  deferredTimers: Array<() => void> = [];
  deferred: Array<() => void> = [];
  /** What the host does as this incarnation dies ({@link ProcessContext.onCrash}). */
  private crashHooks: Array<() => void> = [];
  private firstTimer: Timer | null = null;
  private lastTimer: Timer | null = null;
  private timerSerial = 0;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly clock: ProcessClock,
    readonly factory: ProcessFactory,
    private readonly kernel: ProcessKernel,
    private readonly randomFor: (incarnation: number) => RandomStream,
  ) {}

  /**
   * Runs `work` as code of incarnation `incarnation` of this process, now. Returns whether
   * process code ran (so the scheduler must drain promise continuations before going on).
   */
  run(incarnation: number, work: () => void): boolean {
    if (incarnation !== this.incarnation || this.state === 'crashed') return false;
    if (this.state === 'paused') {
      this.deferred.push(work);
      return false;
    }
    try {
      work();
    } catch (error) {
      this.kernel.processFailed(this, error);
    }
    return true;
  }

  /**
   * {@link SimProcess.run} of `handler(from, message)` (a message delivery), without allocating
   * a closure unless the process is paused and the delivery must wait.
   */
  runHandler(incarnation: number, handler: MessageHandler, from: string, message: unknown): boolean {
    if (incarnation !== this.incarnation || this.state === 'crashed') return false;
    if (this.state === 'paused') {
      this.deferred.push(() => (this.handler ?? handler)(from, message));
      return false;
    }
    try {
      handler(from, message);
    } catch (error) {
      this.kernel.processFailed(this, error);
    }
    return true;
  }

  /** A new incarnation: fresh context, no timers, no handler; the factory runs at `kernel.now`. */
  start(): void {
    this.state = 'running';
    this.handler = null;
    this.synchronousHandler = false;
    this.deferred = [];
    this.deferredTimers = [];
    this.crashHooks = [];
    this.context = this.makeContext(this.incarnation, this.randomFor(this.incarnation));
    const incarnation = this.incarnation;
    this.kernel.schedule(this.kernel.now, () =>
      this.run(incarnation, () => {
        this.kernel.traceProcess('spawn', this, incarnation, `incarnation ${incarnation}`);
        this.settleInProcess(this.factory(this.context));
      }),
    );
  }

  /** Everything of this incarnation stops for good. */
  crash(): void {
    const hooks = this.crashHooks;
    this.crashHooks = [];
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // The kernel closing sockets cannot fail the crash.
      }
    }
    this.state = 'crashed';
    for (let timer = this.firstTimer; timer !== null; timer = timer.next) this.kernel.cancel(timer);
    while (this.firstTimer !== null) this.unlinkTimer(this.firstTimer);
    this.deferred = [];
    this.deferredTimers = [];
    this.handler = null;
  }

  /** How much work waits for a resume. */
  get waiting(): number {
    return this.deferredTimers.length + this.deferred.length;
  }

  /** Takes what waited during a pause, in the order a resumed Node process runs it: expired timers, then I/O. */
  takeDeferred(): Array<() => void> {
    const work = this.deferredTimers.length === 0 ? this.deferred : [...this.deferredTimers, ...this.deferred];
    this.deferredTimers = [];
    this.deferred = [];
    return work;
  }

  /** Reschedules pending timers after the clock's rate changed. */
  rescheduleTimers(): void {
    for (let timer = this.firstTimer; timer !== null; timer = timer.next) {
      this.kernel.cancel(timer);
      this.scheduleTimer(timer);
    }
  }

  private settleInProcess(result: unknown): void {
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        this.kernel.processFailed(this, error);
      });
    }
  }

  /** Sets a timer and returns its cancel function. */
  private addTimer(incarnation: number, delayMs: number, callback: () => unknown, quiet = false): CancelTimer {
    const timer = this.startTimer(incarnation, delayMs, callback, quiet);
    if (timer === null) return noop;
    return () => {
      if (this.unlinkTimer(timer)) this.kernel.cancel(timer);
    };
  }

  /** {@link addTimer} without the cancel function (none for a dead incarnation). */
  private startTimer(incarnation: number, delayMs: number, callback: () => unknown, quiet: boolean): Timer | null {
    if (incarnation !== this.incarnation || this.state === 'crashed') return null;
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer = new Timer(this, incarnation, this.clock.monoMicros(this.kernel.now) + delay * 1000, callback, quiet);
    this.scheduleTimer(timer);
    this.linkTimer(timer);
    return timer;
  }

  /** A sleep: a promise its timer resolves (no executor closure, and no cancel function: nothing cancels a sleep). */
  private sleep(incarnation: number, ms: number): Promise<void> {
    const promise = new Promise<void>(captureResolve);
    this.startTimer(incarnation, ms, capturedResolve, false);
    return promise;
  }

  /** Puts the timer's event in the queue (it must not be there) at the true time its monotonic deadline falls on now. */
  private scheduleTimer(timer: Timer): void {
    timer.serial = ++this.timerSerial;
    this.kernel.scheduleEvent(timer, this.clock.trueTimeOfMono(timer.targetMonoMicros, this.kernel.now));
  }

  /**
   * A timer's event fired: {@link SimProcess.run} of its callback (with the `timer` trace entry),
   * without a closure unless the process is paused.
   */
  fireTimer(timer: Timer, serial: number): boolean {
    this.unlinkTimer(timer);
    if (timer.incarnation !== this.incarnation || this.state === 'crashed') return false;
    if (this.state === 'paused') {
      this.deferredTimers.push(() => {
        this.kernel.traceProcess('timer', this, serial, '');
        timer.callback();
      });
      return false;
    }
    try {
      this.kernel.traceProcess('timer', this, serial, '');
      const ran = timer.callback();
      // A quiet timer that only changed kernel state (a TCP timer that found nothing to do, or
      // only retransmitted) settled no promise: no continuation waits, so no barrier is needed.
      if (timer.quiet && ran === false) return false;
    } catch (error) {
      this.kernel.processFailed(this, error);
    }
    return true;
  }

  private linkTimer(timer: Timer): void {
    timer.linked = true;
    timer.prev = this.lastTimer;
    timer.next = null;
    if (this.lastTimer === null) this.firstTimer = timer;
    else this.lastTimer.next = timer;
    this.lastTimer = timer;
  }

  /** Takes `timer` out of the pending list; false if it was not in it. */
  private unlinkTimer(timer: Timer): boolean {
    if (!timer.linked) return false;
    timer.linked = false;
    if (timer.prev === null) this.firstTimer = timer.next;
    else timer.prev.next = timer.next;
    if (timer.next === null) this.lastTimer = timer.prev;
    else timer.next.prev = timer.prev;
    timer.prev = null;
    timer.next = null;
    return true;
  }

  private makeContext(incarnation: number, random: RandomStream): ProcessContext {
    const process = this;
    const kernel = this.kernel;
    const peers = new Map<string, SimProcess>();
    const clock: Clock = {
      now: () => Math.floor(process.clock.wallMicros(kernel.now) / 1000),
      monotonic: () => process.clock.monoMicros(kernel.now) / 1000,
      sleep: (ms: number) => process.sleep(incarnation, ms),
      setTimer: (ms: number, callback: () => void) => process.addTimer(incarnation, ms, callback),
    };
    return {
      name: this.name,
      incarnation,
      clock,
      random,
      send(to: string, message: unknown): void {
        if (incarnation === process.incarnation && process.state !== 'crashed') kernel.send(process, to, message);
      },
      onMessage(handler: MessageHandler, options?: { synchronous?: boolean }): void {
        if (incarnation !== process.incarnation) return;
        process.handler = handler;
        process.synchronousHandler = options?.synchronous === true;
      },
      spawn(main: () => unknown): void {
        kernel.schedule(kernel.now, () => process.run(incarnation, () => process.settleInProcess(main())));
      },
      note(text: string): void {
        if (incarnation === process.incarnation) kernel.traceProcess('note', process, 0, text);
      },
      setKernelTimer(ms: number, callback: () => boolean): CancelTimer {
        return process.addTimer(incarnation, ms, callback, true);
      },
      onCrash(handler: () => void): void {
        if (incarnation === process.incarnation && process.state !== 'crashed') process.crashHooks.push(handler);
      },
      peer(name: string): { readonly up: boolean; readonly incarnation: number } {
        // A world never removes a process: once found, a host is kept (TCP asks per segment).
        let p = peers.get(name);
        if (p === undefined) {
          try {
            p = kernel.processNamed(name);
          } catch {
            return { up: false, incarnation: -1 }; // no such host: nothing answers
          }
          peers.set(name, p);
        }
        return { up: p.state !== 'crashed', incarnation: p.incarnation };
      },
      peerView(name: string): { readonly up: boolean; readonly incarnation: number } {
        let p: SimProcess | null;
        try {
          p = kernel.processNamed(name);
        } catch {
          p = null;
        }
        return new PeerView(p);
      },
    };
  }
}

function noop(): void {}

// A promise's resolve, taken out of its executor without a closure per promise: the executor
// runs synchronously inside `new Promise`, so it is read right after (as src/sim/rpc.ts does).
let capturedResolve: () => void = noop;
function captureResolve(resolve: () => void): void {
  capturedResolve = resolve;
}
