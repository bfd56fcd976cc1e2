/**
 * The changes the playground's world and lock controls make to a state's setup: the TTL, the
 * network delay, the number of nodes, each node's clock drift, the run's length and seed, the
 * lock's algorithm and options, fencing. Each returns a new state; none runs anything.
 */
import type { NodeSpec } from '../scenario/types.ts';
import type { DelayModel } from '../sim/network.ts';
import type { LeaseOptions } from '../locks/lease.ts';
import { normalizeLock, type Algorithm, type AlgorithmOptions, type LockSpec } from './lock-spec.ts';
import type { PlayState } from './state.ts';

function withSetup(state: PlayState, change: Partial<PlayState['setup']>): PlayState {
  return { ...state, setup: { ...state.setup, ...change } };
}

export function withTtl(state: PlayState, ttlMs: number): PlayState {
  return withSetup(state, { workload: { ...state.setup.workload, ttlMs } });
}

/** The default one-way delay of every link: a fixed delay, or undefined for locksim's default. */
export function withDelay(state: PlayState, delay: DelayModel | undefined): PlayState {
  const { delay: _old, ...rest } = state.setup;
  return { ...state, setup: delay === undefined ? rest : { ...rest, delay } };
}

export function withDuration(state: PlayState, durationMs: number): PlayState {
  return withSetup(state, { durationMs });
}

export function withSeed(state: PlayState, seed: number): PlayState {
  return { ...state, seed };
}

/**
 * `count` nodes redis-1 … redis-N, keeping what the existing ones declared (persistence,
 * drift). A lock given named nodes keeps those that still exist.
 */
export function withNodeCount(state: PlayState, count: number): PlayState {
  const nodes: NodeSpec[] = Array.from({ length: count }, (_, i) => state.setup.nodes.find((n) => n.name === `redis-${i + 1}`) ?? { name: `redis-${i + 1}` });
  const names = new Set(nodes.map((n) => n.name));
  const kept = state.setup.lockNodes?.filter((n) => names.has(n));
  const { lockNodes: _old, ...rest } = state.setup;
  return { ...state, setup: { ...rest, nodes, ...(kept === undefined || kept.length === 0 ? {} : { lockNodes: kept }) } };
}

/** A node's clock drift, ppm (20 000 = 2 % fast). */
export function withNodeDrift(state: PlayState, node: string, driftPpm: number): PlayState {
  const nodes = state.setup.nodes.map((n) => {
    if (n.name !== node) return n;
    const { driftPpm: _old, ...rest } = n;
    return driftPpm === 0 ? rest : { ...rest, driftPpm };
  });
  return withSetup(state, { nodes });
}

function withLock(state: PlayState, lock: LockSpec): PlayState {
  return withSetup(state, { lock: normalizeLock(lock) });
}

/**
 * Redlock over every primary, or a single instance on the first node the lock had (options
 * the new algorithm does not take are dropped).
 */
export function withAlgorithm(state: PlayState, algorithm: Algorithm): PlayState {
  const next = withLock(state, { ...state.setup.lock, algorithm });
  const { lockNodes, ...rest } = next.setup;
  if (algorithm === 'redlock') return { ...next, setup: rest };
  if (lockNodes !== undefined) return next;
  const primaries = state.setup.nodes.filter((n) => n.replicaOf === undefined).map((n) => n.name);
  const first = primaries[0];
  return primaries.length <= 1 || first === undefined ? next : { ...next, setup: { ...rest, lockNodes: [first] } };
}

/** One option of the algorithm (undefined: its default). */
export function withLockOption<K extends keyof AlgorithmOptions>(state: PlayState, key: K, value: AlgorithmOptions[K] | undefined): PlayState {
  return withLock(state, { ...state.setup.lock, options: { ...state.setup.lock.options, [key]: value } });
}

/** Fencing tokens on (the lock wrapped in `fencing`, the resource checking tokens) or off. */
export function withFencing(state: PlayState, on: boolean): PlayState {
  const { fencing: _old, ...lock } = state.setup.lock;
  const next = withLock(state, on ? { ...lock, fencing: _old ?? {} } : lock);
  return withSetup(next, { resource: on ? 'fenced' : 'unguarded' });
}

/** Background renewal on (the lock wrapped in `lease`, renewing every third of the TTL) or off. */
export function withLease(state: PlayState, on: boolean): PlayState {
  const { lease: old, ...lock } = state.setup.lock;
  return withLock(state, on ? { ...lock, lease: old ?? {} } : lock);
}

/** One option of the lease wrapper (undefined: its default). */
export function withLeaseOption<K extends keyof LeaseOptions>(state: PlayState, key: K, value: LeaseOptions[K] | undefined): PlayState {
  const lease = state.setup.lock.lease;
  if (lease === undefined) return state;
  return withLock(state, { ...state.setup.lock, lease: { ...lease, [key]: value } });
}
