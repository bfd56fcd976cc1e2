import type { Link, LinkStats } from '../../sim/network.ts';
import type { FieldCheck } from '../fields.ts';
import type { FaultOf, ModelWorld } from '../kind.ts';
import type { LinkEffect } from '../ledger.ts';
import type { RealFaultContext, RealLinkStats, RealMessageLink, RealRoute } from '../real-context.ts';
import type { SimulatedFaultContext } from '../sim-context.ts';

/**
 * What the four network kinds (partition, cut, delay, loss) share: each names the directed pairs
 * of processes it touches and what it does to them; this does it, in both worlds, and says what
 * it did. In the simulation each pair is a kernel link; in real mode a Toxiproxy proxy's stream
 * (client ↔ node, replica ↔ primary), the runner's own link to the resource, or nothing.
 */

/** A network fault. */
export type NetworkFault = FaultOf<'partition' | 'cut' | 'delay' | 'loss'>;

/** What a network fault does to a link while it lasts: cut it (drop or hold), delay it, or lose messages. */
export type LinkChange = Omit<LinkEffect, 'id'>;

/** A direction from one process to another. */
export type Pair = readonly [from: string, to: string];

/** Each of `from` to each of `to` (and back, `bothWays`), in order; never a process to itself. */
export function pairsBetween(from: readonly string[], to: readonly string[], bothWays: boolean): Pair[] {
  const pairs: Pair[] = [];
  for (const a of from) for (const b of to) {
    if (a === b) continue;
    pairs.push([a, b]);
    if (bothWays) pairs.push([b, a]);
  }
  return pairs;
}

/** Between every two groups, both ways. */
export function pairsAcross(groups: readonly (readonly string[])[]): Pair[] {
  return groups.flatMap((g, i) => groups.slice(i + 1).flatMap((h) => pairsBetween(g, h, true)));
}

/** Checks `from` and `to` (cut, delay, loss): each a non-empty list of processes of the world. */
export function checkEnds(check: FieldCheck): void {
  check.processList('from');
  check.processList('to');
}

/**
 * Whether a one-way fault touches a resource that does not check tokens: a client waiting on it
 * is inside its critical section, and a lost, held or slow message keeps it there past its
 * lease, which only fencing survives.
 */
export function touchesUnfencedResource(f: { readonly from: readonly string[]; readonly to: readonly string[] }, world: ModelWorld): boolean {
  return world.resourceMode !== 'fenced' && (f.from.includes(world.resource) || f.to.includes(world.resource));
}

/** Why a cut or a loss of the resource's messages is outside the lock's model. */
export const RESOURCE_MESSAGES_LOST = 'messages to or from the resource lost or held: a client waiting on it stays in its section past the lease (no fencing)';

// ---------------------------------------------------------------------------------------------
// In the simulation

/** Applies `change` to the kernel links of `pairs` until the fault's end, and records what passed them meanwhile. */
export function simulateNetworkFault(fault: NetworkFault, pairs: readonly Pair[], change: LinkChange, sim: SimulatedFaultContext): void {
  const links = pairs.map(([a, b]) => sim.world.network.link(a, b));
  const before = links.map((l) => ({ ...l.stats }));
  const record = sim.begin(() => simulatedEffect(change, (field) => sinceThen(links, before, field)));
  sim.endAfter(record, fault.durationMs, sim.ledger.links(links, change));
}

function sinceThen(links: readonly Link[], before: readonly LinkStats[], field: keyof LinkStats): number {
  return links.reduce((sum, l, i) => sum + l.stats[field] - (before[i] as LinkStats)[field], 0);
}

/** `1 message`, `3 messages`. */
const messages = (n: number, what = 'message'): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function simulatedEffect(change: LinkChange, count: (field: keyof LinkStats) => number): string | null {
  if (change.delay !== undefined) {
    const sent = count('sent');
    return sent > 0 ? `${messages(sent)} slowed` : null;
  }
  if (change.loss !== undefined) {
    const lost = count('dropped');
    return lost > 0 ? `${messages(lost)} lost` : null;
  }
  const dropped = count('dropped');
  const held = count('held');
  return dropped + held > 0 ? `${messages(dropped)} dropped, ${held} held` : null;
}

// ---------------------------------------------------------------------------------------------
// Against real processes

