/**
 * The protected resource's fenced rule, as a client of the resource lives it: requests sent over
 * the simulated network to the resource process (src/workload/resource.ts), replies read back,
 * and the writes the resource reported to the checkers.
 */
import { describe, expect, it } from 'vitest';
import type { ResourceWrite } from '../../src/check/history.ts';
import { RealClock } from '../../src/real/clock.ts';
import { ResourceServer, connectResource } from '../../src/real/resource-server.ts';
import { endpoint } from '../../src/sim/rpc.ts';
import { World, seconds } from '../../src/sim/index.ts';
import { addResource, RESOURCE_MODES, ResourceRegister, type ResourceMode, type ResourceReply, type ResourceRequest } from '../../src/workload/resource.ts';

type Write = Extract<ResourceRequest, { op: 'write' }>;

/** Sends `requests` in order from one client process to a simulated resource; returns the replies and the writes it reported. */
async function throughResource(mode: ResourceMode, requests: readonly ResourceRequest[]): Promise<{ replies: ResourceReply[]; writes: ResourceWrite[] }> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 1 } });
  const writes: ResourceWrite[] = [];
  const replies: ResourceReply[] = [];
  addResource(world, 'resource', mode, (w) => writes.push(w));
  world.addProcess('client-1', async (ctx) => {
    for (const request of requests) replies.push((await endpoint(ctx).request('resource', request, 1_000)) as ResourceReply);
  });
  await world.run({ until: seconds(10) });
  expect(replies).toHaveLength(requests.length);
  return { replies, writes };
}

const write = (token: number | undefined, lease: string | undefined, value = 1): Write => ({ op: 'write', value, readValue: value - 1, token, lease });
const accepted = (replies: readonly ResourceReply[]): boolean[] => replies.map((r) => r.op === 'write' && r.accepted);

describe('the compare-and-set resource', () => {
  it('accepts a write based on the current value, refuses one based on an older value, whatever the tokens', () => {
    const register = new ResourceRegister('cas');
    expect(register.write({ op: 'write', value: 1, readValue: 0, token: 9, lease: 'a' })).toStrictEqual({ accepted: true, before: 0 });
    expect(register.write({ op: 'write', value: 1, readValue: 0, token: 10, lease: 'b' })).toStrictEqual({ accepted: false, reason: 'based on 0, value is 1', before: 1 });
    expect(register.write({ op: 'write', value: 2, readValue: 1, token: 1, lease: 'c' })).toStrictEqual({ accepted: true, before: 1 });
    expect(register.read({ op: 'read', token: 1 })).toBe(2);
  });
});

