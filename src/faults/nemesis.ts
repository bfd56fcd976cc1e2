import { settleRecords, type PendingRecord } from './record.ts';
import type { FaultRecord } from '../check/history.ts';
import type { RedisNode } from '../redis/node.ts';
import type { Link, LinkStats } from '../sim/network.ts';
import { ms } from '../sim/time.ts';
import type { World } from '../sim/world.ts';
import { describeFault, type Fault } from './fault.ts';
import { FaultLedger } from './ledger.ts';

/** What the nemesis needs to know of the world beyond the kernel. */
export interface NemesisContext {
  readonly world: World;
  readonly nodes: ReadonlyMap<string, RedisNode>;
  /** Called when a client process crashes (the history records it: its section ends). */
  readonly onClientCrash: (process: string) => void;
  readonly isClient: (process: string) => boolean;
}

function linksBetween(world: World, from: readonly string[], to: readonly string[], bothWays: boolean): Link[] {
  const links: Link[] = [];
  for (const a of from) for (const b of to) {
    if (a === b) continue;
    links.push(world.network.link(a, b));
    if (bothWays) links.push(world.network.link(b, a));
  }
  return links;
}

function snapshot(links: readonly Link[]): LinkStats[] {
  return links.map((l) => ({ ...l.stats }));
}

function delta(links: readonly Link[], before: readonly LinkStats[], field: keyof LinkStats): number {
  return links.reduce((sum, l, i) => sum + l.stats[field] - (before[i] as LinkStats)[field], 0);
}

/**
 * The nemesis: applies a fault schedule to a world at the faults' true times, heals what heals
 * on its own, and records for every fault what it actually did (faults prove they fired).
 */
export class Nemesis {
  readonly records: FaultRecord[] = [];
  private readonly pending: PendingRecord[] = [];
  /** True time the last fault's effect ended, µs (the liveness phase starts there). */
  lastHealAt: number | null = null;

  private readonly ledger: FaultLedger;

  constructor(private readonly context: NemesisContext) {
    this.ledger = new FaultLedger(context.world);
  }

  /** Schedules every fault of `schedule`. */
  schedule(schedule: readonly Fault[]): void {
    for (const fault of schedule) {
      this.unapplied.add(fault);
      this.context.world.at(ms(fault.at), () => {
        this.unapplied.delete(fault);
        this.apply(fault);
      });
    }
  }

  /**
   * Fills in each record's `fired` and `effect`; call once the run is over. A fault scheduled
   * after the run ended gets a record too, saying so: a fault that never happened proves nothing.
   */
  finish(): FaultRecord[] {
    settleRecords(this.pending);
    for (const fault of this.unapplied) {
      this.records.push({ at: ms(fault.at), description: describeFault(fault), kind: fault.kind, fired: false, effect: `never applied: the run ended at ${this.context.world.now / 1000} ms, before ${fault.at} ms` });
    }
    this.unapplied.clear();
    return this.records;
  }

  /** Faults scheduled whose time has not come (at the end: those after the run). */
  private readonly unapplied = new Set<Fault>();

  private begin(fault: Fault, measure: () => string | null): FaultRecord {
    const record: FaultRecord = { at: this.context.world.now, description: describeFault(fault), kind: fault.kind, fired: false, effect: '' };
    this.records.push(record);
    this.pending.push({ record, measure });
    this.context.world.note(`fault ${record.description}`);
    return record;
  }

  private endAfter(record: FaultRecord, durationMs: number | undefined, effect: number): void {
    const world = this.context.world;
    if (durationMs === undefined) return;
    world.at(world.now + ms(durationMs), () => {
      if (!this.ledger.isOpen(effect)) return;
      this.ledger.end(effect);
      this.ended(record);
    });
  }

  /**
   * A fault's effect has ended (on its own, or by a heal): its record says what it did while it
   * lasted, measured now. Measured at the end of the run instead, a cut would be credited with
   * what a later fault dropped on the same links. A crash's restart runs as the process's next
   * event, so a crash record is measured at the node's next crash (or at the end of the run):
   * a second crash must not change what the first one says it lost.
   */
  private ended(record: FaultRecord): void {
    record.endedAt = this.context.world.now;
    if (record.kind !== 'crash') this.settle(record);
    this.noteHeal();
  }

  /** Works out one record's effect now. */
  private settle(record: FaultRecord): void {
    const i = this.pending.findIndex((p) => p.record === record);
    if (i >= 0) settleRecords(this.pending.splice(i, 1));
  }

  /** Each process's latest crash record. */
  private readonly lastCrash = new Map<string, FaultRecord>();

  private noteHeal(): void {
    this.lastHealAt = this.context.world.now;
  }

