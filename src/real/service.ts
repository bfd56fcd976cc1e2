/**
 * The real-mode part of a service plug-in (src/services/service.ts is the simulated part): how a
 * node of the service runs as a real server process, what real mode refuses to do to it, and what
 * a client process builds for the lock's context. The runner, the servers and the client process
 * sequence these parts without naming a service; each service's part is its own file in
 * src/real/services/ (beside real mode's processes, which the room map puts above services/).
 *
 * A service without a real mode is a {@link RealModeRefused}: its `refused` sentence is what a
 * user is told when a variant uses one of its nodes.
 */
import type { Fault } from '../faults/fault.ts';
import type { RealNode, RealServerProcess } from '../faults/real-context.ts';
import type { LockContext } from '../locks/interface.ts';
import type { NodeSpec, Variant } from '../scenario/types.ts';
import type { ResourceLink } from '../workload/client.ts';
import type { RealClock } from './clock.ts';
import type { ClientWrite, NodeEndpoint } from './protocol.ts';

/** A server process real mode started for a node: the fault context's process, plus where it listens and how it goes away. */
export interface RealServiceProcess extends RealServerProcess {
  readonly host: '127.0.0.1';
  /** Where it listens (kept across restarts: its Toxiproxy links point there). */
  readonly port: number;
  /** Kills it and removes its folder; idempotent. */
  dispose(): Promise<void>;
}

/** One node of a real run, as the nemesis and the runner see it. */
export interface RealServiceNode extends RealNode {
  readonly service: string;
  /** Its server, when real mode started it (undefined for a node somebody else runs). */
  readonly process: RealServiceProcess | undefined;
  /** Where Toxiproxy reaches it (`127.0.0.1:port`). */
  readonly upstream: string;
  /** Makes a replica follow its primary through the link on `port`; absent for a service without replicas. */
  follow?(port: number): Promise<void>;
  /**
   * Waits for the moment the run should begin at, for a node whose behaviour has a phase the
   * simulation starts at 0 (Azurite's 5 s autosave); absent: any moment will do.
   */
  alignRunStart?(): Promise<void>;
  /** Closes what the handle opened (admin connections); the process is disposed separately. */
  close(): void;
}

/** Which of a variant's nodes and faults a service is asked about. */
export interface RealProblemScope {
  /** Every node of the world that runs this service. */
  readonly nodes: readonly NodeSpec[];
  /** Those the variant's lock uses. */
  readonly lockNodes: readonly NodeSpec[];
  /** Every node of the world (a replica's primary may run another service). */
  readonly world: readonly NodeSpec[];
  readonly clients: readonly string[];
  readonly faults: readonly Fault[];
}

/** What one client process's connections to the nodes of one service are built from. */
export interface RealClientSetup {
  readonly client: string;
  readonly variant: Variant;
  /** The client's clock (a blob client's retry policy would wait on it in simulation; the real SDK waits on the machine's). */
  readonly clock: RealClock;
  /** ioredis `commandTimeout`, ms. */
  readonly commandTimeoutMs: number | undefined;
  /** To call for every request sent: the run's evidence counts requests to the services. */
  readonly countRequest: () => void;
  /** A write to a resource the service keeps, as its answer came (the runner orders them and works out each one's value before). */
  readonly recordWrite: (write: ClientWrite) => void;
  /** A line for LOCKSIM_REAL_DEBUG=1 (connection events), with the time. */
  readonly debug: ((line: string) => void) | undefined;
}

/** One client process's connections to the nodes of one service. */
export interface RealServiceClients {
  /** Their part of the lock's context (`nodes`, `databases`, `containers`). */
  readonly context: Partial<Omit<LockContext, 'clock' | 'random'>>;
  /** How the workload reads and writes the protected resource when the service keeps it (a blob variant's `blobOptions.resource`). */
  readonly resource?: ResourceLink;
}

/** A service real mode can run. */
export interface RealServiceParts {
  /** The registry's name (src/services/registry.ts). */
  readonly name: string;
  /** For people: `Redis`, `PostgreSQL`. */
  readonly title: string;
  readonly refused: null;
  /** The server, in a progress line: `redis-server (clock shim)`. */
  readonly serverWords: string;
  /** Fails with an error that says how to install what the service's nodes need (binaries, npm packages). */
  checkTools(): Promise<void>;
  /** What real mode cannot do with the service's nodes under the faults, each naming the fault and why. */
  problems(scope: RealProblemScope): string[];
  /** Starts a node's server on a free 127.0.0.1 port (its persistence and its clock as the spec says, where it can). */
  startNode(spec: NodeSpec): Promise<RealServiceNode>;
  /** In a client process: the service's clients for `endpoints` (the variant's nodes of this service, in order), each through its Toxiproxy link. */
  clients(setup: RealClientSetup, endpoints: readonly NodeEndpoint[]): Promise<RealServiceClients>;
}

/** A service real mode does not run. */
export interface RealModeRefused {
  readonly name: string;
  readonly title: string;
  /** Why, and what to do instead (a sentence). */
  readonly refused: string;
}

export type RealService = RealServiceParts | RealModeRefused;
