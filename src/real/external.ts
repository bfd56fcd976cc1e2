/**
 * Real mode against servers somebody else started: Redis nodes and a Toxiproxy server that
 * already run (the repository's docker-compose.yml, or your own), described by a topology. The
 * runner then starts only the client processes and the resource, creates its proxies on that
 * Toxiproxy (named `locksim-<pid>-…`, removed after the run, also on Ctrl-C, and swept at the
 * next run if this process was SIGKILLed), and never starts or signals a node: faults that need
 * control of a node's process or clock (pause, crash, drift, jump, clock skew, replication) are
 * refused up front, naming each.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describeFault, type Fault } from '../faults/fault.ts';
import { kindOf } from '../faults/table.ts';
import type { NodeSpec } from '../scenario/types.ts';
import { processAlive, registerCleanup } from './process-group.ts';
import { ToxiproxyClient, ToxiproxyRequestError, type ProxyAddress } from './toxiproxy-client.ts';

/** One Redis node that is already running. */
export interface ExternalNode {
  /** Where the runner reaches it directly (for DBSIZE and FLUSHALL): host and port. */
  readonly host: string;
  readonly port: number;
  /** Where Toxiproxy reaches it (`redis1:6379` inside docker compose); default host:port. */
  readonly upstream: string;
}

/** Servers to use instead of starting them. */
export interface ExternalTopology {
  /** Where the description came from (for messages). */
  readonly source: string;
  /** The Toxiproxy API, e.g. `http://127.0.0.1:8474`. */
  readonly toxiproxyApi: string;
  /** The address proxies listen on, on the Toxiproxy host (`0.0.0.0` inside a container). */
  readonly proxyListen: string;
  /** The host clients connect to for a proxy's port. */
  readonly proxyHost: string;
  /** Ports proxies may listen on (the range a container publishes); undefined: any free one. */
  readonly proxyPorts: { readonly first: number; readonly last: number } | undefined;
  /** The scenario's nodes take these in order (the first node gets the first). */
  readonly nodes: readonly ExternalNode[];
}

/** The topology of the repository's docker-compose.yml. */
export const COMPOSE_TOPOLOGY: ExternalTopology = {
  source: 'docker-compose.yml (--external compose)',
  toxiproxyApi: 'http://127.0.0.1:8474',
  proxyListen: '0.0.0.0',
  proxyHost: '127.0.0.1',
  proxyPorts: { first: 21000, last: 21099 },
  nodes: [1, 2, 3, 4, 5].map((i) => ({ host: '127.0.0.1', port: 6380 + i, upstream: `redis${i}:6379` })),
};

/** A topology file that cannot be used; the message names the field and what it should be. */
export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

const TOPOLOGY_EXAMPLE = `{
  "toxiproxy": { "api": "http://127.0.0.1:8474", "listen": "127.0.0.1", "host": "127.0.0.1", "ports": "21000-21099" },
  "nodes": [ { "address": "127.0.0.1:6381", "upstream": "redis1:6379" }, { "address": "127.0.0.1:6382" } ]
}`;

function parseAddress(text: unknown, field: string, problems: string[]): { host: string; port: number } | undefined {
  const match = typeof text === 'string' ? /^([^:\s]+):(\d{1,5})$/.exec(text) : null;
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65_535)) {
    problems.push(`${field}: must be "host:port", e.g. "127.0.0.1:6381" (got ${JSON.stringify(text)})`);
    return undefined;
  }
  return { host: match[1] as string, port };
}

