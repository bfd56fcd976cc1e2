import gcPause from '../../scenarios/gc-pause.ts';
import { runReal, withDuration } from '../real/runner.ts';
import { runScenario } from '../scenario/run.ts';

export interface Reality {
  scenario: string;
  simulatedMs: number;
  realWallSeconds: number;
  simulationWallSeconds: number;
  speedup: number;
  realVerdict: string;
  simulatedVerdict: string;
}

/** The same scenario in real mode and in simulation: what the simulation's speed buys. */
export async function measureReality(durationMs: number): Promise<Reality> {
  const variant = 'redlock';
  const real = await runReal(gcPause, { seed: 1, variant, durationMs, simulate: false });
  const scenario = withDuration(gcPause, variant, durationMs);
  const start = performance.now();
  const simulated = await runScenario(scenario, { seed: 1, variant });
  const simulationWallSeconds = (performance.now() - start) / 1000;
  return {
    scenario: `gc-pause/${variant}`,
    simulatedMs: durationMs,
    realWallSeconds: real.wallMs / 1000,
    simulationWallSeconds,
    speedup: real.wallMs / 1000 / simulationWallSeconds,
    realVerdict: real.verdict,
    simulatedVerdict: simulated.verdict,
  };
}
