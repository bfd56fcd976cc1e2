/**
 * The fault ledger (src/faults/ledger.ts), driven directly on an idle world: overlapping effects
 * on a link or a process combine, ending one undoes only its own share, and ending everything
 * gives back the world's own configuration (its default delay, a declared drift).
 */
import { describe, expect, it } from 'vitest';
import { FaultLedger } from '../../src/faults/ledger.ts';
import { World } from '../../src/sim/world.ts';

const DEFAULT_DELAY = { kind: 'fixed', ms: 3 } as const;

function idle(): { w: World; ledger: FaultLedger } {
  const w = new World({ seed: 1, delay: DEFAULT_DELAY });
  for (const name of ['a', 'b', 'c']) {
    w.addProcess(name, async (ctx) => {
      for (;;) await ctx.clock.sleep(1_000);
    }, { driftPpm: name === 'b' ? 20_000 : 0 });
  }
  return { w, ledger: new FaultLedger(w) };
}

describe('the fault ledger: links', () => {
  it('a link is cut while any cut lasts, held while only holds last, up when none is left', () => {
    const { w, ledger } = idle();
    const ab = w.network.link('a', 'b');
    const hold = ledger.links([ab], { mode: 'hold' });
    expect(ab.mode).toBe('hold');
    const drop = ledger.links([ab], { mode: 'drop' });
    expect(ab.mode).toBe('drop');
    const hold2 = ledger.links([ab], { mode: 'hold' });
    expect(ab.mode).toBe('drop'); // a later hold does not lift a cut
    expect(ledger.end(drop)).toBe(true);
    expect(ab.mode).toBe('hold');
    expect(ledger.end(hold)).toBe(true);
    expect(ab.mode).toBe('hold');
    ledger.end(hold2);
    expect(ab.mode).toBe('up');
  });

  it('an effect applies to every link it names, and ending it touches only those', () => {
    const { w, ledger } = idle();
    const ab = w.network.link('a', 'b');
    const ba = w.network.link('b', 'a');
    const ac = w.network.link('a', 'c');
    const both = ledger.links([ab, ba], { mode: 'drop' });
    const other = ledger.links([ac], { mode: 'drop' });
    expect([ab.mode, ba.mode, ac.mode]).toEqual(['drop', 'drop', 'drop']);
    ledger.end(both);
    expect([ab.mode, ba.mode, ac.mode]).toEqual(['up', 'up', 'drop']);
    expect(ledger.isOpen(other)).toBe(true);
  });

  it('the latest delay wins; the world\'s default delay comes back when none is left', () => {
    const { w, ledger } = idle();
    const ab = w.network.link('a', 'b');
    const slow = ledger.links([ab], { delay: { kind: 'fixed', ms: 100 } });
    const slower = ledger.links([ab], { delay: { kind: 'fixed', ms: 500 } });
    const cut = ledger.links([ab], { mode: 'drop' });
    expect(ab.delay).toEqual({ kind: 'fixed', ms: 500 });
    ledger.end(slower);
    expect(ab.delay).toEqual({ kind: 'fixed', ms: 100 });
    ledger.end(cut);
    expect(ab.delay).toEqual({ kind: 'fixed', ms: 100 });
    expect(ab.mode).toBe('up');
    ledger.end(slow);
    expect(ab.delay).toEqual(DEFAULT_DELAY);
  });

  it('a loss lasts while a cut or a delay on the same link comes and goes', () => {
    const { w, ledger } = idle();
    const ab = w.network.link('a', 'b');
    ledger.links([ab], { loss: 0.3 });
    const hold = ledger.links([ab], { mode: 'hold' });
    expect([ab.mode, ab.lossProbability]).toEqual(['hold', 0.3]);
    ledger.end(hold);
    ledger.links([ab], { delay: { kind: 'fixed', ms: 9 } });
    expect([ab.mode, ab.lossProbability]).toEqual(['up', 0.3]);
  });

  it('the highest loss wins, whatever the order; none left means no loss', () => {
    const { w, ledger } = idle();
    const ab = w.network.link('a', 'b');
    const high = ledger.links([ab], { loss: 0.8 });
    const low = ledger.links([ab], { loss: 0.3 });
    expect(ab.lossProbability).toBe(0.8);
    ledger.end(high);
    expect(ab.lossProbability).toBe(0.3);
    ledger.end(low);
    expect(ab.lossProbability).toBe(0);
  });
});