/** Checks and reads a topology (the parsed JSON of a topology file). */
export function parseTopology(json: unknown, source: string): ExternalTopology {
  const problems: string[] = [];
  const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!object(json)) throw new TopologyError(`${source}: must be a JSON object like\n${TOPOLOGY_EXAMPLE}`);
  const toxiproxy = json.toxiproxy;
  let api = '';
  let listen = '127.0.0.1';
  let host = '127.0.0.1';
  let ports: ExternalTopology['proxyPorts'];
  if (!object(toxiproxy)) {
    problems.push('toxiproxy: must be an object { api, listen?, host?, ports? }');
  } else {
    if (typeof toxiproxy.api !== 'string' || !/^https?:\/\/[^/\s]+\/?$/.test(toxiproxy.api)) problems.push(`toxiproxy.api: must be the API's URL, e.g. "http://127.0.0.1:8474" (got ${JSON.stringify(toxiproxy.api)})`);
    else api = toxiproxy.api.replace(/\/$/, '');
    if (toxiproxy.listen !== undefined) {
      if (typeof toxiproxy.listen !== 'string' || toxiproxy.listen === '') problems.push('toxiproxy.listen: must be the address proxies listen on, e.g. "0.0.0.0" inside a container');
      else listen = toxiproxy.listen;
    }
    if (toxiproxy.host !== undefined) {
      if (typeof toxiproxy.host !== 'string' || toxiproxy.host === '') problems.push('toxiproxy.host: must be the host clients reach the proxies on, e.g. "127.0.0.1"');
      else host = toxiproxy.host;
    }
    if (toxiproxy.ports !== undefined) {
      const m = typeof toxiproxy.ports === 'string' ? /^(\d+)-(\d+)$/.exec(toxiproxy.ports) : null;
      const first = m === null ? NaN : Number(m[1]);
      const last = m === null ? NaN : Number(m[2]);
      if (!(first >= 1 && last <= 65_535 && first <= last)) problems.push(`toxiproxy.ports: must be a range "first-last", e.g. "21000-21099" (got ${JSON.stringify(toxiproxy.ports)})`);
      else ports = { first, last };
    }
  }
  const nodes: ExternalNode[] = [];
  if (!Array.isArray(json.nodes) || json.nodes.length === 0) {
    problems.push('nodes: must be a non-empty list of { address: "host:port", upstream?: "host:port" }');
  } else {
    json.nodes.forEach((n: unknown, i: number) => {
      if (!object(n)) {
        problems.push(`nodes[${i}]: must be an object { address, upstream? }`);
        return;
      }
      const address = parseAddress(n.address, `nodes[${i}].address`, problems);
      const upstream = n.upstream === undefined ? undefined : parseAddress(n.upstream, `nodes[${i}].upstream`, problems);
      if (address !== undefined) nodes.push({ ...address, upstream: upstream === undefined ? `${address.host}:${address.port}` : `${upstream.host}:${upstream.port}` });
    });
  }
  for (const key of Object.keys(json)) if (key !== 'toxiproxy' && key !== 'nodes') problems.push(`${key}: unknown field (fields: toxiproxy, nodes)`);
  if (problems.length > 0) throw new TopologyError(`${source} is not a usable topology:\n${problems.map((p) => `  - ${p}`).join('\n')}\nExample:\n${TOPOLOGY_EXAMPLE}`);
  return { source, toxiproxyApi: api, proxyListen: listen, proxyHost: host, proxyPorts: ports, nodes };
}

/** `compose` (the repository's docker-compose.yml) or the path of a topology JSON file. */
export function loadTopology(ref: string): ExternalTopology {
  if (ref === 'compose') return COMPOSE_TOPOLOGY;
  let text: string;
  try {
    text = readFileSync(ref, 'utf8');
  } catch (error) {
    throw new TopologyError(`--external ${ref}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); give 'compose' or the path of a topology JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TopologyError(`${ref}: not valid JSON (${(error as Error).message})`);
  }
  return parseTopology(json, ref);
}

/** Why a world and schedule cannot run on external servers (empty: they can). */
export function externalProblems(topology: ExternalTopology, nodes: readonly NodeSpec[], faults: readonly Fault[]): string[] {
  const problems: string[] = [];
  const fix = 'needs nodes locksim starts itself (run without --external)';
  if (nodes.length > topology.nodes.length) problems.push(`the world has ${nodes.length} nodes but ${topology.source} lists ${topology.nodes.length}`);
  for (const n of nodes) {
    if (n.replicaOf !== undefined) problems.push(`node ${n.name} is a replica of ${n.replicaOf}: replication ${fix}`);
    if ((n.driftPpm ?? 0) !== 0 || (n.wallOffsetMs ?? 0) !== 0) problems.push(`node ${n.name} has a skewed clock (driftPpm/wallOffsetMs): the clock shim ${fix}`);
  }
  const names = new Set(nodes.map((n) => n.name));
  faults.forEach((f, i) => {
    const process = kindOf(f).real.actsOn?.(f);
    if (process !== undefined && names.has(process)) problems.push(`faults[${i}] (${describeFault(f)}) acts on node ${process}'s process or clock: it ${fix}`);
  });
  return problems;
}

/** The prefix of every proxy this process creates on an external Toxiproxy. */
export function proxyPrefix(pid = process.pid): string {
  return `locksim-${pid}-`;
}

