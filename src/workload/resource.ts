import type { ResourceWrite } from '../check/history.ts';
import type { World } from '../sim/world.ts';
import { endpoint } from '../sim/rpc.ts';

/**
 * How the protected resource guards itself: `unguarded` accepts every write; `fenced` checks the
 * write's fencing token (the rule is {@link ResourceRegister.write}'s, atomically, in one step);
 * `cas` accepts a write only if the value it was based on is still the current one.
 */
/** The protected resource's process name in a simulated world. */
export const RESOURCE_PROCESS = 'resource';

export type ResourceMode = 'unguarded' | 'fenced' | 'cas';
export const RESOURCE_MODES: readonly ResourceMode[] = ['unguarded', 'fenced', 'cas'];

export type ResourceRequest =
  | {
      readonly op: 'read';
      /** The fencing token and lease the read is made under: a fenced resource checks tokens on every request. */
      readonly token?: number;
      readonly lease?: string;
    }
  | {
      readonly op: 'write';
      readonly value: number;
      readonly readValue: number;
      readonly token?: number;
      /** The value of the lease the write is made under: it tells two leases that carry the same token apart. */
      readonly lease?: string;
    };

export type ResourceReply =
  | { readonly op: 'read'; readonly value: number }
  | { readonly op: 'write'; readonly accepted: boolean; readonly reason?: string };

/** What {@link ResourceRegister.write} decided: whether the write was applied, and why not. */
export interface WriteOutcome {
  readonly accepted: boolean;
  readonly reason?: string;
  /** The register's value just before the write. */
  readonly before: number;
}

/**
 * The protected resource's state and rule, shared by the simulated resource ({@link addResource})
 * and the real-mode server (src/real/resource-server.ts), so both behave alike.
 *
 * The fenced rule, for a write carrying token `t` under lease `L`, with `h` the highest token
 * of a write accepted so far and `H` the lease that first presented `h`:
 * - no token: refused;
 * - `t < h`: refused (a stale token);
 * - `t = h`: accepted only if `L` is `H` (the holder that presented `h` may write again; a second
 *   lease that was handed the same number, by a counter that went back, is refused; so is a
 *   write that does not say which lease it is under);
 * - `t > h`: accepted, and `t` becomes the highest, first presented by `L`.
 *
 * The resource checks tokens on every request, as Kleppmann's fencing does: a read under a higher
 * token raises `h` too. Otherwise a holder that read under token 2 could lose its update to a
 * stale holder's token-1 write that happens to land between its read and its write.
 */
export class ResourceRegister {
  value = 0;
  private highestToken = Number.NEGATIVE_INFINITY;
  private highestLease: string | undefined;

  constructor(readonly mode: ResourceMode) {}

  /** Applies the write if the mode's rule allows it. */
  write(request: Extract<ResourceRequest, { op: 'write' }>): WriteOutcome {
    const before = this.value;
    let reason: string | undefined;
    if (this.mode === 'fenced') {
      const { token, lease } = request;
      if (token === undefined) reason = 'no fencing token';
      else if (token < this.highestToken) reason = `stale token ${token} < ${this.highestToken}`;
      else if (token === this.highestToken && (lease === undefined || lease !== this.highestLease)) {
        reason = `token ${token} was first presented by another lease`;
      }
    } else if (this.mode === 'cas' && request.readValue !== this.value) {
      reason = `based on ${request.readValue}, value is ${this.value}`;
    }
    const accepted = reason === undefined;
    if (accepted) {
      this.value = request.value;
      if (request.token !== undefined && request.token > this.highestToken) {
        this.highestToken = request.token;
        this.highestLease = request.lease;
      }
    }
    return reason === undefined ? { accepted, before } : { accepted, reason, before };
  }

  /** Serves a read: the value; a fenced resource remembers a higher token the read presents. */
  read(request: Extract<ResourceRequest, { op: 'read' }>): number {
    if (this.mode === 'fenced' && request.token !== undefined && request.token > this.highestToken) {
      this.highestToken = request.token;
      this.highestLease = request.lease;
    }
    return this.value;
  }

  /** Back to a fresh register (a restart): value 0, no token seen. */
  reset(): void {
    this.value = 0;
    this.highestToken = Number.NEGATIVE_INFINITY;
    this.highestLease = undefined;
  }
}

/**
 * The protected resource: a counter served by its own simulated process, reached over the
 * network (so a write can be delayed past a lease's expiry), guarded by {@link ResourceRegister}'s
 * rule. It reports every write it applies or refuses, in true time, to `onWrite` as it happens:
 * the checkers' view of the damage.
 */
export function addResource(world: World, name: string, mode: ResourceMode, onWrite: (write: ResourceWrite) => void): void {
  world.addProcess(name, (ctx) => {
    const register = new ResourceRegister(mode);
    endpoint(ctx).serve((from, body): ResourceReply => {
      const request = body as ResourceRequest;
      if (request.op === 'read') return { op: 'read', value: register.read(request) };
      const { accepted, reason, before } = register.write(request);
      onWrite({ at: world.now, process: from, value: request.value, readValue: request.readValue, token: request.token, lease: request.lease, accepted, before, reason });
      return { op: 'write', accepted, reason };
    });
  });
}