describe('the fault ledger: processes', () => {
  it('a process stays paused until its last pause ends; only that end changes the world', () => {
    const { w, ledger } = idle();
    const first = ledger.pause('a');
    const second = ledger.pause('a');
    expect(w.process('a').state).toBe('paused');
    expect(ledger.end(first)).toBe(false);
    expect(w.process('a').state).toBe('paused');
    expect(ledger.end(second)).toBe(true);
    expect(w.process('a').state).toBe('running');
    // A new pause after all have ended pauses again, and its end resumes at once.
    const third = ledger.pause('a');
    expect(w.process('a').state).toBe('paused');
    expect(ledger.end(third)).toBe(true);
    expect(w.process('a').state).toBe('running');
  });

  it('pauses of different processes are counted apart', () => {
    const { w, ledger } = idle();
    const a = ledger.pause('a');
    const c = ledger.pause('c');
    expect(ledger.end(a)).toBe(true);
    expect([w.process('a').state, w.process('c').state]).toEqual(['running', 'paused']);
    expect(ledger.end(c)).toBe(true);
  });

  it('a crashed process restarts when its last crash ends, once', () => {
    const { w, ledger } = idle();
    const first = ledger.crash('a');
    const second = ledger.crash('a');
    expect(w.process('a').state).toBe('crashed');
    expect(ledger.end(second)).toBe(false);
    expect(w.process('a').state).toBe('crashed');
    expect(ledger.end(first)).toBe(true);
    expect([w.process('a').state, w.process('a').incarnation]).toEqual(['running', 1]);
  });

  it('a clock runs at the latest drift until the last ends, then at its own declared rate', () => {
    const { w, ledger } = idle();
    const drift = (): number => w.process('b').clock.driftPpm;
    const first = ledger.drift('b', 5_000);
    const second = ledger.drift('b', -3_000);
    expect(drift()).toBe(-3_000);
    ledger.end(first); // not the latest: the rate stays
    expect(drift()).toBe(-3_000);
    ledger.end(second);
    expect(drift()).toBe(20_000);
    // Once all have ended the declared rate is remembered afresh.
    w.setDrift('b', 1_000); // the world's own change, not a fault's
    const third = ledger.drift('b', 7_000);
    expect(drift()).toBe(7_000);
    ledger.end(third);
    expect(drift()).toBe(1_000);
  });

  it('ending the latest drift falls back to the one before it', () => {
    const { w, ledger } = idle();
    ledger.drift('c', 5_000);
    const later = ledger.drift('c', 9_000);
    ledger.end(later);
    expect(w.process('c').clock.driftPpm).toBe(5_000);
  });

  it('a drift that outlives the first one keeps its rate while a third comes and the second goes', () => {
    const { w, ledger } = idle();
    const first = ledger.drift('c', 5_000);
    const second = ledger.drift('c', 6_000);
    ledger.end(first);
    const third = ledger.drift('c', 7_000);
    ledger.end(second);
    expect(w.process('c').clock.driftPpm).toBe(7_000);
    ledger.end(third);
    expect(w.process('c').clock.driftPpm).toBe(0); // c's own rate, remembered from before the first
  });

  /** A world whose setDrift calls are listed (each is a trace event: the run's trace hash sees them). */
  function spied(): { w: World; ledger: FaultLedger; calls: number[] } {
    const { w, ledger } = idle();
    const calls: number[] = [];
    const setDrift = w.setDrift.bind(w);
    w.setDrift = (name: string, ppm: number): void => {
      calls.push(ppm);
      setDrift(name, ppm);
    };
    return { w, ledger, calls };
  }

  it('ending a drift that leaves the rate as it was does not touch the clock', () => {
    const { ledger, calls } = spied();
    const first = ledger.drift('c', 4_000);
    ledger.drift('c', 4_000);
    expect(ledger.end(first)).toBe(true);
    expect(calls).toEqual([4_000, 4_000]);
  });

  it('ending an earlier of three drifts, or a drift to the declared rate, does not touch the clock', () => {
    const three = spied();
    const first = three.ledger.drift('c', 1_000);
    three.ledger.drift('c', 2_000);
    three.ledger.drift('c', 3_000);
    three.ledger.end(first);
    expect(three.calls).toEqual([1_000, 2_000, 3_000]);
    const same = spied();
    same.ledger.end(same.ledger.drift('b', 20_000));
    expect(same.calls).toEqual([20_000]);
  });
});

describe('the fault ledger: ending', () => {
  it('ends an effect once: a second end, or an unknown id, changes nothing', () => {
    const { w, ledger } = idle();
    const p = ledger.pause('a');
    expect(ledger.isOpen(p)).toBe(true);
    expect(ledger.end(p)).toBe(true);
    expect(ledger.isOpen(p)).toBe(false);
    ledger.pause('a');
    expect(ledger.end(p)).toBe(false);
    expect(w.process('a').state).toBe('paused');
    expect(ledger.end(12345)).toBe(false);
  });

  it('endAll ends every open effect, latest first, and counts them', () => {
    const { w, ledger } = idle();
    const ab = w.network.link('a', 'b');
    ledger.drift('b', 1_000);
    ledger.links([ab], { mode: 'drop', loss: 0.5 });
    ledger.drift('b', 2_000);
    ledger.pause('c');
    const ended = ledger.pause('c');
    ledger.end(ended);
    expect(ledger.endAll()).toBe(4);
    expect([ab.mode, ab.lossProbability, w.process('b').clock.driftPpm, w.process('c').state]).toEqual(['up', 0, 20_000, 'running']);
    expect(ledger.endAll()).toBe(0);
  });

  it('endAll unwinds drifts latest first: each end steps the clock back one rate', () => {
    const { w, ledger } = idle();
    const rates: number[] = [];
    const setDrift = w.setDrift.bind(w);
    ledger.drift('c', 1_000);
    ledger.drift('c', 2_000);
    ledger.drift('c', 3_000);
    w.setDrift = (name: string, ppm: number): void => {
      rates.push(ppm);
      setDrift(name, ppm);
    };
    ledger.endAll();
    expect(rates).toEqual([2_000, 1_000, 0]);
  });

  it('ids are distinct across kinds', () => {
    const { w, ledger } = idle();
    const ids = [ledger.pause('a'), ledger.crash('b'), ledger.drift('c', 1), ledger.links([w.network.link('a', 'c')], { mode: 'hold' })];
    expect(new Set(ids).size).toBe(4);
  });
});