  private apply(fault: Fault): void {
    const { world, nodes } = this.context;
    switch (fault.kind) {
      case 'partition':
      case 'cut': {
        const mode = fault.mode ?? 'drop';
        const links =
          fault.kind === 'cut'
            ? linksBetween(world, fault.from, fault.to, false)
            : fault.groups.flatMap((g, i) => fault.groups.slice(i + 1).flatMap((h) => linksBetween(world, g, h, true)));
        const before = snapshot(links);
        const record = this.begin(fault, () => {
          const dropped = delta(links, before, 'dropped');
          const held = delta(links, before, 'held');
          return dropped + held > 0 ? `${dropped} messages dropped, ${held} held` : null;
        });
        this.endAfter(record, fault.durationMs, this.ledger.links(links, { mode }));
        break;
      }
      case 'delay':
      case 'loss': {
        const links = linksBetween(world, fault.from, fault.to, false);
        const before = snapshot(links);
        const record = this.begin(fault, () => {
          const sent = delta(links, before, 'sent');
          const dropped = delta(links, before, 'dropped');
          if (fault.kind === 'delay') return sent > 0 ? `${sent} messages slowed` : null;
          return dropped > 0 ? `${dropped} messages lost` : null;
        });
        const effect = this.ledger.links(links, fault.kind === 'delay' ? { delay: fault.delay } : { loss: fault.probability });
        this.endAfter(record, fault.durationMs, effect);
        break;
      }
      case 'drift': {
        const node = nodes.get(fault.process);
        const keys = node?.engine.size() ?? 0;
        const record = this.begin(fault, () => (node === undefined ? `${fault.process}'s clock rate changed` : keys > 0 || node.stats.commands > 0 ? `every TTL on ${fault.process} ${fault.ppm > 0 ? 'shortened' : 'stretched'} by ${Math.abs(fault.ppm / 10_000)}%` : null));
        const effect = this.ledger.drift(fault.process, fault.ppm);
        node?.observeKeys('clock');
        if (fault.durationMs !== undefined) {
          world.at(world.now + ms(fault.durationMs), () => {
            if (!this.ledger.isOpen(effect)) return;
            this.ledger.end(effect);
            node?.observeKeys('clock');
            this.ended(record);
          });
        }
        break;
      }
      case 'jump': {
        const node = nodes.get(fault.process);
        const keys = node?.engine.size() ?? 0;
        this.begin(fault, () =>
          node === undefined
            ? `${fault.process}'s wall clock stepped ${fault.deltaMs}ms`
            : keys > 0
              ? `${keys} keys on ${fault.process} expire ${Math.abs(fault.deltaMs)}ms ${fault.deltaMs > 0 ? 'early' : 'late'}`
              : null,
        );
        world.jumpClock(fault.process, fault.deltaMs);
        node?.observeKeys('clock');
        this.noteHeal();
        break;
      }
      case 'pause': {
        const p = world.process(fault.process);
        let waiting = 0;
        const record = this.begin(fault, () => (waiting > 0 ? `${waiting} timer firings and messages waited until resume` : null));
        const effect = this.ledger.pause(fault.process);
        world.at(world.now + ms(fault.durationMs), () => {
          if (!this.ledger.isOpen(effect)) return;
          waiting = p.waiting;
          this.ledger.end(effect);
          this.ended(record);
        });
        break;
      }
      case 'crash': {
        const earlier = this.lastCrash.get(fault.process);
        if (earlier?.endedAt !== undefined) this.settle(earlier);
        const node = nodes.get(fault.process);
        const keysBefore = node?.engine.size() ?? 0;
        const restartsBefore = node?.stats.restarts ?? 0;
        const recoveredBefore = node?.stats.keysRecovered ?? 0;
        const record = this.begin(fault, () => {
          if (node === undefined) return `${fault.process} died`;
          if (node.stats.restarts === restartsBefore) return `${fault.process} down with ${keysBefore} keys`;
          const lost = keysBefore - (node.stats.keysRecovered - recoveredBefore);
          return `${keysBefore} keys at crash, ${lost} lost on restart`;
        });
        this.lastCrash.set(fault.process, record);
        node?.observeKeys('crash');
        if (fault.machine === true) node?.losePower();
        const effect = this.ledger.crash(fault.process);
        if (this.context.isClient(fault.process)) this.context.onClientCrash(fault.process);
        this.endAfter(record, fault.restartAfterMs, effect);
        break;
      }
      case 'failover': {
        const replica = nodes.get(fault.replica);
        if (replica === undefined) throw new Error(`failover: '${fault.replica}' is not a Redis node`);
        const wasReplica = replica.currentRole === 'replica';
        this.begin(fault, () => (wasReplica ? `${fault.replica} promoted to primary` : null));
        replica.promote();
        this.noteHeal();
        break;
      }
      case 'heal': {
        // A heal ends what faults are still doing, and nothing else: a node's declared drift, a
        // client that died of its own error, the world's delays stay as the scenario made them.
        let healed = 0;
        this.begin(fault, () => (healed > 0 ? `${healed} things healed` : null));
        healed = this.ledger.endAll();
        for (const r of this.records) if (r.endedAt === undefined) this.ended(r);
        this.noteHeal();
        break;
      }
      default: {
        // A fault kind without a simulated effect does not compile (and never silently does nothing).
        const unhandled: never = fault;
        throw new Error(`nemesis: no effect for fault ${JSON.stringify(unhandled)}`);
      }
    }
  }
}
