/**
 * The `process` the browser build's modules see (injected by esbuild for the free name
 * `process`; no global is defined, so fengari's own sources take their browser branches).
 *
 * `nextTick` is what the kernel's scheduler needs (src/sim/scheduler.ts): a callback that runs
 * only once every promise continuation queued before it has run. In Node that holds for a tick
 * queued from inside a microtask. A browser has no tick queue; a MessageChannel message is a
 * task, and a task starts only when the microtask queue is empty, so the guarantee is the same
 * (one task per callback, in order).
 */

const queue: Array<() => void> = [];
const channel = new MessageChannel();
// The browser's MessagePort (Node's types describe Node's, which has no `onmessage`).
(channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => {
  const callback = queue.shift();
  if (callback !== undefined) callback();
};
// Node (the tests load this file there too) would otherwise stay alive for the open port.
(channel.port1 as unknown as { unref?: () => void }).unref?.();

function nextTick(callback: (...args: unknown[]) => void, ...args: unknown[]): void {
  queue.push(args.length === 0 ? (callback as () => void) : () => callback(...args));
  channel.port2.postMessage(null);
}

/**
 * There for the real-time guard to wrap (it wraps `process.hrtime` and `process.hrtime.bigint`
 * while a world runs); nothing in the simulation reads it, and in the browser build it reads
 * no clock either: a call says so.
 */
function hrtime(): never {
  throw new Error('locksim play: hrtime() is not in the browser build (simulated code must not read real time)');
}
hrtime.bigint = (): never => {
  throw new Error('locksim play: hrtime.bigint() is not in the browser build (simulated code must not read real time)');
};

export const process = {
  nextTick,
  hrtime,
  env: {} as Record<string, string | undefined>,
  platform: 'browser',
  cwd: (): string => '/',
};
