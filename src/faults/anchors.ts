import fc from 'fast-check';
import type { Fault } from './fault.ts';

/**
 * Fault times anchored to the lock's own operations. A lock breaks at its boundaries: a reply
 * delayed while an acquire is in flight, a holder paused between the GET and the DEL of its
 * release, a node crashed just after it granted a key. Drawn uniformly over a run, a fault lands
 * in such a window a few times in a thousand; anchored to the moment a fault-free run of the same
 * seed reached it, it lands there every time the run has not diverged before it (and up to the
 * first fault it has not: a run is a pure function of its seed and schedule).
 */

/** A moment of a fault-free run: a client's operation, or a lock-key command a node ran for it. */
export interface Anchor {
  /** True time, ms. */
  readonly atMs: number;
  /** The client acting. */
  readonly process: string;
  /** The other end: the node that ran the command, or the resource the client wrote to. */
  readonly peer?: string;
  /**
   * What happened then, e.g. `acquire ok`, `SET NX PX 2000 → OK`, `GET → value`. Anchors are
   * picked by label first: a run's few releases weigh as much as its many refused retries.
   */
  readonly label: string;
  /**
   * Whether the lock changed hands here: a key set or removed, an acquire, release or extend
   * done. Such moments are drawn twice as often as the refusals and reads around them.
   */
  readonly turn?: boolean;
}

/**
 * Which anchor a fault follows (its label and then one of that label's moments, each as a
 * fraction in thousandths), how far after it (ms), and for a link fault which link: the one it
 * was drawn on (`keep`), the anchor's node or resource to its client (`reply`), or back (`request`).
 */
export interface AnchorPick {
  readonly label: number;
  readonly instance: number;
  readonly offsetMs: number;
  readonly link: 'keep' | 'reply' | 'request';
}

/** A fault as drawn: its own time, and the anchor that replaces it when the run has anchors. */
export interface DrawnFault {
  readonly fault: Fault;
  readonly anchor: AnchorPick | null;
}

/** Offsets within this of an anchor are "in flight" (see {@link anchorPick}). */
const IN_FLIGHT_MS = 4;

/**
 * Offsets from an anchor: within the network's round trip (0.1 ms steps, so a fault can fall
 * between a request and its reply), a little later, or near a moment that matters to the lock
 * (just before a lease granted at the anchor expires).
 */
export function anchorPick(moments: readonly number[]): fc.Arbitrary<AnchorPick> {
  const inFlight = fc.integer({ min: -10 * IN_FLIGHT_MS / 2, max: 10 * IN_FLIGHT_MS }).map((tenths) => tenths / 10);
  const soon = fc.integer({ min: -100, max: 300 });
  const nearMoment = moments.length === 0 ? soon : fc.constantFrom(...moments).chain((m) => fc.integer({ min: Math.round(m * 0.85), max: Math.round(m * 1.05) }));
  const fraction = fc.integer({ min: 0, max: 999 });
  return fc.record({ label: fraction, instance: fraction, offsetMs: fc.oneof(inFlight, soon, nearMoment), link: fc.constantFrom('reply' as const, 'request' as const, 'reply' as const, 'request' as const, 'keep' as const) });
}

/**
 * The fault at its anchor: its time moved there (kept inside `window`), and the first process it
 * names of the anchor's client's class, and of its peer's, renamed to them. Names are swapped, so
 * the fault keeps its shape (a link from one node to every other process stays one), and only
 * within a class (`classOf`: a node that loses keys in a crash is never swapped with one that
 * keeps them, which would move a crash outside the lock's model). A link fault moves only onto
 * links between `reachable` processes.
 */
