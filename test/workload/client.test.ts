/**
 * The client loop (src/workload/client.ts), run against a scripted lock, a scripted resource and
 * a clock whose sleeps pass at once: what it records in the history, in which order, what it
 * sends to the resource, and the durations it draws; a lost lease and a validity that runs out
 * stop it before the write.
 */
import { describe, expect, it } from 'vitest';
import type { Clock, Lease, LockAlgorithm } from '../../src/locks/interface.ts';
import { runClient, type ClientEnvironment, type WorkloadOptions } from '../../src/workload/client.ts';
import type { ResourceReply, ResourceRequest } from '../../src/workload/resource.ts';

/** A clock whose sleeps resolve at once, moving both its times on; the wall clock is `wallOffset` ahead. */
class InstantClock implements Clock {
  mono = 1_000;
  wallOffset = 1_000_000;
  readonly sleeps: number[] = [];
  /** Called after each sleep (the test moves time, aborts a lease, ...). */
  afterSleep: (n: number) => void = () => {};
  now(): number {
    return this.mono + this.wallOffset;
  }
  monotonic(): number {
    return this.mono;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.mono += ms;
    this.afterSleep(this.sleeps.length);
    return Promise.resolve();
  }
  setTimer(): () => void {
    throw new Error('not used by the client loop');
  }
}

type Event = [string, string, Record<string, unknown>?];

interface Harness {
  readonly clock: InstantClock;
  readonly events: Event[];
  readonly requests: { request: ResourceRequest; timeoutMs: number; at: number }[];
  readonly draws: [number, number][];
  readonly released: Lease[];
}

interface Script {
  /** What each acquire does, in order: a lease, null, or an error to throw. */
  readonly acquires: readonly (Lease | null | Error | string)[];
  /** What the resource replies, by request (default: read 7, write accepted). */
  readonly reply?: (request: ResourceRequest, clock: InstantClock) => ResourceReply | null;
  readonly release?: (lease: Lease) => void;
  readonly random?: (min: number, max: number) => number;
}

const lease = (extra: Partial<Lease> = {}): Lease => ({ resource: 'k', value: 'v1', validUntil: 1_000_000, timeSource: 'monotonic', fencingToken: 4, ...extra });
const base: WorkloadOptions = { resource: 'k', ttlMs: 500, workMs: { min: 100, max: 100 }, thinkMs: { min: 30, max: 30 }, startMs: { min: 0, max: 0 }, iterations: 1 };

async function run(script: Script, options: Partial<WorkloadOptions> = {}, setup: (h: Harness) => void = () => {}): Promise<Harness> {
  const h: Harness = { clock: new InstantClock(), events: [], requests: [], draws: [], released: [] };
  setup(h);
  let acquires = 0;
  const lock: LockAlgorithm = {
    name: 'scripted',
    acquire: async (resource, ttlMs) => {
      expect([resource, ttlMs]).toEqual([options.resource ?? base.resource, options.ttlMs ?? base.ttlMs]);
      const next = script.acquires[acquires++];
      if (next === undefined) throw new Error('the script ran out of acquires');
      if (next instanceof Error || typeof next === 'string') throw next;
      return next;
    },
    release: async (l) => {
      h.released.push(l);
      script.release?.(l);
    },
  };
  const env: ClientEnvironment = {
    clock: h.clock,
    random: {
      between: (min, max) => {
        h.draws.push([min, max]);
        return script.random === undefined ? min + (max - min) / 4 : script.random(min, max);
      },
    },
    record: (kind, phase, details) => h.events.push(details === undefined ? [kind, phase] : [kind, phase, { ...details }]),
    resource: async (request, timeoutMs) => {
      h.requests.push({ request, timeoutMs, at: h.clock.mono });
      if (script.reply !== undefined) return script.reply(request, h.clock);
      return request.op === 'read' ? { op: 'read', value: 7 } : { op: 'write', accepted: true };
    },
  };
  await runClient(env, lock, { ...base, ...options });
  return h;
}

const kinds = (h: Harness): string[] => h.events.map(([kind, phase]) => `${kind} ${phase}`);