describe('the fenced resource', () => {
  it('refuses a lower token, accepts an equal token from the lease that first presented it, refuses it from another lease, accepts a higher one', async () => {
    const { replies, writes } = await throughResource('fenced', [
      write(5, 'lease-a', 1), // first token seen: accepted
      write(4, 'lease-b', 2), // lower: refused
      write(5, 'lease-a', 2), // equal, same lease: accepted
      write(5, 'lease-c', 3), // equal, another lease (a reused token): refused
      write(6, 'lease-c', 3), // higher: accepted
      write(5, 'lease-a', 4), // now lower: refused, even for the lease that first presented 5
    ]);
    expect(accepted(replies)).toEqual([true, false, true, false, true, false]);
    expect(writes.map((w) => [w.token, w.lease, w.accepted])).toEqual([
      [5, 'lease-a', true],
      [4, 'lease-b', false],
      [5, 'lease-a', true],
      [5, 'lease-c', false],
      [6, 'lease-c', true],
      [5, 'lease-a', false],
    ]);
    expect(writes[1]?.reason).toBe('stale token 4 < 5');
    expect(writes[3]?.reason).toContain('another lease');
  });

  it('checks tokens on reads too: a stale write that lands between a newer holder\'s read and write is refused', async () => {
    // client-2 reads under token 2; client-1's delayed write under token 1 arrives next. Fencing
    // writes alone would accept it (the highest write token seen is still none) and client-2's
    // increment would then overwrite it: a lost update that fencing exists to prevent.
    const { replies } = await throughResource('fenced', [{ op: 'read', token: 2, lease: 'lease-2' }, write(1, 'lease-1', 1), write(2, 'lease-2', 1)]);
    expect(accepted(replies.slice(1))).toEqual([false, true]);
    const unfencedReads = await throughResource('fenced', [{ op: 'read' }, write(1, 'lease-1', 1)]);
    expect(accepted(unfencedReads.replies.slice(1))).toEqual([true]);
  });

  it('refuses a write without a token, and an equal token from a write that does not say its lease', async () => {
    const { replies } = await throughResource('fenced', [write(undefined, 'lease-a'), write(1, 'lease-a'), write(1, undefined, 2)]);
    expect(accepted(replies)).toEqual([false, true, false]);
  });

  it('the value only moves with accepted writes; an unguarded resource accepts everything', async () => {
    const fenced = await throughResource('fenced', [write(2, 'a', 1), write(1, 'b', 7), { op: 'read' }]);
    expect(fenced.replies[2]).toEqual({ op: 'read', value: 1 });
    const unguarded = await throughResource('unguarded', [write(2, 'a', 1), write(1, 'b', 7), write(1, 'c', 8)]);
    expect(accepted(unguarded.replies)).toEqual([true, true, true]);
  });

  it('a read never lowers the token it remembers, and takes no first presenter from a read under an equal token', async () => {
    // A read without a token, or under a lower one, after a write under 2: the stale write under 1 is still refused.
    const { replies } = await throughResource('fenced', [write(2, 'a', 1), { op: 'read' }, { op: 'read', token: 1, lease: 'b' }, write(1, 'b', 2)]);
    expect(accepted(replies)).toEqual([true, false, false, false]);
    // A read under the highest token by another lease: the lease that first presented it may still write.
    const equal = await throughResource('fenced', [write(5, 'a', 1), { op: 'read', token: 5, lease: 'b' }, write(5, 'a', 2), write(5, 'b', 3)]);
    expect(accepted(equal.replies)).toEqual([true, false, true, false]);
  });

  it('two writes that do not say their lease cannot be told apart: an equal token from the second is refused', () => {
    const register = new ResourceRegister('fenced');
    expect([register.write(write(1, undefined, 1)).accepted, register.write(write(1, undefined, 2)).accepted]).toEqual([true, false]);
    expect(register.value).toBe(1);
  });

  it('an outcome says why only when the write was refused, and what the value was before', () => {
    const register = new ResourceRegister('fenced');
    expect(register.write(write(1, 'a', 4))).toStrictEqual({ accepted: true, before: 0 });
    expect(register.write(write(0, 'b', 9))).toStrictEqual({ accepted: false, reason: 'stale token 0 < 1', before: 4 });
  });

  it('registers every mode a scenario may name', () => {
    expect(RESOURCE_MODES).toEqual(['unguarded', 'fenced', 'cas']);
  });

  it('the register restarts empty (as a restarted resource process does)', () => {
    const register = new ResourceRegister('fenced');
    expect(register.write(write(3, 'a')).accepted).toBe(true);
    expect(register.write(write(3, 'b')).accepted).toBe(false);
    register.reset();
    expect(register.value).toBe(0);
    expect(register.write(write(1, 'b')).accepted).toBe(true);
  });

  it('the real-mode resource server applies the same rule to the same requests', async () => {
    const requests = [write(5, 'lease-a', 1), write(4, 'lease-b', 2), write(5, 'lease-a', 2), write(5, 'lease-c', 3), write(6, 'lease-c', 3), write(undefined, 'lease-d', 4)];
    const simulated = await throughResource('fenced', requests);
    const server = await ResourceServer.start({ mode: 'fenced', now: () => 0, random: () => 0.5 });
    const connection = await connectResource(server.port, 'client-1', new RealClock());
    try {
      const replies: ResourceReply[] = [];
      for (const request of requests) replies.push((await connection.link(request, 2_000)) as ResourceReply);
      expect(replies).toEqual(simulated.replies.map((r) => JSON.parse(JSON.stringify(r)) as ResourceReply));
      expect(server.writes.map((w) => [w.token, w.lease, w.accepted, w.reason])).toEqual(simulated.writes.map((w) => [w.token, w.lease, w.accepted, w.reason]));
    } finally {
      connection.close();
      await server.close();
    }
  });
});
