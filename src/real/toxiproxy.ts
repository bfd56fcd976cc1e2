/**
 * Toxiproxy for real mode: the real `toxiproxy-server` binary, started on a free 127.0.0.1 port
 * and driven through toxiproxy-node-client. Every (client, node) pair gets its own proxy — a
 * {@link Link} — listening on a free 127.0.0.1 port and forwarding to the node, so a partition
 * can cut one client from one node and leave the rest alone.
 *
 * Two ways to cut a link ({@link CutMode}):
 *
 * - 'drop': the proxy is disabled. Toxiproxy closes its listening socket and every open
 *   connection through it: the client sees the connection reset at once and any reconnect is
 *   refused (ECONNREFUSED). In-flight requests are lost — the node may or may not have applied
 *   them. This is a node that vanished from the network with the kernel answering for it, and
 *   clients learn of it immediately.
 * - 'hold': a `timeout` toxic with timeout 0 on both directions. Connections stay open and new
 *   ones are accepted, but every byte is swallowed (Toxiproxy 2.12 drops the data on the floor;
 *   nothing is delivered later) and nothing comes back: a black hole, like a real partition where
 *   packets vanish. The client only learns of it through its own timeouts. On heal the toxic is
 *   removed, which makes Toxiproxy close the connections that were held, so clients reconnect.
 *
 * `heal` undoes either. Latency toxics are independent of cuts. (While a link is cut with 'drop'
 * its port is free, so in principle another process could bind it and make `heal` fail; ports
 * come from the kernel's ephemeral range, so this does not happen in practice.)
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Toxiproxy, type Proxy as ToxiproxyProxy } from 'toxiproxy-node-client';
import { findExecutable, spawnManaged, type ManagedChild } from './process-group.ts';
import { freePort } from './redis-process.ts';

/** The Toxiproxy version real mode is written and tested against. */
export const TOXIPROXY_VERSION = '2.12.0';

/** How to install `toxiproxy-server` (the text of {@link ToxiproxyMissingError}). */
export const TOXIPROXY_INSTALL_HINT = [
  `toxiproxy-server not found. Install it with Go (or run scripts/install-toxiproxy.sh):`,
  `  go install github.com/Shopify/toxiproxy/v2/cmd/server@v${TOXIPROXY_VERSION}`,
  `  cp "$(go env GOPATH)/bin/server" /usr/local/bin/toxiproxy-server   # or ~/.local/bin, on PATH`,
  `or download toxiproxy-server-linux-amd64 from https://github.com/Shopify/toxiproxy/releases/tag/v${TOXIPROXY_VERSION}`,
  `or use Docker (ghcr.io/shopify/toxiproxy:${TOXIPROXY_VERSION}, see docker-compose.yml);`,
  `or point LOCKSIM_TOXIPROXY_SERVER at the binary.`,
].join('\n');

export class ToxiproxyMissingError extends Error {
  constructor(detail = '') {
    super(detail === '' ? TOXIPROXY_INSTALL_HINT : `${TOXIPROXY_INSTALL_HINT}\n(${detail})`);
    this.name = 'ToxiproxyMissingError';
  }
}

/**
 * Finds `toxiproxy-server`: LOCKSIM_TOXIPROXY_SERVER, then PATH, then
 * `$(go env GOPATH)/bin/toxiproxy-server` (and ~/.local/bin, where scripts/install-toxiproxy.sh
 * puts it for non-root users). Throws {@link ToxiproxyMissingError} with install instructions.
 */
export function findToxiproxyServer(): string {
  const fromEnv = process.env.LOCKSIM_TOXIPROXY_SERVER;
  if (fromEnv !== undefined && fromEnv !== '') {
    const found = findExecutable(fromEnv);
    if (found === undefined) throw new ToxiproxyMissingError(`LOCKSIM_TOXIPROXY_SERVER=${fromEnv} is not an executable`);
    return found;
  }
  const onPath = findExecutable('toxiproxy-server');
  if (onPath !== undefined) return onPath;
  for (const dir of goBinDirs()) {
    const found = findExecutable(join(dir, 'toxiproxy-server'));
    if (found !== undefined) return found;
  }
  throw new ToxiproxyMissingError();
}