export function anchorFault(drawn: DrawnFault, anchors: readonly Anchor[], window: { readonly from: number; readonly to: number }, classOf: (name: string) => string, reachable: ReadonlySet<string>): Fault {
  const fields = drawn.fault as Partial<Record<'from' | 'to', readonly string[]>>;
  const onLink = fields.from !== undefined && fields.to !== undefined;
  // A link fault follows a command or a write on a link the generator may reach (the resource's
  // only when it allows faults there); a process fault, any moment.
  const candidates = onLink ? anchors.filter((a) => a.peer !== undefined && reachable.has(a.peer)) : anchors;
  if (drawn.anchor === null || candidates.length === 0) return drawn.fault;
  const turns = new Set(candidates.filter((a) => a.turn === true).map((a) => a.label));
  const labels = [...new Set(candidates.map((a) => a.label))].sort().flatMap((l) => (turns.has(l) ? [l, l] : [l]));
  const label = fractionOf(labels, drawn.anchor.label);
  const anchor = fractionOf(candidates.filter((a) => a.label === label), drawn.anchor.instance);
  const onAnchorsLink = drawn.anchor.link !== 'keep' && anchor.peer !== undefined && onLink;
  const offsetMs = onAnchorsLink ? leadingOffset(drawn.anchor.offsetMs) : drawn.anchor.offsetMs;
  const at = Math.round(Math.min(window.to, Math.max(window.from, anchor.atMs + offsetMs)) * 10) / 10;
  if (onAnchorsLink) {
    // One link of the anchor's: the replies to its client, or its client's requests.
    const [from, to] = drawn.anchor.link === 'reply' ? [anchor.peer, anchor.process] : [anchor.process, anchor.peer];
    return { ...drawn.fault, at, from: [from], to: [to] } as Fault;
  }
  const named = processNames(drawn.fault);
  const swaps = new Map<string, string>();
  const swap = (from: string | undefined, to: string | undefined): void => {
    if (from === undefined || to === undefined || from === to || swaps.has(from) || swaps.has(to)) return;
    swaps.set(from, to).set(to, from);
  };
  for (const target of [anchor.process, anchor.peer]) {
    if (target !== undefined) swap(named.find((n) => classOf(n) === classOf(target)), target);
  }
  return renameProcesses({ ...drawn.fault, at }, (name) => swaps.get(name) ?? name);
}

/**
 * A fault on the anchor's own link, drawn in flight, starts just before the message it follows
 * leaves, or it would miss it (a reply leaves the node at the anchor's moment, a request a
 * little before). Only just before: a fault that starts earlier catches the messages before it
 * on a busy link, and the run goes another way before it reaches the anchor.
 */
function leadingOffset(offsetMs: number): number {
  return Math.abs(offsetMs) <= IN_FLIGHT_MS ? -Math.abs(offsetMs) : offsetMs;
}

/** The item at `thousandths` of the way through a non-empty list. */
function fractionOf<T>(items: readonly T[], thousandths: number): T {
  return items[Math.min(items.length - 1, Math.floor((thousandths / 1000) * items.length))] as T;
}

/** The process names a fault mentions, in field order (process, from, to, groups). */
export function processNames(fault: Fault): string[] {
  const names: string[] = [];
  const fields = fault as Partial<Record<'process' | 'from' | 'to' | 'groups', unknown>>;
  if (typeof fields.process === 'string') names.push(fields.process);
  for (const list of [fields.from, fields.to]) if (Array.isArray(list)) names.push(...(list as string[]));
  if (Array.isArray(fields.groups)) for (const group of fields.groups as string[][]) names.push(...group);
  return [...new Set(names)];
}

/** The fault with every process name it mentions passed through `rename` (a failover's replica is a role, not renamed). */
export function renameProcesses(fault: Fault, rename: (name: string) => string): Fault {
  const copy: Record<string, unknown> = { ...fault };
  if (typeof copy.process === 'string') copy.process = rename(copy.process);
  for (const key of ['from', 'to'] as const) if (Array.isArray(copy[key])) copy[key] = (copy[key] as string[]).map(rename);
  if (Array.isArray(copy.groups)) copy.groups = (copy.groups as string[][]).map((group) => group.map(rename));
  return copy as Fault;
}
