/** The printed world names where the protected data lives and what guards it (a blob's ETag is the blob's own fencing). */
import { describe, expect, it } from 'vitest';
import matrixPause from '../../scenarios/matrix/pause.ts';
import { worldBlock } from '../../src/report/world.ts';

const run = (variant: string) => ({ variant, seed: 1, faults: [], lockName: '' });

describe('the printed world names the resource', () => {
  it('a counter in a blob written with If-Match is not called unguarded', () => {
    const block = worldBlock(matrixPause, run('blob-lease+etag'));
    expect(block).toContain('resource blob lock:counter.data (writes carry If-Match on its ETag)');
    expect(block).not.toContain('unguarded');
  });
  it('the resource process keeps its mode', () => {
    expect(worldBlock(matrixPause, run('redis+fencing'))).toContain('resource fenced');
    expect(worldBlock(matrixPause, run('redis'))).toContain('resource unguarded');
  });
});