function goBinDirs(): string[] {
  const dirs: string[] = [];
  const go = findExecutable('go') ?? findExecutable('/usr/local/go/bin/go');
  if (go !== undefined) {
    const result = spawnSync(go, ['env', 'GOBIN', 'GOPATH'], { encoding: 'utf8', timeout: 10_000 });
    if (result.status === 0) {
      const [gobin, gopath] = result.stdout.split('\n');
      if (gobin !== undefined && gobin.trim() !== '') dirs.push(gobin.trim());
      for (const path of (gopath ?? '').trim().split(':')) if (path !== '') dirs.push(join(path, 'bin'));
    }
  }
  dirs.push(join(homedir(), 'go', 'bin'), join(homedir(), '.local', 'bin'));
  return dirs;
}

/** `toxiproxy-server -version`'s version ("2.12.0"), or undefined if it prints none. */
export function toxiproxyServerVersion(binary = findToxiproxyServer()): string | undefined {
  const result = spawnSync(binary, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  return /(\d+\.\d+\.\d+)/.exec(`${result.stdout}${result.stderr}`)?.[1];
}

export interface ToxiproxyServerOptions {
  /** API port on 127.0.0.1; default a free one. */
  readonly port?: number;
  /** The binary; default {@link findToxiproxyServer}. */
  readonly binary?: string;
  /** How long to wait for the API to answer. Default 15 s. */
  readonly startTimeoutMs?: number;
}

/** Where a link's proxy forwards to. */
export interface LinkOptions {
  /** Proxy name, unique on this server; see {@link linkName}. */
  readonly name: string;
  readonly upstreamPort: number;
  /** Default 127.0.0.1. */
  readonly upstreamHost?: string;
  /** Port the proxy listens on (127.0.0.1); default a free one picked by the kernel. */
  readonly listenPort?: number;
}

/** The proxy name for the link from `client` to `node` (names may use [A-Za-z0-9_.-]). */
export function linkName(client: string, node: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${clean(client)}--${clean(node)}`;
}

/** One running `toxiproxy-server`. */
export class ToxiproxyServer {
  readonly host = '127.0.0.1' as const;
  /** The toxiproxy-node-client handle, for anything this wrapper does not cover. */
  readonly client: Toxiproxy;
  private readonly links = new Map<string, Link>();
  private tail = '';

  private constructor(
    readonly port: number,
    private readonly child: ManagedChild,
  ) {
    this.client = new Toxiproxy(this.apiUrl);
    const onData = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-16_384);
    };
    child.process.stdout?.on('data', onData);
    child.process.stderr?.on('data', onData);
  }

  /** Starts `toxiproxy-server -host 127.0.0.1 -port N` and resolves once its API answers. */
  static async start(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
    const binary = options.binary ?? findToxiproxyServer();
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = options.port ?? (await freePort());
      let child: ManagedChild;
      try {
        child = spawnManaged(`toxiproxy-server (:${port})`, binary, ['-host', '127.0.0.1', '-port', String(port)]);
      } catch (error) {
        throw new ToxiproxyMissingError((error as Error).message);
      }
      const server = new ToxiproxyServer(port, child);
      const outcome = await server.waitForApi(timeoutMs);
      if (outcome === 'ready') return server;
      await child.kill();
      lastError = `${outcome}\n${server.output()}`;
      const portTaken = /address already in use/i.test(server.output());
      if (!portTaken || options.port !== undefined) break;
    }
    throw new Error(`toxiproxy-server did not start: ${lastError}`);
  }

  /** `http://127.0.0.1:port`. */
  get apiUrl(): string {
    return `http://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.alive ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.child.alive;
  }

  /** The server's recent log output. */
  output(): string {
    return this.tail;
  }

  /** The version the API reports, e.g. "2.12.0" (2.12 answers `{"version": "2.12.0"}`, older ones plain text). */
  async version(): Promise<string> {
    const text = (await this.client.getVersion()).trim();
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { version?: unknown }).version === 'string') {
        return (parsed as { version: string }).version;
      }
    } catch {
      // plain text
    }
    return text;
  }

  /** Creates a proxy listening on 127.0.0.1 and forwarding to the upstream. */
  async createLink(options: LinkOptions): Promise<Link> {
    if (this.links.has(options.name)) throw new Error(`a link named ${options.name} already exists`);
    const upstream = `${options.upstreamHost ?? '127.0.0.1'}:${options.upstreamPort}`;
    const proxy = await this.client.createProxy({
      name: options.name,
      listen: `127.0.0.1:${options.listenPort ?? 0}`,
      upstream,
      enabled: true,
    });
    // Toxiproxy reports the address it actually bound (port 0 → the kernel's choice).
    const port = Number(/:(\d+)$/.exec(proxy.listen)?.[1]);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`toxiproxy reported an unexpected listen address: ${proxy.listen}`);
    const link = new Link(this, options.name, port, upstream, () => this.links.delete(options.name));
    this.links.set(options.name, link);
    return link;
  }

  /** The link named `name`, if this object created it. */
  link(name: string): Link | undefined {
    return this.links.get(name);
  }

  /** Every link this object created and has not removed. */
  allLinks(): readonly Link[] {
    return [...this.links.values()];
  }

  /** Heals every link: all proxies enabled, all toxics removed (Toxiproxy's /reset). */
  async reset(): Promise<void> {
    await this.client.reset();
    for (const link of this.links.values()) link.markHealed();
  }

  /** Stops the server (SIGKILL; it holds no state worth a clean shutdown). Idempotent. */
  async stop(): Promise<void> {
    if (this.child.alive) await this.child.kill();
    this.links.clear();
  }

  private async waitForApi(timeoutMs: number): Promise<'ready' | string> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (!this.child.alive) {
        const info = await this.child.exited;
        return `toxiproxy-server exited (code ${info.code}, signal ${info.signal})`;
      }
      try {
        const response = await fetch(`${this.apiUrl}/version`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) {
          await response.text();
          return 'ready';
        }
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    return `its API did not answer within ${timeoutMs} ms (${lastError})`;
  }
}

/** 'drop': disable the proxy (connections reset, reconnects refused); 'hold': black hole. See the file comment. */
export type CutMode = 'drop' | 'hold';

/** Which way a toxic acts: requests (client → node), replies (node → client), or both. */
export type LinkDirection = 'upstream' | 'downstream' | 'both';

export interface LatencyOptions {
  /** Random ± jitter, ms. Default 0. */
  readonly jitterMs?: number;
  /**
   * Default 'downstream' (replies): a round trip then takes `ms` longer. 'both' adds `ms` each
   * way (a round trip takes 2 × `ms` longer).
   */
  readonly direction?: LinkDirection;
  /** Toxic name prefix; default "latency". Adding a second latency needs another name. */
  readonly name?: string;
}

/** The state of a link as this wrapper set it. */
export interface LinkState {
  readonly cut: CutMode | undefined;
  /** Names of the toxics this wrapper added and has not removed (cut toxics excluded). */
  readonly toxics: readonly string[];
}

const CUT_TOXIC_PREFIX = 'locksim-cut';

/** One proxy: a client's route to a node. */
export class Link {
  private cutMode: CutMode | undefined;
  private removed = false;
  private readonly toxicNames = new Set<string>();

  constructor(
    private readonly server: ToxiproxyServer,
    readonly name: string,
    /** The port clients connect to (127.0.0.1). */
    readonly port: number,
    /** host:port the proxy forwards to. */
    readonly upstream: string,
    private readonly onRemove: () => void,
  ) {}

  readonly host = '127.0.0.1' as const;

  get state(): LinkState {
    return { cut: this.cutMode, toxics: [...this.toxicNames] };
  }

  /** Cuts the link; see {@link CutMode}. Cutting a cut link changes its mode. */
  async cut(mode: CutMode = 'drop'): Promise<void> {
    if (this.cutMode === mode) return;
    if (this.cutMode !== undefined) await this.heal();
    if (mode === 'drop') {
      await this.setEnabled(false);
    } else {
      const proxy = await this.proxy();
      for (const stream of ['upstream', 'downstream'] as const) {
        await proxy.addToxic({
          name: `${CUT_TOXIC_PREFIX}-${stream}`,
          type: 'timeout',
          stream,
          toxicity: 1,
          attributes: { timeout: 0 },
        });
      }
    }
    this.cutMode = mode;
  }

  /** Undoes a cut (enables the proxy, removes the cut toxics). Latency toxics stay. */
  async heal(): Promise<void> {
    await this.setEnabled(true);
    const present = await this.toxicsOnServer();
    const proxy = await this.proxy();
    for (const name of present) {
      if (name.startsWith(CUT_TOXIC_PREFIX)) await (await proxy.getToxic(name)).remove();
    }
    this.cutMode = undefined;
  }

  /** Adds a `latency` toxic of `ms` (see {@link LatencyOptions}); returns the toxic names. */
  async addLatency(ms: number, options: LatencyOptions = {}): Promise<string[]> {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`latency must be >= 0 ms, got ${ms}`);
    const direction = options.direction ?? 'downstream';
    const streams = direction === 'both' ? (['upstream', 'downstream'] as const) : ([direction] as const);
    const prefix = options.name ?? 'latency';
    const proxy = await this.proxy();
    const names: string[] = [];
    for (const stream of streams) {
      const name = `${prefix}-${stream}`;
      await proxy.addToxic({
        name,
        type: 'latency',
        stream,
        toxicity: 1,
        attributes: { latency: Math.round(ms), jitter: Math.round(options.jitterMs ?? 0) },
      });
      this.toxicNames.add(name);
      names.push(name);
    }
    return names;
  }

  /** Removes one toxic by name. */
  async removeToxic(name: string): Promise<void> {
    const proxy = await this.proxy();
    await (await proxy.getToxic(name)).remove();
    this.toxicNames.delete(name);
  }

  /** Removes every toxic except the ones that implement a cut. */
  async removeToxics(): Promise<void> {
    const proxy = await this.proxy();
    for (const name of await this.toxicsOnServer()) {
      if (!name.startsWith(CUT_TOXIC_PREFIX)) await (await proxy.getToxic(name)).remove();
    }
    this.toxicNames.clear();
  }

  /** Deletes the proxy from the server (its connections close). Idempotent. */
  async remove(): Promise<void> {
    if (this.removed) return;
    const proxy = await this.proxy();
    await proxy.remove();
    this.removed = true;
    this.onRemove();
  }

  /** @internal after a server-wide reset. */
  markHealed(): void {
    this.cutMode = undefined;
    this.toxicNames.clear();
  }

  private proxy(): Promise<ToxiproxyProxy> {
    return this.server.client.get(this.name);
  }

  private async setEnabled(enabled: boolean): Promise<void> {
    const proxy = await this.proxy();
    if (proxy.enabled === enabled) return;
    await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
  }

  /** Names of the toxics on the server for this proxy (the client library has no call for it). */
  private async toxicsOnServer(): Promise<string[]> {
    const response = await this.server.client.getApi().get<unknown>(`${this.server.apiUrl}/proxies/${this.name}/toxics`);
    const data: unknown = response.data;
    if (!Array.isArray(data)) return [];
    return data.flatMap((toxic: unknown) =>
      typeof toxic === 'object' && toxic !== null && typeof (toxic as { name?: unknown }).name === 'string'
        ? [(toxic as { name: string }).name]
        : [],
    );
  }
}

/** Starts a `toxiproxy-server` (see {@link ToxiproxyServer.start}). */
export function startToxiproxy(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  return ToxiproxyServer.start(options);
}
