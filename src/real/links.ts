/**
 * The links of a real run, and what a network fault between two processes touches there (the
 * nemesis's RealNetwork): a Toxiproxy proxy per (client, node) pair, so clients reach nodes only
 * through their own links and a partition can cut one client from one node; a proxy per replica
 * to its primary, so delays and partitions between the two act on the replication stream; and
 * the runner's own message links to the resource. A world that declares its network delay gets
 * it on every proxy, each way (without one, the loopback's fraction of a millisecond stands for
 * the default).
 */
import type { RealNetwork, RealRoute } from '../faults/real-context.ts';
import type { NodeSpec } from '../scenario/types.ts';
import type { DelayModel } from '../sim/network.ts';
import type { NodeEndpoint } from './protocol.ts';
import type { ResourceServer } from './resource-server.ts';
import type { RunServers } from './servers.ts';
import { linkName } from './toxiproxy.ts';
import { cutText, latencyText, type CutMode, type ProxyAddress, type Stream } from './toxiproxy-client.ts';

export class RealLinks implements RealNetwork {
  /** By `client|node` (a replica's link to its primary: `replica|primary`). */
  private readonly proxies = new Map<string, ProxyAddress>();
  /** Fault effects on proxies not healed yet (for a heal's count). */
  private faultEffects = 0;

  constructor(
    private readonly servers: RunServers,
    private readonly resource: ResourceServer,
    private readonly clients: ReadonlySet<string>,
    private readonly worldDelay: DelayModel | undefined,
  ) {}

  /** Creates the proxies: each client to each lock node, each replica to its primary (and starts replication). */
  async create(lockNodes: readonly string[], nodes: readonly NodeSpec[]): Promise<void> {
    for (const c of this.clients) {
      for (const n of lockNodes) this.proxies.set(`${c}|${n}`, await this.servers.createProxy(linkName(c, n), n));
    }
    for (const spec of nodes) {
      if (spec.replicaOf === undefined) continue;
      const link = await this.servers.createProxy(linkName(spec.name, spec.replicaOf), spec.replicaOf);
      this.proxies.set(`${spec.name}|${spec.replicaOf}`, link);
      const replica = this.servers.nodes.get(spec.name);
      await replica?.follow?.(link.port);
    }
    await this.addWorldDelay();
  }

  /** Where `client` reaches `node`. */
  endpoint(client: string, node: string): NodeEndpoint {
    return { name: node, host: this.servers.proxyHost, port: (this.proxies.get(`${client}|${node}`) as ProxyAddress).port };
  }

  route(from: string, to: string): RealRoute {
    const key = `${from}->${to}`;
    const isNode = (p: string): boolean => this.servers.nodes.has(p);
    const isClient = (p: string): boolean => this.clients.has(p);
    const proxy = (client: string, node: string): string | undefined => this.proxies.get(`${client}|${node}`)?.name;
    if (isClient(from) && isNode(to)) {
      const name = proxy(from, to);
      if (name !== undefined) return { kind: 'proxy', key, proxy: name, stream: 'upstream', client: from, node: to };
    }
    if (isNode(from) && isClient(to)) {
      const name = proxy(to, from);
      if (name !== undefined) return { kind: 'proxy', key, proxy: name, stream: 'downstream', client: to, node: from };
    }
    // Between a primary and its replica: the replica's proxy (it connects to its primary).
    if (isNode(from) && isNode(to)) {
      const toReplica = proxy(to, from);
      if (toReplica !== undefined) return { kind: 'proxy', key, proxy: toReplica, stream: 'downstream', client: to, node: from };
      const toPrimary = proxy(from, to);
      if (toPrimary !== undefined) return { kind: 'proxy', key, proxy: toPrimary, stream: 'upstream', client: from, node: to };
    }
    if (isClient(from) && to === 'resource') return { kind: 'resource', key, link: this.resource.link(from, 'in') };
    if (from === 'resource' && isClient(to)) return { kind: 'resource', key, link: this.resource.link(to, 'out') };
    return { kind: 'none', key };
  }

  async cut(proxy: string, stream: Stream, mode: CutMode, name: string): Promise<string> {
    await this.servers.toxiproxy.cut(proxy, stream, mode, name);
    this.faultEffects++;
    return cutText(mode);
  }

  async delay(proxy: string, stream: Stream, delay: DelayModel, name: string): Promise<string> {
    await this.servers.toxiproxy.delay(proxy, stream, delay, name);
    this.faultEffects++;
    return latencyText(delay);
  }

  async heal(proxy: string, name: string): Promise<void> {
    await this.servers.toxiproxy.heal(proxy, name);
    this.faultEffects = Math.max(0, this.faultEffects - 1);
  }

  async healAll(): Promise<number> {
    await this.servers.healAll();
    await this.addWorldDelay();
    const healed = this.faultEffects;
    this.faultEffects = 0;
    return healed;
  }

  async redirect(primary: string, to: string): Promise<number> {
    const moved = [...this.proxies.entries()].filter(([key]) => key.endsWith(`|${primary}`) && !key.startsWith(`${to}|`));
    const upstream = this.servers.upstreamOf(to);
    await Promise.all(moved.map(([, link]) => this.servers.toxiproxy.redirect(link.name, upstream)));
    return moved.length;
  }

  /** The world's declared delay, as a latency toxic each way on every proxy. */
  private async addWorldDelay(): Promise<void> {
    const delay = this.worldDelay;
    if (delay === undefined) return;
    await Promise.all([...this.proxies.values()].flatMap((l) => (['upstream', 'downstream'] as const).map((stream) => this.servers.toxiproxy.delay(l.name, stream, delay, `world-delay-${stream}`))));
  }
}
