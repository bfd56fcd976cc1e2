/**
 * The shape of a service: what a lock locks with (Redis, a PostgreSQL database, a blob store).
 * A service is one folder that brings its pure engine, the node that hosts the engine in the
 * simulated world, the client lock code talks to it with (shaped like the npm client users
 * already use), how node faults act on it, and its real-mode process. The plan, the runner and
 * the recording speak of service nodes through this file; only the service's own folder knows
 * what a node of it is. The kernel (src/sim/) and the checkers (src/check/) know no service.
 * The real-mode part of each service (its server process, node handle, refusals and real
 * clients) is src/real/service.ts's, one file per service in src/real/services/: real/ sits above
 * services/ in the room map, and the part uses real mode's processes, clock shim and Toxiproxy.
 *
 * Redis is the first service (src/services/redis.ts adapts src/redis/), PostgreSQL the second
 * (src/services/postgres/). The registry (src/services/registry.ts) names them.
 */
import type { KeySample } from '../check/keys.ts';
import type { KeyCommandSample } from '../check/key-commands.ts';
import type { LockWord, ResourceWrite } from '../check/history.ts';
import type { LockContext } from '../locks/interface.ts';
import type { ProcessContext } from '../sim/process.ts';
import type { World } from '../sim/world.ts';
import type { NodeSpec, Variant } from '../scenario/types.ts';
import type { ResourceLink } from '../workload/client.ts';

/** What a node tells the run's recording about the lock's key, as it happens. */
export interface NodeObserver {
  /** The key took a value, lost it, or its expiry moved (see {@link KeySample}). */
  keySample(node: string, sample: KeySample): void;
  /** A request that may have touched the key, right after the sample it caused (if any). */
  keyCommand(node: string, command: KeyCommandSample): void;
  /** A write to the protected resource where the node keeps it (a counter in a blob), applied or refused now: what the resource process reports otherwise. */
  write?(write: ResourceWrite): void;
}

/** A simulated node of a service, as the runner and the recording see it. */
export interface SimServiceNode {
  readonly name: string;
  /** The service it runs (the registry's name). */
  readonly service: string;
  /** Requests it served so far (a run's evidence counts them: a lock that never reached its service proves nothing). */
  commands(): number;
  /**
   * Reports the life of the lock on `resource` to `observer` from now on, when the service can
   * tell it (Redis: the key's value and expiry). A service that cannot says nothing.
   */
  watch(resource: string, observer: NodeObserver): void;
  /** How the nemesis's node faults (crash, drift, jump, failover) act on this node, and the words for what they did. */
  readonly faults: NodeFaultEffects;
}

/** A change of a node's clock by a fault. */
export type ClockChange = { readonly kind: 'drift'; readonly ppm: number } | { readonly kind: 'jump'; readonly deltaMs: number };

/**
 * What a node does when a node fault hits it, beyond what the kernel does to every process (it
 * stops, restarts, its clock changes), and how the fault's record words the effect. Each hook
 * is called as the fault happens and returns what to do at the moments that follow; `effect`
 * is asked once the fault's effect has ended (null: it did nothing, and the record says so).
 */
export interface NodeFaultEffects {
  /** The node is about to die (`machine`: a power loss). `dying` runs before the kernel kills it. */
  crash(machine: boolean): { readonly dying: () => void; readonly effect: () => string };
  /** Its clock is about to change; `changed` runs once it has (and again when a drift ends). */
  clock(change: ClockChange): { readonly changed: () => void; readonly effect: () => string | null };
  /** Failover to this node (a replica); absent for a service without replicas. */
  failover?(): { readonly primary: string | undefined; readonly wasReplica: boolean; readonly promote: () => void };
}

/** What a service's clients in one client process are given. */
export interface ClientSetup {
  /** The client process (a new context at each restart). */
  readonly ctx: ProcessContext;
  /** The variant being run (its service options: ioredis options, say). */
  readonly variant: Variant;
  /** Where a node is now: its name, or the node a failover points its clients at. */
  readonly resolve: (node: string) => string;
  /** To call for every request sent: the runner tells a waiting client from a hung one by it. */
  readonly onSend: () => void;
}

/** One client process's connections to the lock nodes of one service. */
export interface ServiceClients {
  /** Their part of the lock's context (Redis: `nodes`; a database: `databases`; a service's own field of LockContext). */
  readonly context: Partial<Omit<LockContext, 'clock' | 'random'>>;
  /** Why a request of this process still waits, in words (for a stuck client's report), or null. */
  waitReason(): string | null;
  /**
   * How this process reads and writes the protected resource when the service keeps it (a blob
   * variant's `blobOptions.resource`): the workload's link instead of the resource process's.
   */
  readonly resource?: ResourceLink;
}

/** A service, as the simulated runner plugs it in. */
export interface SimService {
  /** The registry's name, e.g. `redis`. */
  readonly name: string;
  /** For people: `Redis`, `PostgreSQL`. */
  readonly title: string;
  /** What its nodes' request count counts, for a run's evidence line: `Redis commands`, `PostgreSQL queries`. */
  readonly requestsAre: string;
  /** What its lock is, for the reports: a Redis `key`, a database's session `lock`, a blob's `lease`. */
  readonly lockIs: LockWord;
  /**
   * Adds a node to the world as a process (registered as a factory, so a restart brings it back
   * with what its persistence kept). `added` holds the nodes added before it (a replica finds
   * its primary there).
   */
  addNode(world: World, spec: NodeSpec, added: ReadonlyMap<string, SimServiceNode>): SimServiceNode;
  /** The clients of one client process for `nodes` (lock nodes of this service, in the plan's order). */
  clients(setup: ClientSetup, nodes: readonly string[]): ServiceClients;
  /** Problems with a node spec's service-specific fields, each naming the field and the fix. */
  validateNode(spec: NodeSpec, where: string): string[];
}
