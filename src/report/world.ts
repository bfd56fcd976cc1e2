/**
 * The world a run is a function of, printed before the run (TigerBeetle's VOPR habit): the
 * scenario, variant, seed, nodes, clients, network, workload and faults. The CLI prints it, the
 * HTML report shows it.
 */
import { describeFault } from '../faults/fault.ts';
import { blobResourceText } from '../services/blob/resource.ts';
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
    `variant   ${variantName}${variant ? `  (${lockName ? `lock ${lockName}, ` : ''}resource ${variant.blobOptions?.resource === undefined ? (variant.resource ?? 'unguarded') : blobResourceText(variant.blobOptions.resource)}, expected ${variant.expected})` : ''}`,
    `seed      ${seed}`,
    `world     nodes: ${nodes}`,
    `          clients: ${clients}`,
    `          network delay ${delay.kind === 'fixed' ? `${delay.ms} ms` : `${delay.minMs}-${delay.maxMs} ms`}, run ${w.durationMs} ms`,
    `workload  ${wl.resource}, ttl ${wl.ttlMs} ms, work ${wl.workMs.min}-${wl.workMs.max} ms, think ${wl.thinkMs.min}-${wl.thinkMs.max} ms${wl.checkValidityBeforeWrite ? ', checks validity before writing' : ''}`,
    `faults    ${faults.length === 0 ? 'none' : faults.map(describeFault).join('\n          ')}`,
  ].join('\n');
}


/**
 * What the world itself does to clocks, as opposed to faults: processes whose clocks drift or
 * start offset from true time (`redis-1 runs 2 % fast (drift +20000 ppm)`). A run with no
 * faults is a control only if this is empty; a heal never undoes these.
 */
export function worldConditions(scenario: Scenario, run: WorldOfRun): string[] {
  const variant = scenario.variants.find((v) => v.name === run.variant);
  const w = variant === undefined ? scenario.world : planRun(scenario, variant, { durationMs: run.durationOverrideMs }).world;
  const out: string[] = [];
  for (const p of [...nodeSpecs(w), ...clientSpecs(w)]) {
    const ppm = p.driftPpm ?? 0;
    const offset = p.wallOffsetMs ?? 0;
    if (ppm !== 0) out.push(`${p.name}'s clock runs ${Math.abs(ppm / 1e4)} % ${ppm > 0 ? 'fast' : 'slow'} (drift ${ppm > 0 ? '+' : '−'}${Math.abs(ppm)} ppm)`);
    if (offset !== 0) out.push(`${p.name}'s wall clock starts ${Math.abs(offset)} ms ${offset > 0 ? 'ahead of' : 'behind'} true time`);
  }
  return out;
}