type ProxyRoute = Extract<RealRoute, { kind: 'proxy' }>;

/**
 * Applies `change` to the real routes of `pairs`: a toxic on each proxied stream (a cut or a
 * delay; loss to a node is refused before the run), the change itself on the runner's links to
 * the resource. A delay's toxic stays until what was sent during the fault has arrived
 * (removing a latency toxic delivers what it holds at once).
 */
export async function applyNetworkFault(fault: NetworkFault, pairs: readonly Pair[], change: LinkChange, real: RealFaultContext): Promise<void> {
  const routes = [...new Map(pairs.map(([a, b]) => real.network.route(a, b)).map((r) => [r.key, r] as const)).values()];
  const proxied = routes.filter((r): r is ProxyRoute => r.kind === 'proxy');
  const resourceLinks = routes.flatMap((r) => (r.kind === 'resource' ? [r.link] : []));
  const idle = routes.filter((r) => r.kind === 'none');
  const before = resourceLinks.map((l) => ({ ...l.stats }));
  const { delay, loss } = change;
  const mode = change.mode === 'hold' ? 'hold' : 'drop';
  const toxics = loss !== undefined ? [] : proxied.map((r) => ({ proxy: r.proxy, stream: r.stream, name: `${real.tag}-${delay !== undefined ? 'delay' : mode === 'hold' ? 'hold' : 'cut'}-${r.stream}` }));
  const done = await Promise.all(toxics.map((t) => (delay !== undefined ? real.network.delay(t.proxy, t.stream, delay, t.name) : real.network.cut(t.proxy, t.stream, mode, t.name))));
  for (const link of resourceLinks) {
    if (change.mode !== undefined) link.setMode(change.mode);
    if (delay !== undefined) link.delay = delay;
    if (loss !== undefined) link.lossProbability = loss;
  }
  const record = real.begin(() => {
    const parts: string[] = [];
    if (done.length > 0) parts.push(`${proxyRoutesText(proxied)}: ${done[0]}`);
    const count = (field: keyof RealLinkStats): number => resourceLinks.reduce((sum, l, i) => sum + l.stats[field] - (before[i] as RealLinkStats)[field], 0);
    const delayed = count('delayed');
    const dropped = count('dropped');
    const held = count('held');
    if (delay !== undefined && delayed > 0) parts.push(`${messages(delayed, 'resource message')} slowed`);
    if (delay === undefined && dropped + held > 0) parts.push(`${messages(dropped, 'resource message')} ${loss !== undefined ? 'lost' : 'dropped'}, ${held} held`);
    if (parts.length === 0) return null;
    const quiet = idle.length > 0 ? ` (no traffic in real mode on ${idle.map((r) => r.key).join(', ')})` : '';
    return parts.join('; ') + quiet;
  });
  real.endAfter(record, fault.durationMs, () => {
    for (const link of resourceLinks) restore(link, change);
    const heal = async (): Promise<void> => {
      await Promise.all(toxics.map((t) => real.network.heal(t.proxy, t.name)));
    };
    const keepMs = delay === undefined ? 0 : delay.kind === 'fixed' ? delay.ms : delay.maxMs;
    if (keepMs > 0 && fault.durationMs !== undefined) real.at(fault.at + fault.durationMs + keepMs, heal);
    else return heal();
  });
}

/** Undoes one change on a link to the resource. */
function restore(link: RealMessageLink, change: LinkChange): void {
  if (change.mode !== undefined) link.setMode('up');
  if (change.delay !== undefined) link.delay = null;
  if (change.loss !== undefined) link.lossProbability = 0;
}

/** `client-1↔redis-4, client-1→redis-5` (↔ both ways, → requests only, ← replies only). */
function proxyRoutesText(routes: readonly ProxyRoute[]): string {
  const pairs = new Map<string, { up: boolean; down: boolean; client: string; node: string }>();
  for (const r of routes) {
    const key = `${r.client}|${r.node}`;
    const pair = pairs.get(key) ?? { up: false, down: false, client: r.client, node: r.node };
    if (r.stream === 'upstream') pair.up = true;
    else pair.down = true;
    pairs.set(key, pair);
  }
  return [...pairs.values()].map((p) => `${p.client}${p.up && p.down ? '↔' : p.up ? '→' : '←'}${p.node}`).join(', ');
}
