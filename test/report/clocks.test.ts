import { describe, expect, it } from 'vitest';
import { criticalSections } from '../../src/check/sections.ts';
import { clockTrack, localAt, offsetSeries, trackFromHistory, trackFromTrace, trueTimeWhenLocalReaches } from '../../src/report/clocks.ts';
import { validityEnd } from '../../src/report/svg.ts';
import { DEFAULT_EPOCH_MS } from '../../src/sim/world.ts';
import { fixtureClockReading, fixtureRun } from './fixtures.ts';

const run = fixtureRun({ fenced: false });
const trace = run.trace ?? [];

describe('clock reconstruction from the trace', () => {
  it('matches the process clocks exactly, across drift changes and wall-clock steps', () => {
    for (const p of ['client-1', 'client-2', 'redis-2', 'redis-3']) {
      const track = trackFromTrace(p, trace);
      expect(track?.source).toBe('trace');
      for (const atMs of [0, 1_234.5, 4_999, 5_000, 7_999.999, 8_000, 9_000, 11_999, 12_000, 14_321, 15_000, 17_500, 19_999, 20_000, 25_000]) {
        const want = fixtureClockReading(p, atMs);
        expect(localAt(track!, 'wall', atMs * 1000)).toBeCloseTo(want.wallMs, 6);
        expect(localAt(track!, 'monotonic', atMs * 1000)).toBeCloseTo(want.monoMs, 6);
      }
    }
  });

  it('records steps and drift changes; the offset chart steps at a jump and slopes with drift', () => {
    const redis2 = trackFromTrace('redis-2', trace)!;
    expect(redis2.jumps).toEqual([{ at: 8_000_000, deltaMs: 5_000 }]);
    const series = offsetSeries(redis2, DEFAULT_EPOCH_MS, 20_000_000);
    const atJump = series.filter((p) => p.at === 8_000_000).map((p) => Math.round(p.offsetMs));
    expect(atJump).toEqual([0, 5_000]);
    const redis3 = offsetSeries(trackFromTrace('redis-3', trace)!, DEFAULT_EPOCH_MS, 20_000_000);
    // 2 % fast for 10 s: 200 ms ahead at the end, and flat afterwards.
    expect(redis3[redis3.length - 1]!.offsetMs).toBeCloseTo(200, 6);
    expect(trackFromTrace('redis-3', trace)!.drifts.map((d) => d.ppm)).toEqual([20_000, 0]);
  });

  it('finds where a client\'s own clock reached its lease validity, in true time', () => {
    const section = criticalSections(run.history).find((s) => s.process === 'client-1')!;
    const track = clockTrack('client-1', run.trace, run.history.events);
    // Monotonic lease valid until 9 898 ms on a clock that started at true 0 with no drift.
    expect(validityEnd(section, track)).toBeCloseTo(9_898_000, 0);
    // client-2 drifts 50 ppm fast: its clock reaches a local time a little early in true time.
    const t2 = trackFromTrace('client-2', trace)!;
    const t = trueTimeWhenLocalReaches(t2, 'monotonic', 10_000, 0, 30_000_000)!;
    expect(t).toBeCloseTo(10_000_000 / (1 + 50e-6), 0);
    // A wall clock stepped back 1.5 s at 12 s reaches 12 500 ms (epoch-relative) only after 14 s.
    const wallTarget = DEFAULT_EPOCH_MS + 12_500;
    const tw = trueTimeWhenLocalReaches(t2, 'wall', wallTarget, 12_000_000, 30_000_000)!;
    expect(localAt(t2, 'wall', tw)).toBeCloseTo(wallTarget, 3);
    expect(tw).toBeGreaterThan(13_900_000);
    expect(trueTimeWhenLocalReaches(t2, 'wall', wallTarget, 12_000_000, 13_000_000)).toBeNull();
  });

  it('a forward step past the target counts at the step', () => {
    const redis2 = trackFromTrace('redis-2', trace)!;
    expect(trueTimeWhenLocalReaches(redis2, 'wall', DEFAULT_EPOCH_MS + 10_000, 0, 20_000_000)).toBe(8_000_000);
  });
});

describe('clock reconstruction from the history alone', () => {
  it('is exact at each event and used when there is no trace; nodes then have no track', () => {
    const bare = fixtureRun({ fenced: false, keepTrace: false });
    const track = clockTrack('client-2', null, bare.history.events)!;
    expect(track.source).toBe('history');
    const e = bare.history.events.find((ev) => ev.process === 'client-2')!;
    expect(localAt(track, 'monotonic', e.at)).toBeCloseTo(e.monoMs, 9);
    expect(clockTrack('redis-1', null, bare.history.events)).toBeNull();
    expect(trackFromHistory('nobody', bare.history.events)).toBeNull();
  });
});