/** An external Toxiproxy server, through the one client: only what the runner needs, and only on its own proxies. */
export class ExternalToxiproxy {
  private readonly own = new Set<string>();
  private readonly unregister: () => void;

  private constructor(
    readonly topology: ExternalTopology,
    readonly client: ToxiproxyClient,
  ) {
    // Ctrl-C or an exit mid-run: delete our proxies synchronously (a child process does the HTTP).
    this.unregister = registerCleanup(() => {
      if (this.own.size > 0) deleteProxiesSync(topology.toxiproxyApi, [...this.own]);
    });
  }

  get apiUrl(): string {
    return this.topology.toxiproxyApi;
  }

  /** This process's proxies, by their full names. */
  ownProxies(): string[] {
    return [...this.own];
  }

  /** Connects (checks the API answers) and removes proxies left by locksim processes that are gone. */
  static async connect(topology: ExternalTopology): Promise<{ toxiproxy: ExternalToxiproxy; version: string; swept: number }> {
    let version: string;
    try {
      version = await new ToxiproxyClient(topology.toxiproxyApi, { timeoutMs: 3_000 }).version();
    } catch (error) {
      throw new TopologyError(
        `Toxiproxy does not answer at ${topology.toxiproxyApi} (${(error as Error).message}), from ${topology.source}: start it (docker compose -f node_modules/locksim/docker-compose.yml up -d, or docker compose up -d in a locksim checkout) or fix toxiproxy.api`,
      );
    }
    const toxiproxy = new ExternalToxiproxy(topology, new ToxiproxyClient(topology.toxiproxyApi));
    let swept = 0;
    for (const name of await toxiproxy.client.proxyNames()) {
      const pid = /^locksim-(\d+)-/.exec(name)?.[1];
      if (pid !== undefined && !processAlive(Number(pid))) {
        await toxiproxy.client.removeProxy(name);
        swept++;
      }
    }
    return { toxiproxy, version, swept };
  }

  /**
   * Creates a proxy named `locksim-<pid>-<name>` to `upstream`, listening on a port of the
   * topology's range (the next free one) or any free one; returns its name and port.
   */
  async createProxy(name: string, upstream: string): Promise<ProxyAddress> {
    const full = `${proxyPrefix()}${name}`;
    const range = this.topology.proxyPorts;
    const candidates = range === undefined ? [0] : Array.from({ length: range.last - range.first + 1 }, (_, i) => range.first + i);
    let lastError = '';
    for (const port of candidates) {
      try {
        const proxy = await this.client.createProxy(full, `${this.topology.proxyListen}:${port}`, upstream);
        this.own.add(full);
        // Inside a container the reported address is the container's; the published port is the one asked for.
        return { name: full, port: port === 0 ? proxy.port : port };
      } catch (error) {
        if (!(error instanceof ToxiproxyRequestError)) throw error;
        lastError = `HTTP ${error.status} ${error.detail}`;
        // A port in use (by another proxy or program): try the next one of the range.
        if (!/address already in use|already exists/i.test(error.detail)) break;
      }
    }
    throw new TopologyError(`toxiproxy at ${this.apiUrl} could not create proxy ${full} to ${upstream}: ${lastError}${range === undefined ? '' : ` (ports ${range.first}-${range.last})`}`);
  }

  /** Heals this process's proxies only (not the server-wide /reset: others' proxies stay). */
  healOwn(): Promise<void> {
    return this.client.healProxies([...this.own]);
  }

  /** Deletes this process's proxies. Idempotent. */
  async removeOwn(): Promise<void> {
    const names = [...this.own];
    await Promise.all(names.map((name) => this.client.removeProxy(name).catch(() => {})));
    for (const name of names) this.own.delete(name);
    this.unregister();
  }
}

/**
 * Deletes proxies from a process that is exiting (no event loop left): a short child does the
 * HTTP, with the same client library.
 */
function deleteProxiesSync(api: string, names: readonly string[]): void {
  const library = createRequire(import.meta.url).resolve('toxiproxy-node-client');
  const script = `const { Toxiproxy } = require(${JSON.stringify(library)}); const t = new Toxiproxy(${JSON.stringify(api)}); Promise.all(${JSON.stringify(names)}.map((n) => t.getApi().delete(t.host + '/proxies/' + encodeURIComponent(n)).catch(() => {}))).then(() => process.exit(0))`;
  spawnSync(process.execPath, ['-e', script], { stdio: 'ignore', timeout: 5_000 });
}
