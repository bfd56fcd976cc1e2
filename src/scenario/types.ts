import type { Fault } from '../faults/fault.ts';
import type { FaultGenerator } from '../faults/arbitrary.ts';
import type { LockFactory } from '../locks/interface.ts';
import type { Persistence } from '../redis/node.ts';
import type { SimRedisOptions } from '../redis/client.ts';
import type { DelayModel } from '../sim/network.ts';
import type { ServiceName } from '../services/registry.ts';
import type { PostgresSettings } from '../services/postgres/settings.ts';
import type { SqlServerSettings } from '../services/sqlserver/settings.ts';
import type { BlobNodeSettings } from '../services/blob/settings.ts';
import type { BlobVariantOptions } from '../services/blob/variant-options.ts';
import { RESOURCE_PROCESS, type ResourceMode } from '../workload/resource.ts';
import type { ModelWorld } from '../faults/model.ts';
import type { Mechanism } from '../check/mechanism.ts';
import type { WorkloadOptions } from '../workload/client.ts';

/**
 * What a run concluded: `unsafe` (a safety property broke), `stuck` (liveness failed), `safe`,
 * or `invalid` (no verdict: a client died of an error, or nothing happened that the checkers
 * could judge; see src/check/evidence.ts).
 */
export type { Verdict, Property } from '../check/judge.ts';
import type { Verdict, Property } from '../check/judge.ts';
export const VERDICTS: readonly Verdict[] = ['safe', 'unsafe', 'stuck', 'invalid'];

/** The verdicts a variant may expect: a run without evidence is never what a scenario expects. */
export const EXPECTABLE_VERDICTS: readonly Verdict[] = ['safe', 'unsafe', 'stuck'];

/** The properties a run can be checked for. */
export const PROPERTIES: readonly Property[] = ['mutex', 'lost-updates', 'fencing', 'liveness'];

export interface NodeSpec {
  readonly name: string;
  /** The service the node runs (src/services/registry.ts): `redis` (the default), `postgres` or `blob`. */
  readonly service?: ServiceName;
  /** What a Redis node keeps across a crash (Redis only). */
  readonly persistence?: Persistence;
  readonly driftPpm?: number;
  readonly wallOffsetMs?: number;
  /** An asynchronous replica of this (earlier listed) node; clients reach it only after a failover (Redis only). */
  readonly replicaOf?: string;
  /** The server's settings (PostgreSQL only): TCP keepalive, session timeouts (src/services/postgres/settings.ts). */
  readonly postgres?: PostgresSettings;
  /** The server's keep-alive (SQL Server only: src/services/sqlserver/settings.ts). */
  readonly sqlserver?: SqlServerSettings;
  /** What the Blob service is (blob only): Azure's or Azurite's answers, and what a crash keeps (src/services/blob/settings.ts). */
  readonly blob?: BlobNodeSettings;
}

export interface ClientSpec {
  readonly name: string;
  readonly driftPpm?: number;
  readonly wallOffsetMs?: number;
  /** When this client starts, ms of true time (default: drawn from the workload's `startMs`). */
  readonly startMs?: number;
}

/** The simulated world of a scenario. */
export interface WorldSpec {
  /** The service nodes: a count of Redis nodes (`redis-1` … `redis-N`, persistence none) or each node spelled out (its `service` says what it runs). */
  readonly nodes: number | readonly NodeSpec[];
  /** Clients: a count (`client-1` … `client-N`) or each one spelled out. */
  readonly clients: number | readonly ClientSpec[];
  /** Default one-way network delay of every link. */
  readonly delay?: DelayModel;
  /** How long the run lasts, in ms of true time. */
  readonly durationMs: number;
}

