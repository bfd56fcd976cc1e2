/**
 * The TypeScript text of a playground state's scenario file: the scenario object the page ran,
 * written out as a literal (src/play/literal.ts), its lock as the calls that make it
 * (`fencing(redlock({ driftFactor: 0 }))`). It imports from 'locksim', as a file in a project
 * that installed locksim does; `locksim run` and `locksim replay` load it like any scenario file.
 */
import type { Scenario } from '../scenario/types.ts';
import { literal } from './literal.ts';
import { lockImports, lockSource, type LockSpec } from './lock-spec.ts';

export interface ScenarioFileInput {
  /** The scenario to write (its one variant's lock is made by `lock`). */
  readonly scenario: Scenario;
  readonly lock: LockSpec;
  readonly fileName: string;
  readonly seed: number;
  /** Where the state started: `gc-pause / redlock`. */
  readonly from: string;
}

export function scenarioFileText(input: ScenarioFileInput): string {
  const imports = [...new Set(lockImports(input.lock))].sort();
  const body = literal(input.scenario, {
    custom: (key, value) => (key === 'lock' && typeof value === 'function' ? lockSource(input.lock, (v) => literal(v)) : undefined),
  });
  return [
    `// A locksim scenario made in the playground (locksim play) from ${input.from}.`,
    '// Save it at the root of your project (beside its package.json) and run it:',
    `//   npx locksim run ./${input.fileName} --seed ${input.seed}`,
    `import { ${imports.join(', ')}, type Scenario } from 'locksim';`,
    '',
    `const scenario: Scenario = ${body};`,
    '',
    'export default scenario;',
    '',
  ].join('\n');
}