describe('the client loop', () => {
  it('runs acquire, read, write of the value read plus one, release, think; and records each step', async () => {
    const h = await run({ acquires: [lease()] });
    const view = { value: 'v1', validUntil: 1_000_000, timeSource: 'monotonic', fencingToken: 4 };
    expect(h.events).toEqual([
      ['acquire', 'invoke', { resource: 'k' }],
      ['acquire', 'ok', { resource: 'k', lease: view }],
      ['read', 'invoke', {}],
      ['read', 'ok', { value: 7 }],
      ['write', 'invoke', { value: 8, readValue: 7, token: 4, lease: view }],
      ['write', 'ok', { value: 8, accepted: true, reason: undefined }],
      ['release', 'invoke', { resource: 'k', lease: view }],
      ['release', 'ok', { resource: 'k' }],
    ]);
    expect(h.requests.map((r) => r.request)).toEqual([
      { op: 'read', token: 4, lease: 'v1' },
      { op: 'write', value: 8, readValue: 7, token: 4, lease: 'v1' },
    ]);
    expect(h.requests.map((r) => r.timeoutMs)).toEqual([5_000, 5_000]);
    expect(h.released).toHaveLength(1);
    // start (0), work (100), think (30): fixed ranges draw nothing random
    expect(h.clock.sleeps).toEqual([0, 100, 30]);
    expect(h.draws).toEqual([]);
  });

  it('works between the read and the write', async () => {
    const h = await run({ acquires: [lease()] }, { workMs: { min: 200, max: 200 } });
    expect(h.requests.map((r) => r.at - 1_000)).toEqual([0, 200]);
  });

  it('draws start, work and think times from their ranges, from the workload\'s own stream', async () => {
    const h = await run({ acquires: [lease()] }, { startMs: { min: 10, max: 50 }, workMs: { min: 100, max: 300 }, thinkMs: { min: 20, max: 60 } });
    expect(h.draws).toEqual([[10, 50], [100, 300], [20, 60]]);
    expect(h.clock.sleeps).toEqual([20, 150, 30]);
  });

  it('starts within 0-50 ms by default; a range whose max is not above its min is its min', async () => {
    const h = await run({ acquires: [lease()] }, { startMs: undefined, workMs: { min: 80, max: 20 }, resourceTimeoutMs: 250 });
    expect(h.draws).toEqual([[0, 50]]);
    expect(h.clock.sleeps).toEqual([12.5, 80, 30]);
    expect(h.requests.map((r) => r.timeoutMs)).toEqual([250, 250]);
  });

  it('counts only acquires that succeeded, thinking after each failure; records an error and then "not acquired"', async () => {
    const h = await run({ acquires: [null, new Error('quorum not reached'), 'a string', lease(), lease({ value: 'v2' })] }, { iterations: 2 });
    expect(kinds(h)).toEqual([
      'acquire invoke', 'acquire fail',
      'acquire invoke', 'acquire fail', 'acquire fail',
      'acquire invoke', 'acquire fail', 'acquire fail',
      'acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'write invoke', 'write ok', 'release invoke', 'release ok',
      'acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'write invoke', 'write ok', 'release invoke', 'release ok',
    ]);
    expect(h.events.filter(([kind, phase]) => kind === 'acquire' && phase === 'fail').map(([, , d]) => d)).toEqual([
      { resource: 'k', reason: 'not acquired' },
      { resource: 'k', reason: 'quorum not reached' },
      { resource: 'k', reason: 'not acquired' },
      { resource: 'k', reason: 'a string' },
      { resource: 'k', reason: 'not acquired' },
    ]);
    // start, think ×3 after failures, then work + think twice
    expect(h.clock.sleeps).toEqual([0, 30, 30, 30, 100, 30, 100, 30]);
  });

  it('records a release that fails, and goes on', async () => {
    const h = await run({ acquires: [lease()], release: () => { throw new Error('connection closed'); } });
    expect(h.events.slice(-2)).toEqual([
      ['release', 'invoke', expect.anything()],
      ['release', 'fail', { resource: 'k', reason: 'connection closed' }],
    ]);
    expect(h.clock.sleeps.at(-1)).toBe(30);
  });

  it('gives up the section when the resource does not answer the read, or answers something else', async () => {
    for (const reply of [null, { op: 'write', accepted: true } as const]) {
      const h = await run({ acquires: [lease()], reply: () => reply });
      expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'read fail', 'release invoke', 'release ok']);
      expect(h.events[3]).toEqual(['read', 'fail', { reason: 'resource did not answer' }]);
      expect(h.clock.sleeps).toEqual([0, 30]);
    }
  });

  it('records a write the resource did not answer, and one it refused', async () => {
    for (const written of [null, { op: 'read', value: 1 } as const]) {
      const h = await run({ acquires: [lease()], reply: (r) => (r.op === 'read' ? { op: 'read', value: 2 } : written) });
      expect(h.events[5]).toEqual(['write', 'fail', { value: 3, reason: 'resource did not answer' }]);
    }
    const refused = await run({ acquires: [lease()], reply: (r) => (r.op === 'read' ? { op: 'read', value: 2 } : { op: 'write', accepted: false, reason: 'stale token' }) });
    expect(refused.events[5]).toEqual(['write', 'fail', { value: 3, accepted: false, reason: 'stale token' }]);
  });
});

