/**
 * The real-mode nemesis: applies a scenario's fault schedule (src/faults/fault.ts) to real
 * processes at the faults' true times, heals what heals on its own, and records for every fault
 * when it actually took effect and what it did. What each fault kind becomes:
 *
 * | fault | real action |
 * | --- | --- |
 * | partition / cut, mode `drop` | client ↔ node: a Toxiproxy `timeout` toxic with timeout 0 on the link's stream(s) — a black hole: bytes vanish, the client learns only through its own timeouts (as simulated `drop`); on heal the toxic is removed and Toxiproxy closes the link's connections, so clients reconnect. client ↔ resource: the runner's own message link drops messages. |
 * | partition / cut, mode `hold` | client ↔ node: a `latency` toxic of 24 h; removing it on heal delivers what it held, in order (Toxiproxy flushes a removed latency toxic). client ↔ resource: held and delivered on heal. |
 * | delay | client ↔ node: a `latency` toxic (fixed, or the uniform range's middle ± half as jitter) on the stream(s); it is removed `delay` ms after the fault ends, so what was sent during the fault arrives fully delayed and what follows waits behind it (in-order delivery, as simulated). client ↔ resource: exact per-message delays in the runner. |
 * | loss | client ↔ resource only (per message, seeded); a TCP stream to Redis cannot lose single messages: refused up front. |
 * | drift | node: the clock shim's rate (only the realtime clock Redis expires keys by); client: its `RealClock`'s rate, over IPC. |
 * | jump | node: the shim's wall clock steps; client: its `RealClock`'s wall clock steps, over IPC. |
 * | pause | client: SIGSTOP/SIGCONT of its process; node: SIGSTOP/SIGCONT of redis-server; resource: requests wait until resume. |
 * | crash | client: SIGKILL (a `crash` history event, as simulated), restarted as a new process after `restartAfterMs`; node: SIGKILL of redis-server, restarted on the same port and folder (its persistence decides what survives); resource: requests vanish, restart from 0. |
 * | heal | every toxic removed (Toxiproxy reset), resource links healed, paused processes resumed, crashed ones restarted, every clock rate back to 1. |
 * | failover | `REPLICAOF NO ONE` on the replica; every client link to its primary re-pointed at it (Toxiproxy restarts those proxies, so clients reconnect). Between a primary and its replica, network faults act on the replica's own proxy to its primary. |
 *
 * Links that carry no traffic in real mode (client ↔ client, nodes that do not replicate, node ↔ resource) are
 * left alone, and the fault's record says so.
 */
import { settleRecords, type PendingRecord } from '../faults/record.ts';
import type { FaultRecord } from '../check/history.ts';
import { describeFault, type Fault } from '../faults/fault.ts';
import type { DelayModel, LinkMode } from '../sim/network.ts';
import type { Micros } from '../sim/time.ts';
import type { RedisProcess } from './redis-process.ts';
import type { MessageLink, MessageLinkStats, ResourceServer } from './resource-server.ts';
import { cutText, latencyText, type ToxiproxyClient } from './toxiproxy-client.ts';

/** One Redis node of the run. */
export interface RealNodeHandle {
  readonly name: string;
  /** The process, when real mode started it; undefined for an external node (no process faults). */
  readonly redis: RedisProcess | undefined;
  /** DBSIZE over a direct connection; null when the node does not answer. */
  keys(): Promise<number | null>;
}

export type RealClientState = 'starting' | 'running' | 'paused' | 'crashed';

/** One client of the run (a child process, replaced by a new one after a crash-restart). */
export interface RealClientHandle {
  readonly name: string;
  readonly state: RealClientState;
  /** The rate its clock runs at now. */
  readonly rate: number;
  /** SIGSTOP; false if it was not running. */
  pause(): boolean;
  /** SIGCONT; false if it was not paused. */
  resume(): boolean;
  /** Sends SIGKILL (the process stops at once); false if it was not alive. */
  crash(): boolean;
  /** Starts a new process for it; resolves once that process runs (ms it took), or null if the run ended first. */
  restart(): Promise<number | null>;
  setRate(rate: number): void;
  jump(deltaMs: number): void;
}

