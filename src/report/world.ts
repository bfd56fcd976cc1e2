/**
 * The world a run is a function of, printed before the run (TigerBeetle's VOPR habit): the
 * scenario, variant, seed, nodes, clients, network, workload and faults. The CLI prints it, the
 * HTML report shows it.
 */
import { describeFault } from '../faults/fault.ts';
import type { RunResult } from '../scenario/run.ts';
import { planRun } from '../scenario/plan.ts';
import { clientSpecs, nodeSpecs, type Scenario } from '../scenario/types.ts';

/** What of a run the printed world shows (a simulated or a real result). */
export type WorldOfRun = Pick<RunResult, 'variant' | 'seed' | 'faults' | 'lockName' | 'durationOverrideMs'>;

export function worldBlock(scenario: Scenario, run: WorldOfRun): string {
  const { variant: variantName, seed, faults, lockName } = run;
  const variant = scenario.variants.find((v) => v.name === variantName);
  // The variant's plan, with the length the run actually had: the world printed is the world run.
  const w = variant === undefined ? scenario.world : planRun(scenario, variant, { durationMs: run.durationOverrideMs }).world;
  const delay = w.delay ?? { kind: 'uniform', minMs: 0.1, maxMs: 2 };
  const nodes = nodeSpecs(w)
    .map((n) => `${n.name}${n.persistence ? ` (${n.persistence})` : ''}${n.replicaOf ? ` replica of ${n.replicaOf}` : ''}${n.driftPpm ? ` drift ${n.driftPpm}ppm` : ''}`)
    .join(', ');
  const clients = clientSpecs(w)
    .map((c) => `${c.name}${c.driftPpm ? ` drift ${c.driftPpm}ppm` : ''}${c.wallOffsetMs ? ` offset ${c.wallOffsetMs}ms` : ''}`)
    .join(', ');
  const wl = { ...scenario.workload, ...variant?.workload };
  return [
    `scenario  ${scenario.name}: ${scenario.title}`,
    `variant   ${variantName}${variant ? `  (${lockName ? `lock ${lockName}, ` : ''}resource ${variant.resource ?? 'unguarded'}, expected ${variant.expected})` : ''}`,
    `seed      ${seed}`,
    `world     nodes: ${nodes}`,
    `          clients: ${clients}`,
    `          network delay ${delay.kind === 'fixed' ? `${delay.ms} ms` : `${delay.minMs}-${delay.maxMs} ms`}, run ${w.durationMs} ms`,
    `workload  ${wl.resource}, ttl ${wl.ttlMs} ms, work ${wl.workMs.min}-${wl.workMs.max} ms, think ${wl.thinkMs.min}-${wl.thinkMs.max} ms${wl.checkValidityBeforeWrite ? ', checks validity before writing' : ''}`,
    `faults    ${faults.length === 0 ? 'none' : faults.map(describeFault).join('\n          ')}`,
  ].join('\n');
}

