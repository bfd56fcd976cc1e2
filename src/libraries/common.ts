/**
 * What every library adapter is built on: an environment in which to load the library and the
 * clients to hand it, in simulation (a realm per simulated process: the library's own code on
 * the process's simulated clock, timers and random stream) or against real Redis (Node's own
 * `require` and the ioredis clients given).
 *
 * An adapter is a {@link LockFactory} made with {@link libraryLock}: it receives a
 * {@link LibraryEnvironment}, loads the library with `env.require`, constructs it with
 * `env.clients`, and maps its API onto {@link LockAlgorithm}. docs/libraries.md shows a whole
 * adapter for another ioredis-based library in a few dozen lines.
 */
import { createRequire, isBuiltin } from 'node:module';
import { isAbsolute, join } from 'node:path';
import type { Clock, Lease, LockAlgorithm, LockContext, LockFactory } from '../locks/interface.ts';
import { createRealm, describeThrown, type Realm } from '../realm/realm.ts';
import { isSimRedis } from '../realm/redis.ts';
import { AddressMap } from '../clients/addresses.ts';
import { provideClients } from '../clients/provide.ts';
import type { SimRedis } from '../redis/client.ts';
import { librarySearchPath, locateLibrary, versionOf } from './resolve.ts';

/**
 * Where an adapter runs its library. `auto`: a realm when the nodes are simulated, the host
 * otherwise. `host` against simulated nodes is refused: the library would read the real clock
 * and set real timers inside a simulated world, and its verdict would be silently false.
 */
export type LibraryMode = 'auto' | 'realm' | 'host';

/** The valid {@link LibraryMode}s. */
export const LIBRARY_MODES: readonly LibraryMode[] = ['auto', 'realm', 'host'];

/** Checks an adapter's `mode` option (a scenario file is plain JavaScript to its author: anything may come). */
export function checkLibraryMode(mode: unknown, name: string): LibraryMode {
  if (mode === undefined) return 'auto';
  if (typeof mode === 'string' && (LIBRARY_MODES as readonly string[]).includes(mode)) return mode as LibraryMode;
  throw new Error(`${name}: unknown mode ${JSON.stringify(mode)}: the valid modes are ${LIBRARY_MODES.map((m) => `'${m}'`).join(', ')}`);
}

/** What an adapter gets to build its lock with. */
export interface LibraryEnvironment {
  /** `realm` in simulation, `host` against real Redis. */
  readonly mode: 'realm' | 'host';
  /**
   * Loads a package (or a file of one) as the library sees it: from the user's project first,
   * then from locksim's folder (src/libraries/resolve.ts); a package found nowhere is an error
   * that names it and the `npm install` to run.
   */
  require<T = unknown>(specifier: string): T;
  /** One ioredis-compatible client per node, in the context's order, for the library. */
  readonly clients: readonly unknown[];
  /**
   * One node-redis-shaped client per node (the `redis` package v4 and later,
   * src/clients/node-redis.ts), for a library built on node-redis: each on a connection of its
   * own with the node client's options, already open (no `connect()`). Made on first use.
   * Against real Redis: real node-redis clients (the `redis` package) to the same addresses.
   */
  readonly nodeRedisClients: readonly unknown[];
  /** The process's clock (for the adapter's own bookkeeping, e.g. a lease's validity). */
  readonly clock: Clock;
  /** The realm, in simulation. */
  readonly realm: Realm | null;
  /**
   * A controller for a lease's abort signal. In a realm it is also aborted if the library
   * crashes the process (an uncaught exception), so the holder's section ends at the crash.
   * Hand it back with {@link LibraryEnvironment.forget} once the lease is released.
   */
  leaseController(): AbortController;
  forget(controller: AbortController): void;
}

/**
 * The installed version of a package (from its package.json), e.g. `4.2.0`, as the adapters
 * find it (src/libraries/resolve.ts); `not-installed` when no folder sees it (a lock's name
 * says so, and its first `require` fails with the install command).
 */
export function installedVersion(pkg: string, searched: readonly string[] = librarySearchPath()): string {
  return versionOf(pkg, searched) ?? 'not-installed';
}