/** What the nemesis acts on. */
export interface RealWorld {
  /** True time now, µs. */
  now(): Micros;
  readonly nodes: ReadonlyMap<string, RealNodeHandle>;
  readonly clients: ReadonlyMap<string, RealClientHandle>;
  readonly resource: ResourceServer;
  /** The Toxiproxy proxy between `client` and `node`, if the client talks to that node. */
  linkOf(client: string, node: string): string | undefined;
  /** Cuts, delays and heals the proxies (the one Toxiproxy client). */
  readonly toxics: Pick<ToxiproxyClient, 'cut' | 'delay' | 'heal'>;
  /** Heals every proxy of the run (and puts the world's own delay back). */
  healAll(): Promise<void>;
  /** Records a client crash in the history. */
  onClientCrash(client: string): void;
  /** Promotes a replica and re-points its primary's client links at it; what it did, or null if `replica` is none. */
  failover(replica: string): Promise<string | null>;
}

/** Where one direction of one pair of processes goes in real mode. */
type Route =
  | { readonly kind: 'toxiproxy'; readonly key: string; readonly proxy: string; readonly stream: 'upstream' | 'downstream'; readonly client: string; readonly node: string }
  | { readonly kind: 'resource'; readonly key: string; readonly link: MessageLink }
  | { readonly kind: 'none'; readonly key: string; readonly from: string; readonly to: string };

/** When a fault was due and when it took effect. */
export interface FaultTiming {
  /** The schedule's time, ms. */
  readonly scheduledMs: number;
  /** True time it took effect, ms (0 for faults in place before the clients started). */
  readonly appliedMs: number;
  /** appliedMs - scheduledMs. */
  readonly lagMs: number;
  /** Applied before the clients started (a fault at 0 ms). */
  readonly beforeStart: boolean;
}

/** Problems that make a schedule impossible to apply for real; empty when it can be. */
export function unsupportedFaults(faults: readonly Fault[], isNode: (p: string) => boolean): string[] {
  const problems: string[] = [];
  faults.forEach((f, i) => {
    if (f.kind === 'crash' && f.machine === true && isNode(f.process)) {
      problems.push(`faults[${i}] (${describeFault(f)}): a machine crash (power loss) cannot be made on this machine: SIGKILL keeps what redis-server handed to the kernel; use a process crash (drop 'machine: true') or run this fault in simulation`);
    }
        if (f.kind === 'loss' && [...f.from, ...f.to].some(isNode)) {
      problems.push(`faults[${i}] (${describeFault(f)}): a TCP link to Redis cannot lose single messages (real mode supports loss only between clients and the resource)`);
    }
  });
  return problems;
}

function statsOf(links: readonly MessageLink[]): MessageLinkStats[] {
  return links.map((l) => ({ ...l.stats }));
}

function statsDelta(links: readonly MessageLink[], before: readonly MessageLinkStats[], field: keyof MessageLinkStats): number {
  return links.reduce((sum, l, i) => sum + l.stats[field] - (before[i] as MessageLinkStats)[field], 0);
}

export class RealNemesis {
  readonly records: FaultRecord[] = [];
  readonly timings: FaultTiming[] = [];
  /** True time the last fault's effect ended, µs. */
  lastHealAt: Micros | null = null;
  private readonly pending: PendingRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private beforeStart = true;
  private readonly deferred: Array<{ ms: number; action: () => Promise<void> }> = [];
  /** Errors of fault actions (a toxic that could not be added, say). */
  readonly errors: Array<{ at: Micros; fault: string; message: string }> = [];

  constructor(private readonly world: RealWorld) {}

  /** Applies the faults due at or before 0 ms, in order, before the clients start. */
  async applyInitial(faults: readonly Fault[]): Promise<void> {
    faults.forEach((f, i) => {
      if (f.at <= 0) this.enqueue(() => this.apply(f, i));
    });
    await this.chain;
  }

  /** Schedules the faults due after 0 ms at their true times (call it the instant the run starts). */
  schedule(faults: readonly Fault[]): void {
    this.beforeStart = false;
    for (const d of this.deferred.splice(0)) this.at(d.ms, d.action);
    faults.forEach((f, i) => {
      if (f.at > 0) this.at(f.at, () => this.apply(f, i));
    });
  }

  /** No more faults or heals; waits for the action under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.chain;
  }

  /** Fills in each record's `fired` and `effect`; call once the run is over. */
  finish(): FaultRecord[] {
    settleRecords(this.pending);
    return this.records;
  }