describe('a lost lease', () => {
  it('lost before the section: recorded once, with the signal\'s reason; no read, no write; still released', async () => {
    const controller = new AbortController();
    controller.abort(new Error('renewal failed'));
    const h = await run({ acquires: [lease({ signal: controller.signal })] });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'lost info', 'release invoke', 'release ok']);
    expect(h.events[2]?.[2]).toMatchObject({ resource: 'k', reason: 'renewal failed', lease: { value: 'v1' } });
    expect(h.requests).toEqual([]);
  });

  it('lost during the work: no write; a reason that is not an Error reads "lease lost"', async () => {
    const controller = new AbortController();
    const h = await run({ acquires: [lease({ signal: controller.signal })] }, {}, (harness) => {
      harness.clock.afterSleep = (n) => {
        if (n === 2) controller.abort('gone');
      };
    });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'lost info', 'release invoke', 'release ok']);
    expect(h.events[4]?.[2]).toMatchObject({ reason: 'lease lost' });
    expect(h.requests.map((r) => r.request.op)).toEqual(['read']);
  });

  it('lost during the read: the section stops after the work, before the write', async () => {
    const controller = new AbortController();
    const h = await run({
      acquires: [lease({ signal: controller.signal })],
      reply: (r) => {
        if (r.op === 'read') controller.abort(new Error('expired'));
        return r.op === 'read' ? { op: 'read', value: 1 } : { op: 'write', accepted: true };
      },
    });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'lost info', 'read ok', 'release invoke', 'release ok']);
  });

  it('lost after the section (during the release) is not recorded: the client no longer listens', async () => {
    const controller = new AbortController();
    const h = await run({ acquires: [lease({ signal: controller.signal })], release: () => controller.abort(new Error('late')) });
    expect(kinds(h)).not.toContain('lost info');
  });

  it('a client that does not watch the signal writes anyway, and records no loss', async () => {
    const controller = new AbortController();
    controller.abort(new Error('renewal failed'));
    const h = await run({ acquires: [lease({ signal: controller.signal })] }, { watchLeaseSignal: false });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'write invoke', 'write ok', 'release invoke', 'release ok']);
  });

  it('each lease is watched on its own: the first one\'s loss does not stop the second section', async () => {
    const first = new AbortController();
    const h = await run({ acquires: [lease({ signal: first.signal }), lease({ value: 'v2' })], release: (l) => { if (l.value === 'v1') first.abort(new Error('x')); } }, { iterations: 2 });
    expect(kinds(h).filter((k) => k === 'write ok')).toHaveLength(2);
    expect(kinds(h)).not.toContain('lost info');
  });
});

