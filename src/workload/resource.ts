import type { ResourceWrite } from '../check/history.ts';
import type { World } from '../sim/world.ts';
import { endpoint } from '../sim/rpc.ts';

/**
 * How the protected resource guards itself: `unguarded` accepts every write; `fenced` refuses a
 * write whose fencing token is lower than the highest it has seen (atomically, in one step);
 * `cas` accepts a write only if the value it was based on is still the current one.
 */
export type ResourceMode = 'unguarded' | 'fenced' | 'cas';
export const RESOURCE_MODES: readonly ResourceMode[] = ['unguarded', 'fenced', 'cas'];

export type ResourceRequest =
  | { readonly op: 'read' }
  | { readonly op: 'write'; readonly value: number; readonly readValue: number; readonly token?: number };

export type ResourceReply =
  | { readonly op: 'read'; readonly value: number }
  | { readonly op: 'write'; readonly accepted: boolean; readonly reason?: string };

/**
 * The protected resource: a counter served by its own simulated process, reached over the
 * network (so a write can be delayed past a lease's expiry). It reports every write it applies
 * or refuses, in true time, to `onWrite` as it happens: the checkers' view of the damage.
 */
export function addResource(world: World, name: string, mode: ResourceMode, onWrite: (write: ResourceWrite) => void): void {
  world.addProcess(name, (ctx) => {
    let value = 0;
    let highestToken = Number.NEGATIVE_INFINITY;
    endpoint(ctx).serve((from, body): ResourceReply => {
      const request = body as ResourceRequest;
      if (request.op === 'read') return { op: 'read', value };
      let reason: string | undefined;
      if (mode === 'fenced') {
        if (request.token === undefined) reason = 'no fencing token';
        else if (request.token < highestToken) reason = `stale token ${request.token} < ${highestToken}`;
      } else if (mode === 'cas' && request.readValue !== value) {
        reason = `based on ${request.readValue}, value is ${value}`;
      }
      const accepted = reason === undefined;
      onWrite({ at: world.now, process: from, value: request.value, readValue: request.readValue, token: request.token, accepted, before: value, reason });
      if (accepted) {
        value = request.value;
        if (request.token !== undefined) highestToken = Math.max(highestToken, request.token);
      }
      return { op: 'write', accepted, reason };
    });
  });
}
