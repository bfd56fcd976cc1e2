import type { DelayModel, Link, LinkMode } from '../sim/network.ts';
import type { World } from '../sim/world.ts';

/**
 * What the faults of a run are doing right now, so that ending one fault undoes only its own
 * effect and a heal undoes only what faults did, never the world's own configuration (a node's
 * declared drift, a skewed clock). Overlapping faults on the same link or process combine:
 * a link is cut while any cut lasts, a process stays paused while any pause lasts, and its
 * clock runs at the latest drift fault's rate until the last one ends, then at its own again.
 */
export class FaultLedger {
  private readonly linkEffects = new Map<Link, LinkEffect[]>();
  private readonly driftEffects = new Map<string, { readonly base: number; readonly active: { id: number; ppm: number }[] }>();
  private readonly pauses = new Map<string, number>();
  private readonly crashes = new Map<string, number>();
  private readonly open = new Map<number, () => boolean>();
  private nextId = 0;

  constructor(private readonly world: World) {}

  /** Applies an effect to links; returns its id for {@link end}. */
  links(links: readonly Link[], effect: Omit<LinkEffect, 'id'>): number {
    const id = this.nextId++;
    for (const link of links) {
      const list = this.linkEffects.get(link) ?? [];
      list.push({ id, ...effect });
      this.linkEffects.set(link, list);
      this.settleLink(link, list);
    }
    this.open.set(id, () => {
      for (const link of links) {
        const list = (this.linkEffects.get(link) ?? []).filter((e) => e.id !== id);
        this.linkEffects.set(link, list);
        this.settleLink(link, list);
      }
      return true;
    });
    return id;
  }

  /** Runs `process`'s clocks `ppm` fast until {@link end}. */
  drift(process: string, ppm: number): number {
    const id = this.nextId++;
    let entry = this.driftEffects.get(process);
    if (entry === undefined) {
      entry = { base: this.world.process(process).clock.driftPpm, active: [] };
      this.driftEffects.set(process, entry);
    }
    entry.active.push({ id, ppm });
    this.world.setDrift(process, ppm);
    const state = entry;
    this.open.set(id, () => {
      const before = state.active.at(-1)?.ppm;
      state.active.splice(state.active.findIndex((e) => e.id === id), 1);
      const after = state.active.at(-1)?.ppm ?? state.base;
      if (after !== before) this.world.setDrift(process, after);
      if (state.active.length === 0) this.driftEffects.delete(process);
      return true;
    });
    return id;
  }

  /** Pauses `process` until {@link end} (and until every other pause of it has ended). */
  pause(process: string): number {
    return this.counted(this.pauses, process, () => this.world.pause(process), () => this.world.resume(process));
  }

  /** Crashes `process`; {@link end} restarts it (once every crash of it has ended). */
  crash(process: string): number {
    return this.counted(this.crashes, process, () => this.world.crash(process), () => this.world.restart(process));
  }

  /** An effect that overlapping faults share: applied by each, undone when the last one ends. */
  private counted(counts: Map<string, number>, process: string, apply: () => void, undo: () => void): number {
    const id = this.nextId++;
    counts.set(process, (counts.get(process) ?? 0) + 1);
    apply();
    this.open.set(id, () => {
      const left = (counts.get(process) ?? 1) - 1;
      counts.set(process, left);
      if (left > 0) return false;
      undo();
      return true;
    });
    return id;
  }

  /** Whether an effect is still in force (a heal may have ended it before its own end). */
  isOpen(id: number): boolean {
    return this.open.has(id);
  }

  /** Ends one effect; returns whether that changed the world (false: another fault still holds it). */
  end(id: number): boolean {
    const undo = this.open.get(id);
    if (undo === undefined) return false;
    this.open.delete(id);
    return undo();
  }

  /** Ends every effect still open, latest first; returns how many there were. */
  endAll(): number {
    const ids = [...this.open.keys()].reverse();
    for (const id of ids) this.end(id);
    return ids.length;
  }

  /** A link's state is what its active effects say, or the world's own when none is left. */
  private settleLink(link: Link, effects: readonly LinkEffect[]): void {
    let mode: LinkMode = 'up';
    let delay: DelayModel | undefined;
    let loss = 0;
    for (const e of effects) {
      if (e.mode === 'drop' || (e.mode === 'hold' && mode === 'up')) mode = e.mode;
      if (e.delay !== undefined) delay = e.delay;
      if (e.loss !== undefined) loss = Math.max(loss, e.loss);
    }
    link.setMode(mode);
    link.delay = delay ?? this.world.network.defaultDelay;
    link.lossProbability = loss;
  }
}

/** What one fault does to a link while it lasts. */
export interface LinkEffect {
  readonly id: number;
  readonly mode?: LinkMode;
  readonly delay?: DelayModel;
  readonly loss?: number;
}
