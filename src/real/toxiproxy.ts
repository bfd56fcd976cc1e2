/**
 * The `toxiproxy-server` of real mode: found on this machine (with install instructions when it
 * is not), started on a free 127.0.0.1 port, and stopped with the run. Every (client, node) pair
 * gets its own proxy, so a partition can cut one client from one node and leave the rest alone;
 * proxies, cuts, delays and heals go through the one client, src/real/toxiproxy-client.ts.
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, spawnManaged, type ManagedChild } from './process-group.ts';
import { freePort } from './redis-process.ts';
import { ToxiproxyClient, type ProxyAddress } from './toxiproxy-client.ts';

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

/** The proxy name for the link from `client` to `node` (names may use [A-Za-z0-9_.-]). */
export function linkName(client: string, node: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${clean(client)}--${clean(node)}`;
}

/** One running `toxiproxy-server`. */
export class ToxiproxyServer {
  readonly host = '127.0.0.1' as const;
  /** Its API, through the one client (proxies, cuts, delays, heals). */
  readonly client: ToxiproxyClient;
  private tail = '';

  private constructor(
    readonly port: number,
    private readonly child: ManagedChild,
  ) {
    this.client = new ToxiproxyClient(this.apiUrl);
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

  /** The version its API reports, e.g. "2.12.0". */
  version(): Promise<string> {
    return this.client.version();
  }

  /** A proxy on 127.0.0.1 (a free port) to the 127.0.0.1 port given: a client's link to a node. */
  createLink(name: string, upstreamPort: number): Promise<ProxyAddress> {
    return this.client.createProxy(name, '127.0.0.1:0', `127.0.0.1:${upstreamPort}`);
  }

  /** Stops the server (SIGKILL; it holds no state worth a clean shutdown). Idempotent. */
  async stop(): Promise<void> {
    if (this.child.alive) await this.child.kill();
  }

  private async waitForApi(timeoutMs: number): Promise<'ready' | string> {
    const deadline = Date.now() + timeoutMs;
    const probe = new ToxiproxyClient(this.apiUrl, { timeoutMs: 1_000 });
    let lastError = '';
    while (Date.now() < deadline) {
      if (!this.child.alive) {
        const info = await this.child.exited;
        return `toxiproxy-server exited (code ${info.code}, signal ${info.signal})`;
      }
      try {
        await probe.version();
        return 'ready';
      } catch (error) {
        lastError = (error as Error).message;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    return `its API did not answer within ${timeoutMs} ms (${lastError})`;
  }
}

/** Starts a `toxiproxy-server` (see {@link ToxiproxyServer.start}). */
export function startToxiproxy(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  return ToxiproxyServer.start(options);
}
