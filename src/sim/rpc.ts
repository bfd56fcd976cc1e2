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

/** Largest window of consecutive request ids kept in the ring before old ones move to a Map. */
const WINDOW_MAX = 64;

/**
 * Pending requests by id. Ids are handed out consecutively and replies mostly come in order, so
 * a ring of the most recent ids serves nearly every lookup (a Map that gains and loses one entry
 * per request rehashes all the time). An entry that stays pending while WINDOW_MAX newer ones
 * are issued (a request to a crashed node without a timeout) moves to an overflow Map, so the
 * ring stays bounded.
 */
class PendingTable<T> {
  private slots: Array<T | undefined> = new Array<T | undefined>(8);
  /** Ring index of id `base`, and how many consecutive ids from `base` the ring covers. */
  private head = 0;
  private base = 0;
  private count = 0;
  private readonly overflow = new Map<number, T>();

  /** Adds `id`, which must be one more than the previous id added. */
  add(id: number, value: T): void {
    if (this.count === 0) this.base = id;
    if (this.count === this.slots.length) {
      if (this.slots.length < WINDOW_MAX) this.grow();
      else {
        const oldest = this.slots[this.head];
        if (oldest !== undefined) this.overflow.set(this.base, oldest);
        this.advance();
      }
    }
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = value;
    this.count++;
  }

  /** Removes and returns the entry of `id` (undefined if none). */
  take(id: number): T | undefined {
    const offset = id - this.base;
    if (offset >= 0 && offset < this.count) {
      const index = (this.head + offset) & (this.slots.length - 1);
      const value = this.slots[index];
      if (value === undefined) return undefined;
      this.slots[index] = undefined;
      while (this.count > 0 && this.slots[this.head] === undefined) this.advance();
      return value;
    }
    if (this.overflow.size === 0) return undefined;
    const value = this.overflow.get(id);
    if (value !== undefined) this.overflow.delete(id);
    return value;
  }

  private advance(): void {
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.base++;
    this.count--;
  }

  private grow(): void {
    const size = this.slots.length;
    const slots = new Array<T | undefined>(size * 2);
    for (let i = 0; i < this.count; i++) slots[i] = this.slots[(this.head + i) & (size - 1)];
    this.slots = slots;
    this.head = 0;
  }
}

/** One request waiting for its reply. */
class PendingRequest {
  cancelTimer: (() => void) | null = null;

  constructor(
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (reason: unknown) => void,
    private readonly convert: ((body: unknown) => unknown) | null,
  ) {}

  /** The reply came: stop the timeout, then resolve with the (converted) body. */
  settle(body: unknown): void {
    if (this.cancelTimer !== null) this.cancelTimer();
    const convert = this.convert;
    if (convert === null) {
      this.resolve(body);
      return;
    }
    let value: unknown;
    try {
      value = convert(body);
    } catch (error) {
      this.reject(error);
      return;
    }
    this.resolve(value);
  }

  fail(reason: unknown): void {
    this.reject(reason);
  }
}

// A promise's resolve/reject, taken out of its executor without allocating a closure per
// promise: the executor runs synchronously inside `new Promise`, so these are read right after.
let capturedResolve: (value: unknown) => void = () => {};
let capturedReject: (reason: unknown) => void = () => {};
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
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
  private readonly pending = new PendingTable<PendingRequest>();
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
    return this.requestWith(to, body, timeoutMs, null, null);
  }

  /**
   * {@link Endpoint.request} for hot paths (the Redis client): `convert` turns the reply's body
   * into the promise's value as the reply arrives (a throw rejects with what it threw), and
   * `timeoutError` makes the rejection on timeout (default: a {@link RequestTimeoutError}).
   * This saves the `then` hop a caller would otherwise need. Both must be pure: they run inside
   * the kernel event that delivers the reply or fires the timer.
   */
  requestWith(
    to: string,
    body: unknown,
    timeoutMs: number | undefined,
    convert: ((body: unknown) => unknown) | null,
    timeoutError: ((to: string, timeoutMs: number) => unknown) | null,
  ): Promise<unknown> {
    if (!this.requesting) {
      this.requesting = true;
      this.register();
    }
    const id = ++this.nextId;
    const promise = new Promise<unknown>(capture);
    const request = new PendingRequest(capturedResolve, capturedReject, convert);
    this.pending.add(id, request);
    try {
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        request.cancelTimer = this.ctx.clock.setTimer(timeoutMs, () => {
          if (this.pending.take(id) !== undefined) request.fail(timeoutError === null ? new RequestTimeoutError(to, timeoutMs) : timeoutError(to, timeoutMs));
        });
      }
      this.ctx.send(to, { t: 'req', id, body } satisfies Envelope);
    } catch (error) {
      // As a throw inside a promise executor would: the request rejects (an unknown node, say).
      request.fail(error);
    }
    return promise;
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
        const request = this.pending.take(envelope.id);
        if (request === undefined) {
          this.lateReplies++;
          return;
        }
        request.settle(envelope.body);
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
