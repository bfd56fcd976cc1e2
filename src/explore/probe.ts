import type { History } from '../check/history.ts';
import type { Anchor } from '../faults/anchors.ts';
import { runScenario, type RunResult } from '../scenario/run.ts';
import type { Scenario, Variant } from '../scenario/types.ts';
import { RESOURCE_PROCESS } from '../workload/resource.ts';

/**
 * The moments of a run that a fault can be anchored to (src/faults/anchors.ts): every acquire,
 * release and extend a client invoked or completed, every write it sent, and every lock-key
 * command a node ran for it, in true-time order.
 */
export function anchorsOf(history: History): Anchor[] {
  const anchors: Anchor[] = [];
  for (const e of history.events) {
    if (e.phase === 'info' || (e.kind !== 'acquire' && e.kind !== 'release' && e.kind !== 'extend' && e.kind !== 'write')) continue;
    const label = `${e.kind} ${e.phase}`;
    anchors.push(e.kind === 'write' ? { atMs: e.at / 1000, process: e.process, peer: RESOURCE_PROCESS, label } : { atMs: e.at / 1000, process: e.process, label, turn: e.phase === 'ok' });
  }
  const clients = new Set(history.events.map((e) => e.process));
  for (const c of history.commands ?? []) {
    if (!clients.has(c.from)) continue;
    // What the command did to the key (won, lost, deleted, extended, missed), not the values it carried.
    const did = c.before === c.after ? (c.after === null ? 'absent' : c.afterExpiresAt !== c.beforeExpiresAt ? 'extended' : 'kept') : c.after === null ? 'removed' : 'set';
    anchors.push({ atMs: c.at / 1000, process: c.from, peer: c.node, label: `${c.command} ${did}`, turn: did !== 'absent' && did !== 'kept' });
  }
  return anchors.sort((a, b) => a.atMs - b.atMs);
}

/** A seed's fault-free run, with its anchors. */
export interface Probe {
  readonly result: RunResult;
  readonly anchors: readonly Anchor[];
}

/**
 * Fault-free runs by seed, kept for the seeds an exploration draws again (shrinking keeps its
 * seed most of the time). The fault-free run is also the run of the empty schedule, so that one
 * is never made twice.
 */
export class Probes {
  private readonly bySeed = new Map<number, Probe>();

  constructor(
    private readonly scenario: Scenario,
    private readonly variant: Variant,
    private readonly keep = 64,
  ) {}

  async get(seed: number): Promise<Probe> {
    const known = this.bySeed.get(seed);
    if (known !== undefined) return known;
    const result = await runScenario(this.scenario, { seed, variant: this.variant.name, faults: [] });
    const probe = { result, anchors: anchorsOf(result.history) };
    if (this.bySeed.size >= this.keep) this.bySeed.delete(this.bySeed.keys().next().value as number);
    this.bySeed.set(seed, probe);
    return probe;
  }
}
