/**
 * Where a client's `host:port` leads in a simulated world: the address map that turns what a
 * library writes (`new Redis()`, `createClient({ url: 'redis://cache:6380' })`) into a
 * simulated node's name.
 *
 * By default node `i` (0-based) of the world's nodes listens on `127.0.0.1:${6379 + i}`, so a
 * client made with no address (ioredis's and node-redis's default, `localhost:6379`) reaches
 * the first node. `localhost` and `127.0.0.1` are the same host, as on a machine whose
 * resolver says so. An address that leads nowhere is refused when the client is made, with the
 * map in the message: a silent connection refusal would leave a test waiting on retries.
 */

/** The address ioredis and node-redis use when given none. */
export const DEFAULT_PORT = 6379;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** `host:port` in one spelling (loopback names as 127.0.0.1, host in lower case). */
export function addressKey(host: string, port: number): string {
  const h = host.toLowerCase();
  return `${LOOPBACK.has(h) ? '127.0.0.1' : h}:${port}`;
}

/** Splits `host:port` (a port alone means 127.0.0.1). */
function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = at < 0 ? '127.0.0.1' : address.slice(0, at);
  const port = Number(at < 0 ? address : address.slice(at + 1));
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error(`address map: '${address}' is not host:port (e.g. '127.0.0.1:6379' or 'cache.internal:6380')`);
  }
  return { host, port };
}

export class AddressMap {
  private readonly byAddress = new Map<string, string>();

  /** `entries`: `host:port` → node name, e.g. `{ '127.0.0.1:6379': 'redis-1', 'cache:6379': 'redis-2' }`. */
  constructor(entries: Readonly<Record<string, string>> | Iterable<readonly [string, string]>) {
    const list = Symbol.iterator in Object(entries) ? [...(entries as Iterable<readonly [string, string]>)] : Object.entries(entries);
    for (const [address, node] of list) {
      if (typeof node !== 'string' || node === '') throw new Error(`address map: '${address}' must map to a node name, got ${JSON.stringify(node)}`);
      const { host, port } = parseAddress(address);
      this.byAddress.set(addressKey(host, port), node);
    }
  }

  /** Node `i` of `nodes` at `127.0.0.1:${basePort + i}` (the default map of a world), plus `extra`. */
  static forNodes(nodes: readonly string[], extra: Readonly<Record<string, string>> = {}, basePort = DEFAULT_PORT): AddressMap {
    const entries: Array<[string, string]> = nodes.map((node, i) => [`127.0.0.1:${basePort + i}`, node]);
    return new AddressMap([...entries, ...Object.entries(extra)]);
  }

  /** The node at `host:port`, or an error naming the address and the map. */
  resolve(host: string, port: number, client = 'client'): string {
    const node = this.byAddress.get(addressKey(host, port));
    if (node !== undefined) return node;
    throw new Error(
      `${client}: no simulated node listens at ${host}:${port}. The address map has ${this.describe()}; ` +
        'give the client one of these addresses, or add this one to the map (the harness or realm option `addresses`)',
    );
  }

  /** `127.0.0.1:6379 → redis-1, …` */
  describe(): string {
    if (this.byAddress.size === 0) return 'no addresses';
    return [...this.byAddress].map(([a, n]) => `${a} → ${n}`).join(', ');
  }

  /** The address of `node` (the first one mapped to it), for messages. */
  addressOf(node: string): string | undefined {
    for (const [address, n] of this.byAddress) if (n === node) return address;
    return undefined;
  }
}