describe('stopAtValidity: a careful client', () => {
  it('works in slices of at most 50 ms while the validity (less the margin) is far', async () => {
    const h = await run({ acquires: [lease({ validUntil: 1_000 + 10_000 })] }, { workMs: { min: 120, max: 120 }, stopAtValidity: { marginMs: 10 } });
    expect(h.clock.sleeps).toEqual([0, 50, 50, 20, 30]);
    expect(kinds(h)).toContain('write ok');
  });

  it('cuts its work short at the validity less the margin, and writes then', async () => {
    // Validity at mono 1 130, margin 20: work stops at 1 110 (110 ms in), on the dot.
    const h = await run({ acquires: [lease({ validUntil: 1_130 })] }, { workMs: { min: 300, max: 300 }, stopAtValidity: { marginMs: 20 } });
    expect(h.clock.sleeps).toEqual([0, 50, 50, 10, 30]);
    expect(h.requests.map((r) => [r.request.op, r.at])).toEqual([['read', 1_000], ['write', 1_110]]);
  });

  it('reads validity on the clock the lease names (wall)', async () => {
    const h = await run({ acquires: [lease({ validUntil: 1_001_130, timeSource: 'wall' })] }, { workMs: { min: 300, max: 300 }, stopAtValidity: { marginMs: 20 } });
    expect(h.clock.sleeps).toEqual([0, 50, 50, 10, 30]);
  });

  it('abandons the write when its own clock says the validity (less the margin) has passed', async () => {
    // A pause during the work: the clock is 45 ms past the margin when it looks again.
    const h = await run({ acquires: [lease({ validUntil: 1_130 })] }, { workMs: { min: 300, max: 300 }, stopAtValidity: { marginMs: 20 } }, (harness) => {
      harness.clock.afterSleep = (n) => {
        if (n === 3) harness.clock.mono += 35;
      };
    });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'abandon info', 'release invoke', 'release ok']);
    expect(h.events[4]?.[2]).toMatchObject({ lease: { value: 'v1' }, reason: 'validity (less the 20 ms margin) passed on own clock 25.0 ms ago' });
    expect(h.clock.sleeps).toEqual([0, 50, 50, 30]);
  });

  it('abandons at once when the validity has passed before the work starts', async () => {
    const h = await run({ acquires: [lease({ validUntil: 1_010 })] }, { stopAtValidity: { marginMs: 0 } }, (harness) => {
      harness.clock.mono = 1_000;
      harness.clock.afterSleep = (n) => {
        if (n === 1) harness.clock.mono += 15; // the start sleep overshoots: already 5 ms late at the read
      };
    });
    expect(kinds(h)).toContain('abandon info');
    expect(h.clock.sleeps).toEqual([0, 30]);
  });

  it('stops without abandoning when the lease is lost during a slice', async () => {
    const controller = new AbortController();
    const h = await run({ acquires: [lease({ signal: controller.signal, validUntil: 1_000 + 10_000 })] }, { workMs: { min: 300, max: 300 }, stopAtValidity: { marginMs: 20 } }, (harness) => {
      harness.clock.afterSleep = (n) => {
        if (n === 2) {
          controller.abort(new Error('x'));
          harness.clock.mono += 20_000; // far past validity too: still no abandon, the loss came first
        }
      };
    });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'lost info', 'release invoke', 'release ok']);
    expect(h.clock.sleeps).toEqual([0, 50, 30]);
  });
});

describe('checkValidityBeforeWrite', () => {
  it('abandons a write its own clock says is at or past the validity', async () => {
    const h = await run({ acquires: [lease({ validUntil: 1_100 })] }, { checkValidityBeforeWrite: true });
    expect(kinds(h)).toEqual(['acquire invoke', 'acquire ok', 'read invoke', 'read ok', 'abandon info', 'release invoke', 'release ok']);
    expect(h.events[4]?.[2]).toMatchObject({ lease: { value: 'v1' }, reason: 'validity passed on own clock (0.0 ms ago)' });
  });

  it('writes while the validity lasts; reads it on the lease\'s own time source', async () => {
    expect(kinds(await run({ acquires: [lease({ validUntil: 1_101 })] }, { checkValidityBeforeWrite: true }))).toContain('write ok');
    expect(kinds(await run({ acquires: [lease({ validUntil: 1_001_101, timeSource: 'wall' })] }, { checkValidityBeforeWrite: true }))).toContain('write ok');
    expect(kinds(await run({ acquires: [lease({ validUntil: 1_001_099, timeSource: 'wall' })] }, { checkValidityBeforeWrite: true }))).toContain('abandon info');
  });

  it('is off by default: a client writes past its validity', async () => {
    expect(kinds(await run({ acquires: [lease({ validUntil: 0 })] }))).toContain('write ok');
  });
});
