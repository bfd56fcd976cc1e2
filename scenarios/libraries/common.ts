/**
 * What the library scenarios share: the world (five nodes, two clients, 1–5 ms links), the
 * workload for locks that do not renew and for locks that renew themselves, and the command
 * timeout every library client gets.
 */
import type { WorkloadOptions } from '../../src/workload/client.ts';
import type { WorldSpec } from '../../src/scenario/types.ts';

/** The lease every library is asked for. */
export const TTL_MS = 5_000;

/**
 * Every library client has an ioredis `commandTimeout` of 1 s, as production configurations of
 * these libraries usually set. Without one, a command on a silently partitioned connection waits
 * as it does under ioredis's defaults (TCP resends until the partition heals, or gives up after
 * about 15 minutes), and a command to a crashed node rejects only after ioredis's reconnect
 * budget (maxRetriesPerRequest 20, about 10 s): the libraries' findings would be about those
 * waits rather than about the libraries.
 */
export const COMMAND_TIMEOUT_MS = 1_000;

/** Five nodes (variants pick how many they use), two clients, links of 1-5 ms. */
export const world: WorldSpec = {
  nodes: 5,
  clients: [
    { name: 'client-1', startMs: 0 },
    { name: 'client-2', startMs: 1_000 },
  ],
  delay: { kind: 'uniform', minMs: 1, maxMs: 5 },
  durationMs: 42_000,
};

/** The same with every link at exactly 5 ms: a slow node's extra delay is then exact. */
export const fixedDelayWorld: WorldSpec = { ...world, delay: { kind: 'fixed', ms: 5 } };

/**
 * Every link at exactly 100 ms, so that "client-1's lock script is in flight" is a wide, exact
 * window: its first EVALSHA leaves at 0 ms and is answered NOSCRIPT at 200 ms; the EVAL it then
 * sends reaches the nodes at 300 ms and their replies are back at 400 ms. Wide enough that in
 * real mode, on a loaded machine (where a process can wait tens of milliseconds for a core), the
 * SIGSTOP lands after the EVALs have left and before any reply is back.
 */
export const pauseInFlightWorld: WorldSpec = { ...world, delay: { kind: 'fixed', ms: 100 } };

/** In {@link pauseInFlightWorld}: when client-1's lock script has reached the nodes and every "yes" is on its way back. */
export const REPLIES_IN_FLIGHT_AT_MS = 310;

/**
 * How long client-1 is paused with its replies in flight: past the 5 s keys. Its clients have no
 * command timeout (ioredis's default): a timeout shorter than the pause would expire during it,
 * and a Node process resumed after a pause fires its expired timers before it reads the replies
 * that arrived meanwhile, so the late "yes" would count as a timeout.
 */
export const IN_FLIGHT_PAUSE_MS = 8_000;

/**
 * Sections inside the TTL (20-50 % of it): for locks that do not renew. Long enough that a
 * fault drawn at a random time often finds a client in its section.
 */
export const shortWork: WorkloadOptions = {
  resource: 'lock:counter',
  ttlMs: TTL_MS,
  workMs: { min: 1_000, max: 2_500 },
  thinkMs: { min: 50, max: 150 },
};

/** Sections longer than the TTL: only a lock that renews itself keeps them safe. */
export const longWork: Partial<WorkloadOptions> = { workMs: { min: 5_000, max: 8_000 } };

/** After the last fault heals, some waiting client must acquire within this bound. */
export const LIVENESS_BOUND_MS = 10_000;

export const nodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `redis-${i + 1}`);