/** The folder to resolve `specifier` from: the first of the search path that sees its package (a path or a builtin: the first). */
function resolveFrom(specifier: string, searched: readonly string[]): string {
  const bare = !(specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:') || isBuiltin(specifier));
  return bare ? locateLibrary(specifier, searched).from : (searched[0] as string);
}

/** Node's `require` from the folder of the search path that sees the specifier's package. */
function hostRequire<T>(specifier: string, searched: readonly string[]): T {
  return createRequire(join(resolveFrom(specifier, searched), '__locksim_library__.js'))(specifier) as T;
}

interface RealNodeRedis {
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * Against real Redis: a real node-redis client (the `redis` package, from the user's project or
 * locksim's) per node, to the same address as the ioredis client the runner made, with its
 * command timeout, connecting now (node-redis queues commands until it is ready).
 */
function realNodeRedisClients(nodes: readonly unknown[], searched: readonly string[]): readonly unknown[] {
  const { createClient } = hostRequire<{ createClient(options: object): RealNodeRedis }>('redis', searched);
  return nodes.map((node) => {
    const options = (node as { options?: { host?: string; port?: number; commandTimeout?: number } }).options ?? {};
    const client = createClient({ socket: { host: options.host, port: options.port }, ...(options.commandTimeout === undefined ? {} : { commandOptions: { timeout: options.commandTimeout } }) });
    client.on('error', () => {}); // a lost connection is the library's to see (its commands reject), not a crash
    void client.connect().catch(() => {});
    return client;
  });
}

/** Builds the environment for one lock instance (one simulated process incarnation, or one real client). */
export function libraryEnvironment(context: LockContext, name: string, mode: LibraryMode = 'auto', searched: readonly string[] = librarySearchPath()): LibraryEnvironment {
  const simulated = context.nodes.length > 0 && context.nodes.every(isSimRedis);
  mode = checkLibraryMode(mode, name);
  if (mode === 'host' && context.nodes.some(isSimRedis)) {
    throw new Error(
      `${name}: mode 'host' runs the library on the host's real clock and timers, but its nodes are simulated: the run would judge a library that never saw simulated time. Use mode 'auto' (or 'realm') in simulation; 'host' is for real Redis`,
    );
  }
  const useRealm = mode === 'realm' || (mode === 'auto' && simulated);
  const live = new Set<AbortController>();
  let hostNodeRedis: readonly unknown[] | null = null;
  if (!useRealm) {
    return {
      mode: 'host',
      require: <T>(specifier: string) => hostRequire<T>(specifier, searched),
      clients: context.nodes,
      get nodeRedisClients(): readonly unknown[] {
        hostNodeRedis ??= realNodeRedisClients(context.nodes, searched);
        return hostNodeRedis;
      },
      clock: context.clock,
      realm: null,
      leaseController: () => new AbortController(),
      forget: () => {},
    };
  }
  const realm = createRealm({ clock: context.clock, random: context.random, name });
  // A library that makes its own clients (require('ioredis'), require('redis')) reaches the same nodes.
  const sims: SimRedis[] = [];
  for (const node of context.nodes as readonly unknown[]) if (isSimRedis(node)) sims.push(node);
  if (sims.length > 0) {
    // The runner's connection options (its command timeout, its onSend) for those clients too.
    const defaults = { ...sims[0]!.options, errorClass: undefined, db: undefined, address: undefined, lazyConnect: undefined };
    provideClients(realm, sims[0]!.context, AddressMap.forNodes(sims.map((s) => s.node)), { defaults });
  }
  let nodeRedisClients: readonly unknown[] | null = null;
  realm.onFailure((failure) => {
    for (const controller of [...live]) controller.abort(new Error(`the process crashed: ${failure.message}`));
    live.clear();
  });
  return {
    mode: 'realm',
    require: <T>(specifier: string) => realm.require<T>(specifier, resolveFrom(specifier, searched)),
    clients: context.nodes.map((node) => realm.redis(node)),
    get nodeRedisClients(): readonly unknown[] {
      if (nodeRedisClients === null) {
        const { fromConnection } = realm.require<{ fromConnection(connection: SimRedis): unknown }>('redis');
        nodeRedisClients = sims.map((sim) => fromConnection(sim.duplicate({ errorClass: realm.intrinsics.Error })));
      }
      return nodeRedisClients;
    },
    clock: context.clock,
    realm,
    leaseController: () => {
      const controller = new AbortController();
      live.add(controller);
      return controller;
    },
    forget: (controller) => void live.delete(controller),
  };
}

/** Options every adapter takes. */
export interface AdapterOptions {
  /** Where to run the library (default `auto`). */
  readonly mode?: LibraryMode;
}

/**
 * Makes a {@link LockFactory} from an adapter: `build` runs once per lock instance (per
 * simulated process incarnation), with a fresh environment.
 */
export function libraryLock(name: string, build: (env: LibraryEnvironment) => LockAlgorithm, options: AdapterOptions = {}): LockFactory {
  // A bad mode is an error where the lock is made (the scenario file), not in every client.
  const mode = checkLibraryMode(options.mode, name);
  // Where the library is looked for is fixed here, where the lock is made (the scenario file).
  const searched = librarySearchPath();
  return (context) => build(libraryEnvironment(context, name, mode, searched));
}

/** The `name` of anything thrown (works across realms, where `instanceof` does not). */
export function thrownName(error: unknown): string {
  return error !== null && typeof error === 'object' && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : '';
}

/**
 * A host `Error` telling what a library threw (a realm's errors are not `instanceof Error`
 * outside it): `LostLockError: Lost mutex for key …`, with the original as `cause`.
 */
export function hostError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(describeThrown(error), { cause: error });
}

/** Short `key=value` list of the options a variant changed, for lock names. */
export function optionText(options: object): string {
  const parts = Object.entries(options)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? '' : `(${parts.join(',')})`;
}

/** The library's own lock object behind each lease an adapter hands out (one map per adapter instance). */
export class LeaseHandles<T> {
  private readonly handles = new WeakMap<Lease, T>();

  constructor(private readonly adapter: string) {}

  /** Remembers `handle` for `lease`; returns the lease. */
  set(lease: Lease, handle: T): Lease {
    this.handles.set(lease, handle);
    return lease;
  }

  /** The handle of a lease this adapter made; throws for any other lease. */
  of(lease: Lease): T {
    const handle = this.handles.get(lease);
    if (handle === undefined) throw new Error(`${this.adapter}: not a lease of this lock`);
    return handle;
  }

  delete(lease: Lease): void {
    this.handles.delete(lease);
  }
}
