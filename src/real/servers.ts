/**
 * The servers of a real run: a server per node, as the node's service starts it (src/real/services/:
 * a redis-server or Azurite under the clock shim, a PostgreSQL server), and a toxiproxy-server, on
 * free 127.0.0.1 ports, started here and stopped with the run; or, with a topology
 * (src/real/external.ts), the Redis nodes and Toxiproxy somebody else runs, used as they are
 * (checked empty, proxies of this run only, nothing stopped or signalled).
 */
import type { NodeSpec } from '../scenario/types.ts';
import { ExternalToxiproxy, type ExternalNode, type ExternalTopology } from './external.ts';
import { NodeHandle } from './node-handle.ts';
import type { RealServiceNode } from './service.ts';
import { runnableService } from './services/index.ts';
import { TOXIPROXY_VERSION, ToxiproxyServer } from './toxiproxy.ts';
import type { ProxyAddress, ToxiproxyClient } from './toxiproxy-client.ts';

/** How the run reaches Toxiproxy, once its servers are there. */
interface Proxies {
  readonly client: ToxiproxyClient;
  /** The host clients reach proxies on. */
  readonly host: string;
  create(name: string, node: string): Promise<ProxyAddress>;
  /** Heals the run's proxies (all of a server it started; only its own on a shared one). */
  healAll(): Promise<void>;
  close(): Promise<void>;
}

export class RunServers {
  readonly nodes = new Map<string, RealServiceNode>();
  /** Things worth knowing about where the servers came from. */
  readonly notes: string[] = [];
  private readonly started: RealServiceNode[] = [];
  private proxies: Proxies | undefined;
  private upstreams = new Map<string, string>();

  /** Starts each node's server as its service says, and a toxiproxy-server. */
  async start(specs: readonly NodeSpec[]): Promise<void> {
    const started = await Promise.allSettled(
      specs.map(async (spec) => {
        const node = await runnableService(spec).startNode(spec);
        this.started.push(node);
        return node;
      }),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    for (const [i, spec] of specs.entries()) {
      const node = (started[i] as PromiseFulfilledResult<RealServiceNode>).value;
      this.nodes.set(spec.name, node);
      this.upstreams.set(spec.name, node.upstream);
    }
    const server = await ToxiproxyServer.start();
    this.proxies = {
      client: server.client,
      host: '127.0.0.1',
      create: (name, node) => server.createLink(name, this.portOf(node)),
      healAll: () => server.client.healAll(),
      close: () => server.stop(),
    };
  }

  /** Uses the running servers of `topology`: the nodes take its nodes in order; each must be empty, or is emptied with `flush`. */
  async attach(specs: readonly NodeSpec[], topology: ExternalTopology, flush: boolean): Promise<void> {
    for (const [i, spec] of specs.entries()) {
      const target = topology.nodes[i] as ExternalNode;
      const node = new NodeHandle(spec.name, undefined, spec.replicaOf, target);
      this.nodes.set(spec.name, node);
      this.upstreams.set(spec.name, target.upstream);
      await node.checkEmpty(target, topology, flush);
    }
    const { toxiproxy, version, swept } = await ExternalToxiproxy.connect(topology);
    if (version !== TOXIPROXY_VERSION) this.notes.push(`the external Toxiproxy is version ${version} (locksim is tested with ${TOXIPROXY_VERSION})`);
    if (swept > 0) this.notes.push(`removed ${swept} proxies left on the external Toxiproxy by locksim runs that are gone`);
    this.notes.push(`external servers (${topology.source}): ${specs.map((n, i) => `${n.name}=${(topology.nodes[i] as ExternalNode).host}:${(topology.nodes[i] as ExternalNode).port}`).join(', ')}`);
    this.proxies = {
      client: toxiproxy.client,
      host: topology.proxyHost,
      create: (name, node) => toxiproxy.createProxy(name, this.upstreamOf(node)),
      healAll: () => toxiproxy.healOwn(),
      close: () => toxiproxy.removeOwn(),
    };
  }

  /** The one Toxiproxy client of the run. */
  get toxiproxy(): ToxiproxyClient {
    return this.ready().client;
  }

  /** The host clients reach proxies on. */
  get proxyHost(): string {
    return this.ready().host;
  }

  /** Creates a proxy named `name` to node `node`. */
  createProxy(name: string, node: string): Promise<ProxyAddress> {
    return this.ready().create(name, node);
  }

  /** Heals every proxy of the run. */
  healAll(): Promise<void> {
    return this.ready().healAll();
  }

  /** Where Toxiproxy reaches node `node`. */
  upstreamOf(node: string): string {
    const upstream = this.upstreams.get(node);
    if (upstream === undefined) throw new Error(`real mode: no node named '${node}' (nodes: ${[...this.upstreams.keys()].join(', ')})`);
    return upstream;
  }

  /** Waits for the moment each node wants the run to begin at (Azurite's autosave tick). */
  async alignRunStart(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.alignRunStart?.()));
  }

  /** Stops what the run started and removes its proxies; never stops what somebody else runs. */
  async close(): Promise<void> {
    // The nodes started before another failed to start are closed too.
    for (const node of new Set([...this.nodes.values(), ...this.started])) node.close();
    await this.proxies?.close().catch(() => {});
    await Promise.all(this.started.map((n) => n.process?.dispose().catch(() => {})));
  }

  /** The port the server of a node real mode started listens on. */
  private portOf(node: string): number {
    const port = this.nodes.get(node)?.process?.port;
    if (port === undefined) throw new Error(`real mode: no server started for node '${node}'`);
    return port;
  }

  private ready(): Proxies {
    if (this.proxies === undefined) throw new Error('real mode: the servers are not started yet');
    return this.proxies;
  }
}
