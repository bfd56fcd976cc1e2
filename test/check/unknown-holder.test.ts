/**
 * A mutual-exclusion violation's quorum explanation only for clients whose keys were traced: a
 * library whose lock value the adapter cannot see (redlock 5's using()) gets no explanation
 * rather than a false "held its lock on no quorum (from the start)".
 */
import { describe, expect, it } from 'vitest';
import { judgeHistory, parseHistoryDocument } from '../../src/check/history-file.ts';
import type { MutexViolation } from '../../src/check/mutex.ts';

const doc = (keys: unknown[]) =>
  parseHistoryDocument(
    JSON.stringify({
      format: 'locksim-history/1',
      properties: ['mutex'],
      history: {
        lockNodes: ['n1', 'n2', 'n3'],
        events: [
          { process: 'a', kind: 'acquire', phase: 'ok', at: 1_000, lease: { value: 'va', validUntil: 50 } },
          { process: 'b', kind: 'acquire', phase: 'ok', at: 100_000, lease: { value: 'vb', validUntil: 5_000 } },
          { process: 'b', kind: 'release', phase: 'invoke', at: 200_000 },
          { process: 'a', kind: 'release', phase: 'invoke', at: 300_000 },
        ],
        keys,
      },
    }),
    'test',
  );
const bKeys = ['n1', 'n2', 'n3'].map((node) => ({ node, key: 'k', holder: 'b', from: 99_000, to: 200_500, endedBy: 'deleted' }));

describe('quorum explanations of a mutual-exclusion violation', () => {
  it('say nothing of a client none of whose keys were traced, and explain the one that was', () => {
    const [v] = judgeHistory(doc(bKeys)).violations as MutexViolation[];
    expect(v?.first.process).toBe('a');
    expect(v?.firstQuorumLostBy).toBeNull();
    expect(v?.firstPastQuorumMs).toBeNull();
    expect(v?.secondQuorumLostBy).toBe('deleted');
  });

  it('still say "never held" of a traced client whose keys did not cover its section', () => {
    const aLate = ['n1', 'n2', 'n3'].map((node) => ({ node, key: 'k', holder: 'a', from: 250_000, to: 260_000, endedBy: 'deleted' }));
    const [v] = judgeHistory(doc([...bKeys, ...aLate])).violations as MutexViolation[];
    expect(v?.firstQuorumLostBy).toBe('never-held');
  });
});
