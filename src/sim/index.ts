/** The deterministic kernel: a world of processes with their own clocks, a network, true time. */
export { World, DEFAULT_EPOCH_MS, type WorldOptions, type ProcessOptions, type RunSummary, type ProcessError } from './world.ts';
export type { ProcessContext, ProcessFactory, MessageHandler, ProcessState, SimProcess } from './process.ts';
export { Network, Link, DEFAULT_DELAY, type DelayModel, type LinkMode, type LinkStats } from './network.ts';
export { RandomStream, deriveSeed } from './random.ts';
export { ProcessClock } from './clock.ts';
export { Trace, TRACE_KINDS, type TraceEntry, type TraceKind } from './trace.ts';
export { ms, seconds, toMs, formatMicros, MICROS_PER_MS, MICROS_PER_SECOND, type Micros } from './time.ts';
export { Endpoint, endpoint, RequestTimeoutError, type Envelope } from './rpc.ts';
