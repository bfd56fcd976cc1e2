import { catalog } from '../../scenarios/index.ts';
import { explore } from '../explore/explore.ts';

export interface TimeToBug {
  scenario: string;
  variant: string;
  seeds: number;
  found: number;
  medianRuns: number | null;
  worstRuns: number | null;
  medianSeconds: number | null;
  worstSeconds: number | null;
  medianShrinkSeconds: number | null;
  maxShrunkFaults: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * For every unsafe variant of the catalog: exploration with RANDOM fault schedules (the
 * scenario's generator, not its hand-written schedule) from fixed exploration seeds 1..seeds.
 * The runs to the first violation are exact (seeded); only the seconds vary by machine.
 */
export async function measureTimeToBug(seeds: number, maxRuns: number, onProgress?: (line: string) => void): Promise<TimeToBug[]> {
  const rows: TimeToBug[] = [];
  for (const scenario of catalog) {
    for (const variant of scenario.variants.filter((v) => v.expected === 'unsafe')) {
      const runs: number[] = [];
      const secondsToFind: number[] = [];
      const shrinkSeconds: number[] = [];
      let maxShrunk = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        let firstAt = 0;
        const start = performance.now();
        const result = await explore(scenario, {
          variant: variant.name,
          seed,
          runs: maxRuns,
          onRun: (n, r) => {
            if (firstAt === 0 && r.verdict === 'unsafe') firstAt = performance.now();
            void n;
          },
        });
        const end = performance.now();
        if (result.found && result.shrunk !== null) {
          runs.push(result.runsToFailure);
          secondsToFind.push((firstAt - start) / 1000);
          shrinkSeconds.push((end - firstAt) / 1000);
          maxShrunk = Math.max(maxShrunk, result.shrunk.faults.filter((f) => f.kind !== 'heal').length);
        }
      }
      const row: TimeToBug = {
        scenario: scenario.name,
        variant: variant.name,
        seeds,
        found: runs.length,
        medianRuns: median(runs),
        worstRuns: runs.length ? Math.max(...runs) : null,
        medianSeconds: median(secondsToFind),
        worstSeconds: secondsToFind.length ? Math.max(...secondsToFind) : null,
        medianShrinkSeconds: median(shrinkSeconds),
        maxShrunkFaults: runs.length ? maxShrunk : null,
      };
      rows.push(row);
      onProgress?.(`${scenario.name}/${variant.name}: found ${row.found}/${seeds}`);
    }
  }
  return rows;
}
