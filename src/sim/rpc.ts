import type { ProcessContext } from './process.ts';

/** What travels on the wire for request/reply between processes. */
export type Envelope =
  | { readonly t: 'req'; readonly id: number; readonly body: unknown }
  | { readonly t: 'rep'; readonly id: number; readonly body: unknown }
  | { readonly t: 'raw'; readonly body: unknown };

/** Thrown (rejected) when a request's reply did not come within its timeout. */
export class RequestTimeoutError extends Error {
  constructor(readonly to: string, readonly timeoutMs: number) {
    super(`no reply from ${to} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * Request/reply over the simulated network for one process incarnation. A process that only
 * serves (a Redis node, the protected resource) answers synchronously, so the kernel needs no
 * await barrier after its deliveries; one that sends requests awaits replies and gets one.
 * Replies are matched by id: a reply that comes after its request timed out is dropped, never
 * taken for the answer to a later request.
 */
export class Endpoint {
  private nextId = 0;
  private readonly pending = new Map<number, (body: unknown) => void>();
  private server: ((from: string, body: unknown) => unknown) | null = null;
  private raw: ((from: string, body: unknown) => void) | null = null;
  private requesting = false;
  /** Replies that arrived after their request had given up. */
  lateReplies = 0;

  constructor(private readonly ctx: ProcessContext) {
    this.register();
  }

  /** Sends `body` to `to`; resolves with the reply's body, or rejects on timeout. */
  request(to: string, body: unknown, timeoutMs?: number): Promise<unknown> {
    if (!this.requesting) {
      this.requesting = true;
      this.register();
    }
    const id = ++this.nextId;
    return new Promise<unknown>((resolve, reject) => {
      let cancelTimer: (() => void) | null = null;
      this.pending.set(id, (reply) => {
        cancelTimer?.();
        resolve(reply);
      });
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        cancelTimer = this.ctx.clock.setTimer(timeoutMs, () => {
          if (this.pending.delete(id)) reject(new RequestTimeoutError(to, timeoutMs));
        });
      }
      this.ctx.send(to, { t: 'req', id, body } satisfies Envelope);
    });
  }

  /** Answers every request synchronously with `handler`'s return value. */
  serve(handler: (from: string, body: unknown) => unknown): void {
    this.server = handler;
  }

  /** Receives messages sent with {@link Endpoint.post}. */
  onPost(handler: (from: string, body: unknown) => void): void {
    this.raw = handler;
  }

  /** Sends a one-way message (no reply expected). */
  post(to: string, body: unknown): void {
    this.ctx.send(to, { t: 'raw', body } satisfies Envelope);
  }

  private register(): void {
    this.ctx.onMessage((from, message) => this.dispatch(from, message as Envelope), { synchronous: !this.requesting });
  }

  private dispatch(from: string, envelope: Envelope): void {
    switch (envelope.t) {
      case 'req':
        if (this.server !== null) this.ctx.send(from, { t: 'rep', id: envelope.id, body: this.server(from, envelope.body) } satisfies Envelope);
        break;
      case 'rep': {
        const settle = this.pending.get(envelope.id);
        if (settle === undefined) {
          this.lateReplies++;
          return;
        }
        this.pending.delete(envelope.id);
        settle(envelope.body);
        break;
      }
      case 'raw':
        this.raw?.(from, envelope.body);
        break;
    }
  }
}

const endpoints = new WeakMap<ProcessContext, Endpoint>();

/** The request/reply endpoint of a process incarnation (one per context, made on first use). */
export function endpoint(ctx: ProcessContext): Endpoint {
  let e = endpoints.get(ctx);
  if (e === undefined) {
    e = new Endpoint(ctx);
    endpoints.set(ctx, e);
  }
  return e;
}
