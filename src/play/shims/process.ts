/**
 * The `process` the browser build's modules see (injected by esbuild for the free name
 * `process`; no global is defined, so fengari's own sources take their browser branches).
 *
 * `nextTick` is what the kernel's scheduler needs (src/sim/scheduler.ts): a callback that runs
 * only once every promise continuation queued before it has run. In Node that holds for a tick
 * queued from inside a microtask. A browser has no tick queue; a MessageChannel message is a
 * task, and a task starts only when the microtask queue is empty, so the guarantee is the same
 * (one task per callback, in order). `hrtime` exists so that the real-time guard can wrap it;
 * nothing in a run calls it.
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

function hrtime(previous?: readonly [number, number]): [number, number] {
  const nanos = Math.round(performance.now() * 1e6);
  const now: [number, number] = [Math.floor(nanos / 1e9), nanos % 1e9];
  if (previous === undefined) return now;
  const diff = (now[0] - previous[0]) * 1e9 + (now[1] - previous[1]);
  return [Math.floor(diff / 1e9), diff % 1e9];
}
hrtime.bigint = (): bigint => BigInt(Math.round(performance.now() * 1e6));

export const process = {
  nextTick,
  hrtime,
  env: {} as Record<string, string | undefined>,
  platform: 'browser',
  cwd: (): string => '/',
};
