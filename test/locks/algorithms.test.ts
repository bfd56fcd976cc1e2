/**
 * Tests of the algorithms' own logic on fake nodes and a manual clock (no Redis needed):
 * options and names, timeouts and timer hygiene, errors counting as "no", retry delays.
 */
import { describe, expect, it } from 'vitest';
import {
  COMPARE_AND_DELETE_SCRIPT,
  COMPARE_AND_PEXPIRE_SCRIPT,
  RECREATE_MISSING_SCRIPT,
  fencing,
  lease,
  quorumOf,
  redlock,
  singleInstance,
  type LockContext,
  type RedisLike,
} from '../../src/locks/index.ts';
import { ManualClock } from './manual-clock.ts';
import { fixedRandom, scriptedNode, silentNode } from './helpers.ts';

/** A fake node that grants every SET and answers 1 to every script. */
function yesNode() {
  return scriptedNode((command) => (command === 'SET' ? 'OK' : command === 'INCR' ? 7 : 1));
}

function ctx(nodes: RedisLike[], clock = new ManualClock()): LockContext {
  return { nodes, clock, random: fixedRandom(0.5) };
}

/** Lets pending promise continuations run (the fakes answer in microtasks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('names and options', () => {
  it('names reflect non-default options only', () => {
    const nodes = [yesNode(), yesNode(), yesNode()];
    expect(redlock()(ctx(nodes)).name).toBe('redlock');
    expect(redlock({ release: 'del' })(ctx(nodes)).name).toBe('redlock(release=del)');
    expect(redlock({ checkValidity: false, driftFactor: 0, timeSource: 'wall' })(ctx(nodes)).name).toBe(
      'redlock(timeSource=wall,driftFactor=0,checkValidity=false)',
    );
    expect(redlock({ release: 'compare-and-delete' })(ctx(nodes)).name).toBe('redlock');
    expect(singleInstance()(ctx(nodes)).name).toBe('single-instance');
    expect(singleInstance({ node: 2, extend: 'pexpire', retryCount: 0 })(ctx(nodes)).name).toBe('single-instance(node=2,extend=pexpire,retryCount=0)');
    expect(lease(redlock())(ctx(nodes)).name).toBe('lease(redlock)');
    expect(lease(singleInstance(), { renewal: 'recreate-missing', maxRenewals: 3 })(ctx(nodes)).name).toBe(
      'lease(single-instance; maxRenewals=3,renewal=recreate-missing)',
    );
    expect(fencing(lease(redlock({ releaseOnFailure: false })))(ctx(nodes)).name).toBe(
      'fencing(lease(redlock(releaseOnFailure=false)))',
    );
    expect(fencing(redlock(), { node: 1, tokenKey: (r) => `t:${r}` })(ctx(nodes)).name).toBe('fencing(redlock; node=1,tokenKey=custom)');
  });

  it('rejects bad options', () => {
    const nodes = [yesNode()];
    expect(() => singleInstance({ node: 1 })(ctx(nodes))).toThrow(RangeError);
    expect(() => redlock({ driftFactor: -1 })(ctx(nodes))).toThrow(RangeError);
    expect(() => redlock({ retryCount: 1.5 })(ctx(nodes))).toThrow(RangeError);
    expect(() => redlock()(ctx([]))).toThrow(RangeError);
    expect(() => lease(redlock(), { renewFraction: 1 })(ctx(nodes))).toThrow(RangeError);
    expect(() => fencing(redlock(), { node: 3 })(ctx(nodes))).toThrow(RangeError);
    const noExtend = () => ({ name: 'x', acquire: async () => null, release: async () => {} });
    expect(() => lease(noExtend)(ctx(nodes))).toThrow(TypeError);
    expect(() => lease(noExtend, { renewal: 'recreate-missing' })(ctx(nodes))).toThrow(TypeError);
  });

  it('rejects a TTL Redis would refuse', async () => {
    await expect(redlock()(ctx([yesNode()])).acquire('r', 10.5)).rejects.toThrow(RangeError);
    await expect(singleInstance()(ctx([yesNode()])).acquire('r', 0)).rejects.toThrow(RangeError);
  });

  it('quorum is floor(N/2)+1', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumOf)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });
});

describe('commands sent', () => {
  it('single-instance: SET NX PX, compare-and-delete, compare-and-pexpire', async () => {
    const node = yesNode();
    const lock = singleInstance()(ctx([node]));
    const held = await lock.acquire('res', 1000);
    expect(held).not.toBeNull();
    await lock.extend!(held!, 2000);
    await lock.release(held!);
    const value = held!.value;
    expect(node.calls).toEqual([
      ['SET', ['res', value, 'NX', 'PX', 1000]],
      ['EVAL', [COMPARE_AND_PEXPIRE_SCRIPT, 1, 'res', value, 2000]],
      ['EVAL', [COMPARE_AND_DELETE_SCRIPT, 1, 'res', value]],
    ]);
  });

  it('flawed variants send plain DEL, plain PEXPIRE, and the re-creating script', async () => {
    const node = yesNode();
    const clock = new ManualClock();
    const lock = lease(singleInstance({ release: 'del', extend: 'pexpire' }), { renewal: 'recreate-missing' })(ctx([node], clock));
    const held = await lock.acquire('res', 900);
    clock.advance(300);
    await settle();
    await lock.release(held!);
    const plain = singleInstance({ release: 'del', extend: 'pexpire' })(ctx([node]));
    await plain.extend!(held!, 500);
    expect(node.calls.slice(1)).toEqual([
      ['EVAL', [RECREATE_MISSING_SCRIPT, 1, 'res', held!.value, 900]],
      ['DEL', ['res']],
      ['PEXPIRE', ['res', 500]],
    ]);
  });

  it('tokens come from the Random', async () => {
    const lock = redlock()(ctx([yesNode()]));
    const a = await lock.acquire('r', 1000);
    const b = await lock.acquire('s', 1000);
    expect(a!.value).toBe('0'.repeat(32));
    expect(b!.value).toBe('0'.repeat(31) + '1');
  });
});

describe('timeouts, errors and timers', () => {
  it('a node that never answers counts as a no after timeoutMs, and its late timer is gone', async () => {
    const clock = new ManualClock();
    const nodes = [yesNode(), yesNode(), silentNode()];
    const lock = redlock({ timeoutMs: 40, retryCount: 0 })(ctx(nodes, clock));
    const start = clock.monotonic();
    const pending = lock.acquire('r', 1000);
    await settle();
    expect(clock.pendingTimers()).toBe(1); // the two answered nodes' timers were cancelled
    clock.advance(40);
    const held = await pending;
    expect(held).not.toBeNull();
    expect(held!.nodesLocked).toBe(2);
    expect(held!.elapsedMs).toBe(40);
    expect(held!.validUntil).toBe(start + 1000 - (1000 * 0.01 + 2));
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejecting nodes count as no; nothing is left unhandled, even a rejection after the timeout', async () => {
    const clock = new ManualClock();
    let rejectLate: (error: Error) => void = () => {};
    const late = scriptedNode(() => new Promise((_, reject) => (rejectLate = reject)));
    const failing = scriptedNode(() => {
      throw new Error('ERR node down');
    });
    const lock = redlock({ timeoutMs: 10, retryCount: 0 })(ctx([yesNode(), failing, late], clock));
    const pending = lock.acquire('r', 1000);
    await settle();
    clock.advance(10);
    await settle();
    // Clean-up after failure: releases sent to all three, the late node again never answers.
    clock.advance(10);
    expect(await pending).toBeNull();
    rejectLate(new Error('too late'));
    await settle();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a synchronously throwing node counts as no', async () => {
    const throwing: RedisLike = {
      call() {
        throw new Error('boom');
      },
    };
    const lock = redlock({ retryCount: 0 })(ctx([yesNode(), throwing, throwing]));
    expect(await lock.acquire('r', 1000)).toBeNull();
  });

  it('retries wait retryDelayMs + jitter in [0, retryJitterMs), then give up after 1 + retryCount attempts', async () => {
    const clock = new ManualClock();
    const refusing = scriptedNode((command) => (command === 'SET' ? null : 0));
    const lock = singleInstance({ retryCount: 2, retryDelayMs: 100, retryJitterMs: 50 })(ctx([refusing], clock));
    const pending = lock.acquire('r', 1000);
    for (let i = 0; i < 2; i++) {
      await settle();
      expect(clock.pendingSleeps()).toBe(1);
      clock.advance(125);
    }
    expect(await pending).toBeNull();
    expect(clock.sleeps).toEqual([125, 125]); // 100 + floor(0.5 * 50)
    expect(refusing.calls.filter(([command]) => command === 'SET')).toHaveLength(3);
    // A nil reply means someone else's key: the single-instance lock sends no clean-up.
    expect(refusing.calls.filter(([command]) => command !== 'SET')).toHaveLength(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('fencing: a failed INCR releases the lease and gives null', async () => {
    const node = scriptedNode((command) => {
      if (command === 'INCR') throw new Error('READONLY');
      return command === 'SET' ? 'OK' : 1;
    });
    const lock = fencing(singleInstance())(ctx([node]));
    expect(await lock.acquire('r', 1000)).toBeNull();
    expect(node.calls.map(([command]) => command)).toEqual(['SET', 'INCR', 'EVAL']);
  });
});
