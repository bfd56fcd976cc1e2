/**
 * What a real run records as it goes: its true time (CLOCK_MONOTONIC since the run's start,
 * src/real/true-time.ts, which every process shares), the history events the client processes
 * stream in (stamped with that true time), and the errors of processes. Events arrive from
 * different processes in any order; {@link RunLog.eventsUntil} puts them in true-time order.
 */
import type { HistoryEvent } from '../check/history.ts';
import type { Micros } from '../sim/time.ts';
import { TrueTime } from './true-time.ts';

export class RunLog {
  private readonly events: HistoryEvent[] = [];
  readonly errors: Array<{ at: Micros; process: string; message: string }> = [];
  private originValue: TrueTime | undefined;
  private overValue = false;

  /** True time 0; undefined until the run starts. */
  get origin(): TrueTime | undefined {
    return this.originValue;
  }

  /** Whether the run is over (late events and errors are not kept). */
  get over(): boolean {
    return this.overValue;
  }

  /** True time now, µs (0 before the run starts). */
  now(): Micros {
    return this.originValue?.now() ?? 0;
  }

  /** Starts true time. */
  start(): TrueTime {
    this.originValue = TrueTime.startingNow();
    return this.originValue;
  }

  end(): void {
    this.overValue = true;
  }

  event(event: HistoryEvent): void {
    if (!this.overValue) this.events.push(event);
  }

  /** A client crashed (a fault, or it died on its own once the run began): its critical section ends. */
  crash(process: string, clock: { wallMs: number; monoMs: number }, at: Micros): void {
    this.events.push({ index: 0, process, kind: 'crash', phase: 'info', at, ...clock });
  }

  error(process: string, at: Micros, message: string, evenWhenOver = false): void {
    if (evenWhenOver || !this.overValue) this.errors.push({ at, process, message });
  }

  /** The events up to `endedAt`, in true-time order and numbered. */
  eventsUntil(endedAt: Micros): HistoryEvent[] {
    return this.events
      .filter((e) => e.at <= endedAt)
      .sort((a, b) => a.at - b.at)
      .map((e, index) => ({ ...e, index }));
  }
}
