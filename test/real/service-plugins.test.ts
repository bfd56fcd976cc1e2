/**
 * Issue #15: in real mode a service is a plug-in (src/real/service.ts, src/real/services/): the
 * runner, the servers, the links and the client processes sequence its parts without naming one,
 * every service the simulation knows has a real-mode part or the sentence that refuses it, and
 * the refusal reaches the user.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RealModeUnsupportedError, realModeProblems, runReal, startedNodes } from '../../src/real/runner.ts';
import { REAL_SERVICES, realServiceOf } from '../../src/real/services/index.ts';
import type { NodeSpec, Scenario } from '../../src/scenario/types.ts';
import { SERVICE_NAMES } from '../../src/services/registry.ts';
import blobEtagGuard from '../../scenarios/blob-etag-guard.ts';

const REAL = join(import.meta.dirname, '..', '..', 'src', 'real');

describe('real mode sequences services without naming one', () => {
  it('the runner, servers, links and client processes import no service\'s process or client and test no service by name', () => {
    for (const file of ['runner.ts', 'servers.ts', 'links.ts', 'client-process.ts', 'client-handle.ts']) {
      const code = readFileSync(join(REAL, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, file).not.toMatch(/from '\.\/(postgres-process|postgres-node-handle|node-postgres|azurite-process|azure-storage-blob|redis-process)\.ts'|from '\.\/services\/(redis|postgres|blob)\.ts'|from 'ioredis'/);
      expect(code, file).not.toMatch(/=== '(postgres|blob|sqlserver)'|instanceof (PostgresProcess|RedisProcess|AzuriteProcess)/);
    }
    // The check can see such an import: the servers import the registry of the parts.
    expect(readFileSync(join(REAL, 'servers.ts'), 'utf8')).toMatch(/from '\.\/services\/index\.ts'/);
  });

  it('every service of the simulation has a real-mode part, or its own sentence refusing one', () => {
    for (const name of [...SERVICE_NAMES, 'sqlserver']) {
      const service = REAL_SERVICES[name];
      expect(service, name).toBeDefined();
      if (service?.refused !== null) expect(service?.refused, name).toMatch(/has no real mode: .*run the scenario in simulation/);
    }
    expect(realServiceOf({}).name).toBe('redis');
  });

  it('a variant on a node of a service without a real mode is refused with that sentence, naming the node', async () => {
    const scenario = { ...blobEtagGuard, world: { ...blobEtagGuard.world, nodes: [{ name: 'sql-1', service: 'sqlserver' }] } } as unknown as Scenario;
    const variant = { ...(blobEtagGuard.variants[0] as Scenario['variants'][number]), nodes: ['sql-1'] };
    expect(realModeProblems(scenario, variant, [])).toEqual([`node sql-1 (SQL Server): ${(REAL_SERVICES.sqlserver as { refused: string }).refused}`]);
    await expect(runReal({ ...scenario, variants: [variant] }, { seed: 1, simulate: false })).rejects.toThrow(RealModeUnsupportedError);
  });

  it('a node of such a service that the variant neither locks on nor faults is left out (not started), not refused', () => {
    const scenario = { ...blobEtagGuard, world: { ...blobEtagGuard.world, nodes: [{ name: 'blob-1', service: 'blob' }, { name: 'sql-1', service: 'sqlserver' }] } } as unknown as Scenario;
    const variant = blobEtagGuard.variants[0] as Scenario['variants'][number];
    expect(realModeProblems(scenario, variant)).toEqual([]);
    expect(startedNodes(scenario.world.nodes as NodeSpec[]).map((n) => n.name)).toEqual(['blob-1']);
    // A fault on it brings the refusal back.
    expect(realModeProblems(scenario, variant, [{ kind: 'pause', at: 1_000, process: 'sql-1', durationMs: 1_000 }]).join('\n')).toMatch(/sql-1 \(SQL Server\): SQL Server has no real mode/);
  });
});