  /** Runs `action` at true time `ms` (through the queue, so actions never interleave). */
  private at(ms: number, action: () => Promise<void>): void {
    if (this.stopped) return;
    if (this.beforeStart) {
      // True time starts with the run: heals of the faults applied before it wait for it.
      this.deferred.push({ ms, action });
      return;
    }
    const arm = (): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        // Node's timers may fire a fraction of a millisecond early on the monotonic clock: never act early.
        if (ms - this.world.now() / 1000 > 0.05) arm();
        else this.enqueue(action);
      }, Math.max(0, ms - this.world.now() / 1000));
      this.timers.add(timer);
    };
    arm();
  }

  private enqueue(action: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await action();
      } catch (error) {
        this.errors.push({ at: this.world.now(), fault: 'fault action', message: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  private now(): Micros {
    return this.beforeStart ? 0 : Math.max(0, this.world.now());
  }

  /** Records a fault that has just taken effect. */
  private begin(fault: Fault, measure: () => string | null): FaultRecord {
    const at = this.now();
    const record: FaultRecord = { at, description: describeFault(fault), kind: fault.kind, fired: false, effect: '' };
    this.records.push(record);
    this.timings.push({ scheduledMs: fault.at, appliedMs: at / 1000, lagMs: at / 1000 - fault.at, beforeStart: this.beforeStart });
    this.pending.push({ record, measure });
    return record;
  }

  /** Heals at `fault.at + durationMs` of true time (if the fault has a duration). */
  private endAfter(fault: Fault, record: FaultRecord, durationMs: number | undefined, heal: () => Promise<void> | void): void {
    if (durationMs === undefined) return;
    this.at(fault.at + durationMs, async () => {
      await heal();
      record.endedAt = this.now();
      this.noteHeal();
    });
  }

  private noteHeal(): void {
    this.lastHealAt = this.now();
  }

  private isClient(p: string): boolean {
    return this.world.clients.has(p);
  }

  private isNode(p: string): boolean {
    return this.world.nodes.has(p);
  }

  private route(from: string, to: string): Route {
    const key = `${from}->${to}`;
    if (this.isClient(from) && this.isNode(to)) {
      const proxy = this.world.linkOf(from, to);
      if (proxy !== undefined) return { kind: 'toxiproxy', key, proxy, stream: 'upstream', client: from, node: to };
    }
    if (this.isNode(from) && this.isClient(to)) {
      const proxy = this.world.linkOf(to, from);
      if (proxy !== undefined) return { kind: 'toxiproxy', key, proxy, stream: 'downstream', client: to, node: from };
    }
    // Between a primary and its replica: the replica's proxy (it connects to its primary).
    if (this.isNode(from) && this.isNode(to)) {
      const toReplica = this.world.linkOf(to, from);
      if (toReplica !== undefined) return { kind: 'toxiproxy', key, proxy: toReplica, stream: 'downstream', client: to, node: from };
      const toPrimary = this.world.linkOf(from, to);
      if (toPrimary !== undefined) return { kind: 'toxiproxy', key, proxy: toPrimary, stream: 'upstream', client: from, node: to };
    }
    if (this.isClient(from) && to === 'resource') return { kind: 'resource', key, link: this.world.resource.link(from, 'in') };
    if (from === 'resource' && this.isClient(to)) return { kind: 'resource', key, link: this.world.resource.link(to, 'out') };
    return { kind: 'none', key, from, to };
  }

  private routes(from: readonly string[], to: readonly string[], bothWays: boolean): Route[] {
    const routes = new Map<string, Route>();
    for (const a of from) for (const b of to) {
      if (a === b) continue;
      const there = this.route(a, b);
      routes.set(there.key, there);
      if (bothWays) {
        const back = this.route(b, a);
        routes.set(back.key, back);
      }
    }
    return [...routes.values()];
  }

  private async apply(fault: Fault, index: number): Promise<void> {
    const world = this.world;
    switch (fault.kind) {
      case 'partition':
      case 'cut': {
        const mode: LinkMode = fault.mode ?? 'drop';
        const routes =
          fault.kind === 'cut'
            ? this.routes(fault.from, fault.to, false)
            : fault.groups.flatMap((g, i) => fault.groups.slice(i + 1).flatMap((h) => this.routes(g, h, true)));
        await this.network(fault, index, dedupe(routes), { mode });
        break;
      }
      case 'delay': {
        await this.network(fault, index, this.routes(fault.from, fault.to, false), { delay: fault.delay });
        break;
      }
      case 'loss': {
        await this.network(fault, index, this.routes(fault.from, fault.to, false), { loss: fault.probability });
        break;
      }
      case 'drift': {
        const rate = 1 + fault.ppm / 1_000_000;
        const node = world.nodes.get(fault.process);
        const client = world.clients.get(fault.process);
        const current = node?.redis?.clock !== undefined ? node.redis.clock.rate() : client?.rate;
        if (current !== undefined && !this.baseRates.has(fault.process)) this.baseRates.set(fault.process, current);
        const base = this.baseRates.get(fault.process) ?? 1;
        const set = (r: number): boolean => {
          if (node?.redis?.clock !== undefined) node.redis.clock.setRate(r);
          else if (client !== undefined) client.setRate(r);
          else return false;
          return true;
        };
        const did = set(rate);
        const record = this.begin(fault, () =>
          !did
            ? null
            : node !== undefined
              ? `${fault.process}'s wall clock (clock shim) runs at rate ${rate}: every TTL on it ${fault.ppm > 0 ? 'shortened' : 'stretched'} by ${Math.abs(fault.ppm / 10_000)}%`
              : `${fault.process}'s clocks run at rate ${rate}`,
        );
        // Its end restores the rate the world declared, not 1: a heal never undoes the world.
        this.endAfter(fault, record, fault.durationMs, () => {
          set(base);
        });
        break;
      }
      case 'jump': {
        const node = world.nodes.get(fault.process);
        const client = world.clients.get(fault.process);
        if (node !== undefined) {
          const keys = await node.keys();
          node.redis?.clock?.jump(fault.deltaMs);
          this.begin(fault, () =>
            (keys ?? 0) > 0 ? `${keys} keys on ${fault.process} expire ${Math.abs(fault.deltaMs)}ms ${fault.deltaMs > 0 ? 'early' : 'late'} (clock shim stepped)` : null,
          );
        } else if (client !== undefined && client.state !== 'crashed') {
          client.jump(fault.deltaMs);
          this.begin(fault, () => `${fault.process}'s wall clock stepped ${fault.deltaMs}ms`);
        } else {
          this.begin(fault, () => null);
        }
        this.noteHeal();
        break;
      }
      case 'pause': {
        const node = world.nodes.get(fault.process);
        const client = world.clients.get(fault.process);
        let did = false;
        let waited = 0;
        if (node !== undefined) {
          if (node.redis?.state === 'running') {
            node.redis.pause();
            did = true;
          }
        } else if (client !== undefined) {
          did = client.pause();
        } else if (fault.process === 'resource') {
          did = world.resource.pause();
        }
        const record = this.begin(fault, () =>
          !did
            ? null
            : fault.process === 'resource'
              ? waited > 0
                ? `${waited} requests waited until resume`
                : null
              : `SIGSTOP ${fault.process}, SIGCONT ${fault.durationMs} ms later`,
        );
        this.at(fault.at + fault.durationMs, async () => {
          if (node !== undefined) {
            if (node.redis?.state === 'paused') node.redis.resume();
          } else if (client !== undefined) {
            client.resume();
          } else if (fault.process === 'resource') {
            waited = world.resource.resume();
          }
          record.endedAt = this.now();
          this.noteHeal();
        });
        break;
      }
      case 'crash': {
        const node = world.nodes.get(fault.process);
        const client = world.clients.get(fault.process);
        if (node?.redis !== undefined) {
          const redis = node.redis;
          const keysBefore = redis.state === 'stopped' ? null : await node.keys();
          const wasUp = redis.state !== 'stopped';
          // SIGKILL is sent at once (the node is gone from then on); its exit is reaped after.
          const killing = redis.kill();
          let keysAfter: number | null = null;
          let restarted = false;
          const record = this.begin(fault, () => {
            if (!wasUp) return null;
            if (!restarted) return `${fault.process} SIGKILLed with ${keysBefore ?? '?'} keys, down`;
            const lost = keysBefore === null || keysAfter === null ? '?' : String(Math.max(0, keysBefore - keysAfter));
            return `${keysBefore ?? '?'} keys at crash (SIGKILL), ${lost} lost on restart (persistence ${redis.persistence})`;
          });
          await killing;
          this.endAfter(fault, record, fault.restartAfterMs, async () => {
            if (redis.state === 'stopped') await redis.restart();
            restarted = true;
            keysAfter = await node.keys();
          });
        } else if (client !== undefined) {
          const killed = client.crash();
          if (killed) world.onClientCrash(fault.process);
          let startupMs: number | null = null;
          const record = this.begin(fault, () =>
            !killed ? null : `${fault.process} SIGKILLed${startupMs === null ? '' : `; restarted as a new process ${startupMs.toFixed(1)} ms after its time`}`,
          );
          const restartAfterMs = fault.restartAfterMs;
          if (restartAfterMs !== undefined) {
            this.at(fault.at + restartAfterMs, async () => {
              if (client.state !== 'crashed') return;
              // A standby process is usually ready (the client started one at the crash); if
              // not, the restart completes later and the faults that follow do not wait for it.
              const restarted = client.restart().then((ms) => {
                startupMs = ms;
                if (ms !== null && !this.stopped) {
                  record.endedAt = this.now();
                  this.noteHeal();
                }
              });
              await Promise.race([restarted, new Promise((done) => setTimeout(done, 50))]);
            });
          }
        } else if (fault.process === 'resource') {
          const did = world.resource.crash();
          const record = this.begin(fault, () => (did ? 'resource down: requests vanish' : null));
          this.endAfter(fault, record, fault.restartAfterMs, () => {
            world.resource.restart();
          });
        }
        break;
      }
      case 'failover': {
        const effect = await world.failover(fault.replica);
        this.begin(fault, () => effect);
        this.noteHeal();
        break;
      }
      case 'heal': {
        let healed = 0;
        await world.healAll();
        for (const link of world.resource.faultyLinks()) {
          link.heal();
          healed++;
        }
        healed += this.toxicRoutesActive;
        this.toxicRoutesActive = 0;
        const nodesDown: RedisProcess[] = [];
        for (const node of world.nodes.values()) {
          const redis = node.redis;
          if (redis === undefined) continue;
          if (redis.state === 'paused') {
            redis.resume();
            healed++;
          } else if (redis.state === 'stopped') {
            nodesDown.push(redis);
          }
          const nodeBase = this.baseRates.get(node.name) ?? redis.clock?.rate();
          if (redis.clock !== undefined && nodeBase !== undefined && redis.clock.rate() !== nodeBase) {
            redis.clock.setRate(nodeBase);
            healed++;
          }
        }
        const clientsDown: RealClientHandle[] = [];
        for (const client of world.clients.values()) {
          if (client.state === 'paused') {
            client.resume();
            healed++;
          } else if (client.state === 'crashed') {
            clientsDown.push(client);
          }
          const clientBase = this.baseRates.get(client.name) ?? client.rate;
          if (client.rate !== clientBase) {
            client.setRate(clientBase);
            healed++;
          }
        }
        if (world.resource.state === 'paused') {
          world.resource.resume();
          healed++;
        } else if (world.resource.state === 'crashed') {
          world.resource.restart();
          healed++;
        }
        this.begin(fault, () => (healed > 0 ? `${healed} things healed` : null));
        for (const r of this.records) if (r.endedAt === undefined) r.endedAt = this.now();
        this.noteHeal();
        // Restarts take a while (a node: tens of ms; a client: its standby process).
        for (const client of clientsDown) {
          healed++;
          void client.restart();
        }
        for (const redis of nodesDown) {
          await redis.restart();
          healed++;
        }
        break;
      }
      default: {
        // A fault kind without a real action does not compile (and never silently does nothing).
        const unhandled: never = fault;
        throw new Error(`real nemesis: no real action for fault ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** Each drifted process's rate before its first drift fault: what ending a drift (or a heal) restores. */
  private readonly baseRates = new Map<string, number>();

  /** Links cut or slowed by Toxiproxy and not yet healed (for heal's count). */
  private toxicRoutesActive = 0;

  /** A network fault on a set of routes: toxics on Toxiproxy links, link state on resource links. */
  private async network(
    fault: Extract<Fault, { kind: 'partition' | 'cut' | 'delay' | 'loss' }>,
    index: number,
    routes: readonly Route[],
    change: { mode?: LinkMode; delay?: DelayModel; loss?: number },
  ): Promise<void> {
    const world = this.world;
    const toxiRoutes = routes.filter((r): r is Extract<Route, { kind: 'toxiproxy' }> => r.kind === 'toxiproxy');
    const resourceLinks = routes.flatMap((r) => (r.kind === 'resource' ? [r.link] : []));
    const idle = routes.filter((r) => r.kind === 'none');
    const before = statsOf(resourceLinks);
    // (Loss to a node is refused up front: see unsupportedFaults.)
    const kind = change.delay !== undefined ? 'delay' : change.mode === 'hold' ? 'hold' : 'cut';
    const added = change.loss !== undefined ? [] : toxiRoutes.map((r) => ({ proxy: r.proxy, stream: r.stream, name: `f${index}-${kind}-${r.stream}` }));
    const delay = change.delay;
    const toxicKind = delay !== undefined ? latencyText(delay) : cutText(change.mode === 'hold' ? 'hold' : 'drop');
    const keepAfterMs = delay === undefined ? 0 : delay.kind === 'fixed' ? delay.ms : delay.maxMs;
    await Promise.all(added.map((a) => (delay !== undefined ? world.toxics.delay(a.proxy, a.stream, delay, a.name) : world.toxics.cut(a.proxy, a.stream, change.mode === 'hold' ? 'hold' : 'drop', a.name))));
    this.toxicRoutesActive += added.length;
    for (const link of resourceLinks) {
      if (change.mode !== undefined) link.setMode(change.mode);
      if (change.delay !== undefined) link.delay = change.delay;
      if (change.loss !== undefined) link.lossProbability = change.loss;
    }
    const toxiText = describeToxiRoutes(toxiRoutes);
    const record = this.begin(fault, () => {
      const parts: string[] = [];
      if (added.length > 0) parts.push(`${toxiText}: ${toxicKind}`);
      const dropped = statsDelta(resourceLinks, before, 'dropped');
      const held = statsDelta(resourceLinks, before, 'held');
      const delayed = statsDelta(resourceLinks, before, 'delayed');
      if (change.delay !== undefined && delayed > 0) parts.push(`${delayed} resource messages slowed`);
      if (change.delay === undefined && dropped + held > 0) parts.push(`${dropped} resource messages ${change.loss !== undefined ? 'lost' : 'dropped'}, ${held} held`);
      if (parts.length === 0) return null;
      const quiet = idle.length > 0 ? ` (no traffic in real mode on ${idle.map((r) => r.key).join(', ')})` : '';
      return parts.join('; ') + quiet;
    });
    this.endAfter(fault, record, fault.durationMs, () => {
      for (const link of resourceLinks) {
        if (change.mode !== undefined) link.setMode('up');
        if (change.delay !== undefined) link.delay = null;
        if (change.loss !== undefined) link.lossProbability = 0;
      }
      const remove = async (): Promise<void> => {
        await Promise.all(added.map((a) => world.toxics.heal(a.proxy, a.name)));
        this.toxicRoutesActive = Math.max(0, this.toxicRoutesActive - added.length);
      };
      // A delay's toxic stays until what was sent during the fault has arrived (removing a
      // latency toxic delivers what it holds at once).
      if (keepAfterMs > 0 && fault.durationMs !== undefined) this.at(fault.at + fault.durationMs + keepAfterMs, remove);
      else return remove();
    });
  }
}

function dedupe(routes: readonly Route[]): Route[] {
  const seen = new Map<string, Route>();
  for (const r of routes) seen.set(r.key, r);
  return [...seen.values()];
}

/** `client-1↔redis-4, client-1→redis-5` (↔ both ways, → requests only, ← replies only). */
function describeToxiRoutes(routes: ReadonlyArray<Extract<Route, { kind: 'toxiproxy' }>>): string {
  const pairs = new Map<string, { up: boolean; down: boolean; client: string; node: string }>();
  for (const r of routes) {
    const key = `${r.client}|${r.node}`;
    const pair = pairs.get(key) ?? { up: false, down: false, client: r.client, node: r.node };
    if (r.stream === 'upstream') pair.up = true;
    else pair.down = true;
    pairs.set(key, pair);
  }
  return [...pairs.values()].map((p) => `${p.client}${p.up && p.down ? '↔' : p.up ? '→' : '←'}${p.node}`).join(', ');
}