/** One algorithm (with its options) and resource guard to run the scenario with, and what it should conclude. */
export interface Variant {
  /** A short name, e.g. `redlock`, `redlock+fencing`. */
  readonly name: string;
  readonly lock: LockFactory;
  /** The nodes this lock talks to (default: every primary node, in order). */
  readonly nodes?: readonly string[];
  readonly resource?: ResourceMode;
  readonly expected: Verdict;
  /** What to check (default: by resource: unguarded → mutex, lost-updates, liveness; fenced → fencing, lost-updates, liveness; cas → lost-updates, liveness). */
  readonly properties?: readonly Property[];
  /** Changes to the scenario's workload for this variant. */
  readonly workload?: Partial<WorkloadOptions>;
  /** Changes to the world for this variant (the safeguard is the world: `aof-always`, say). */
  readonly world?: Partial<WorldSpec>;
  /** A fault schedule for this variant instead of the scenario's (a delayed restart, say). */
  readonly faults?: readonly Fault[];
  /**
   * The clients' ioredis `commandTimeout`, ms (default: none, like ioredis): a command with no
   * reply within it rejects with `Command timed out`. Shorthand for `redisOptions.commandTimeout`
   * (it wins over it when both are set).
   */
  readonly commandTimeoutMs?: number;
  /**
   * ioredis options for the clients' Redis connections, with ioredis's names and defaults:
   * `commandTimeout` (none), `maxRetriesPerRequest` (20), `retryStrategy`
   * (`Math.min(times * 50, 2000)` ms), `enableOfflineQueue` (true),
   * `autoResendUnfulfilledCommands` (true), `connectTimeout` (10 000 ms). With the defaults a
   * command to a crashed node rejects with `MaxRetriesPerRequestError` ~10.5 s after the
   * crash, or goes through if the node is back by then; one on a silently partitioned link
   * waits for the heal (TCP retransmits it) or ~15 min. See {@link SimRedisOptions}.
   */
  readonly redisOptions?: Pick<SimRedisOptions, 'commandTimeout' | 'maxRetriesPerRequest' | 'retryStrategy' | 'enableOfflineQueue' | 'autoResendUnfulfilledCommands' | 'connectTimeout'>;
  /**
   * Options of the Blob clients (blob nodes only): the SDK's `retryOptions`, and `resource`, the
   * blob that holds the protected counter and the guards its writes carry (the lease, the ETag);
   * see src/services/blob/resource.ts. Without `resource` the counter is the resource process's.
   */
  readonly blobOptions?: BlobVariantOptions;
  /**
   * For an unsafe or stuck variant: the mechanisms its verdict must show (`mutex`, `lost-update`,
   * `token-reused`, `holder-refused`, …; src/check/mechanism.ts). The catalog test checks each is
   * among the run's violations at every seed it runs, so the verdict is the scenario's own.
   */
  readonly breaks?: readonly Mechanism[];
  /** One sentence on why this variant concludes what it does. */
  readonly note?: string;
}

/**
 * A named scenario: the world, the workload, the hand-written fault schedule (times in ms of
 * true time), the variants with their expected verdicts, and an explanation in plain words.
 */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly explanation: string;
  readonly world: WorldSpec;
  readonly workload: WorkloadOptions;
  readonly faults: readonly Fault[];
  readonly variants: readonly Variant[];
  /** What random fault schedules `explore` draws for this world (default: every fault kind that fits). */
  readonly explore?: FaultGenerator;
  /** Liveness: after the last fault heals, some waiting client must acquire within this many ms (default 3 × TTL + 2 s). */
  readonly livenessBoundMs?: number;
  /** Tags for the catalog: `pause`, `clock`, `crash`, `network`, `control`, … */
  readonly tags?: readonly string[];
}

/** The world and faults a variant runs with (the scenario's, with the variant's changes). */
export function variantWorld(scenario: Scenario, variant: Variant): WorldSpec {
  return variant.world === undefined ? scenario.world : { ...scenario.world, ...variant.world };
}

export function variantFaults(scenario: Scenario, variant: Variant): readonly Fault[] {
  return variant.faults ?? scenario.faults;
}

/** Expands a world spec's counts into named nodes and clients. */
export function nodeSpecs(world: WorldSpec): readonly NodeSpec[] {
  return typeof world.nodes === 'number' ? Array.from({ length: world.nodes }, (_, i) => ({ name: `redis-${i + 1}` })) : world.nodes;
}

export function clientSpecs(world: WorldSpec): readonly ClientSpec[] {
  return typeof world.clients === 'number' ? Array.from({ length: world.clients }, (_, i) => ({ name: `client-${i + 1}` })) : world.clients;
}

export function defaultProperties(resource: ResourceMode): readonly Property[] {
  switch (resource) {
    case 'unguarded':
      return ['mutex', 'lost-updates', 'liveness'];
    case 'fenced':
      return ['fencing', 'lost-updates', 'liveness'];
    case 'cas':
      return ['lost-updates', 'liveness'];
  }
}

/**
 * What a node's crash keeps of its locks, in the model's terms: a Redis node's persistence; a blob
 * node that is durable (Azure's, or Azurite saving on shutdown) keeps every lease, as AOF always
 * keeps every key, and one that saves on a tick or keeps nothing loses them; a database keeps
 * none (its sessions end, and their locks with them).
 */
export function crashKeeps(n: NodeSpec): Persistence {
  if (n.service === 'postgres' || n.service === 'sqlserver') return 'none';
  if (n.service === 'blob') return (n.blob?.persistence ?? 'durable') === 'durable' ? 'aof-always' : 'none';
  return n.persistence ?? 'none';
}

/** What the lock's model needs to know of a world to say which faults lie outside it (src/faults/model.ts). */
export function modelWorld(world: WorldSpec, resourceMode: ResourceMode, ttlMs: number): ModelWorld {
  return {
    clients: clientSpecs(world).map((c) => c.name),
    // A database's crash ends its sessions, and with them their locks: that is the lock's own
    // rule (a session lock lives as long as its session), not keys lost before they expired.
    persistence: new Map(nodeSpecs(world).filter((n) => n.service !== 'postgres' && n.service !== 'sqlserver').map((n) => [n.name, crashKeeps(n)])),
    resource: RESOURCE_PROCESS,
    resourceMode,
    ttlMs,
  };
}
