import type { ProcessContext } from './process.ts';

/** What travels on the wire for request/reply between processes. */
export type Envelope =
  | { readonly t: 'req'; readonly id: number; readonly body: unknown }
  | { readonly t: 'rep'; readonly id: number; readonly body: unknown }
  | { readonly t: 'raw'; readonly body: unknown }
  | TcpEnvelope;

/**
 * A simulated TCP connection's packets (see {@link TcpConnection}): `syn`/`synack` open it,
 * `seg` carries request `seq` (with the client's cumulative `ack` of replies), `srep` its
 * reply, `fin` is sent by the server's host as the server process dies, `rst` answers a
 * segment for a connection the server (this incarnation) does not know, `push` is a message
 * the server sends unasked (pub/sub), number `pseq` on the connection, after reply `after`.
 */
export type TcpEnvelope =
  | { readonly t: 'syn'; readonly conn: number }
  | { readonly t: 'synack'; readonly conn: number; readonly inc: number }
  | { readonly t: 'seg'; readonly conn: number; readonly inc: number; readonly seq: number; readonly ack: number; readonly body: unknown }
  | { readonly t: 'srep'; readonly conn: number; readonly seq: number; readonly body: unknown }
  | { readonly t: 'fin'; readonly conn: number }
  | { readonly t: 'rst'; readonly conn: number }
  | { readonly t: 'push'; readonly conn: number; readonly pseq: number; readonly after: number; readonly body: unknown };

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
  private server: ((from: string, body: unknown, connection: number) => unknown) | null = null;
  private raw: ((from: string, body: unknown) => void) | null = null;
  private requesting = false;
  /** Replies that arrived after their request had given up. */
  lateReplies = 0;
  /** Client side: this process's open TCP connections, by id. */
  private readonly tcpClients = new Map<number, TcpConnection>();
  /** Server side: connections this incarnation accepted, by id. */
  private readonly tcpServed = new Map<number, ServedConnection>();

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

  /**
   * Answers every request synchronously with `handler`'s return value. `connection` is the id
   * of the TCP connection a request came on ({@link TcpConnection}), -1 for {@link Endpoint.request}.
   */
  serve(handler: (from: string, body: unknown, connection: number) => unknown): void {
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

  /** Client side: a connection is being opened from this process (replies will need a barrier). */
  attach(connection: TcpConnection): void {
    if (!this.requesting) {
      this.requesting = true;
      this.register();
    }
    this.tcpClients.set(connection.id, connection);
  }

  detach(connection: TcpConnection): void {
    this.tcpClients.delete(connection.id);
  }

  /** Sends a TCP packet (for {@link TcpConnection}). */
  sendTcp(to: string, envelope: TcpEnvelope): void {
    this.ctx.send(to, envelope);
  }

  private register(): void {
    this.ctx.onMessage((from, message) => this.dispatch(from, message as Envelope), { synchronous: !this.requesting });
  }

  private dispatch(from: string, envelope: Envelope): void {
    switch (envelope.t) {
      case 'seg':
        this.segment(from, envelope);
        break;
      case 'srep':
        this.tcpClients.get(envelope.conn)?.receive(envelope);
        break;
      case 'req':
        if (this.server !== null) this.ctx.send(from, { t: 'rep', id: envelope.id, body: this.server(from, envelope.body, -1) } satisfies Envelope);
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
      case 'syn':
        if (this.server === null) return;
        this.accept(from, envelope.conn);
        this.ctx.send(from, { t: 'synack', conn: envelope.conn, inc: this.ctx.incarnation } satisfies TcpEnvelope);
        break;
      case 'synack':
      case 'fin':
      case 'rst':
      case 'push':
        this.tcpClients.get(envelope.conn)?.receive(envelope);
        break;
    }
  }

  /**
   * Server side: sends `body` unasked on connection `conn` (a pub/sub message), after the
   * replies already sent on it. False if this incarnation serves no such connection. A push
   * lost on a cut link is not retransmitted (TCP would): pub/sub is at most once here.
   */
  push(conn: number, body: unknown): boolean {
    const served = this.tcpServed.get(conn);
    if (served === undefined) return false;
    this.ctx.send(served.from, { t: 'push', conn, pseq: ++served.pushes, after: served.nextSeq - 1, body } satisfies TcpEnvelope);
    return true;
  }

  private accept(from: string, conn: number): ServedConnection {
    let served = this.tcpServed.get(conn);
    if (served === undefined) {
      if (this.tcpServed.size === 0) {
        // As this incarnation dies, its host closes every connection: a FIN to each peer.
        this.ctx.onCrash(() => {
          for (const [id, c] of this.tcpServed) this.ctx.send(c.from, { t: 'fin', conn: id } satisfies TcpEnvelope);
        });
      }
      served = { from, nextSeq: 1, replies: new KeptReplies(), early: new Map(), pushes: 0 };
      this.tcpServed.set(conn, served);
    }
    return served;
  }

  /**
   * A request on a TCP connection: executed once and in order, whatever the retransmissions
   * (a duplicate gets the kept reply again; one after a gap waits for the gap to fill). A
   * segment for a connection opened to another incarnation gets RST, as from a restarted host.
   */
  private segment(from: string, s: Extract<TcpEnvelope, { t: 'seg' }>): void {
    const server = this.server;
    if (server === null) return;
    if (s.inc !== this.ctx.incarnation) {
      this.ctx.send(from, { t: 'rst', conn: s.conn } satisfies TcpEnvelope);
      return;
    }
    const c = this.accept(from, s.conn);
    c.replies.forget(s.ack);
    if (s.seq < c.nextSeq) {
      if (c.replies.has(s.seq)) this.ctx.send(from, { t: 'srep', conn: s.conn, seq: s.seq, body: c.replies.get(s.seq) } satisfies TcpEnvelope);
      return;
    }
    if (s.seq > c.nextSeq) {
      c.early.set(s.seq, s.body);
      return;
    }
    let body: unknown = s.body;
    for (;;) {
      const seq = c.nextSeq++;
      const reply = server(from, body, s.conn);
      c.replies.keep(seq, reply);
      this.ctx.send(from, { t: 'srep', conn: s.conn, seq, body: reply } satisfies TcpEnvelope);
      if (c.early.size === 0 || !c.early.has(c.nextSeq)) break;
      body = c.early.get(c.nextSeq);
      c.early.delete(c.nextSeq);
    }
  }
}

/** A connection as its server's endpoint keeps it: replies not yet acknowledged, segments after a gap. */
interface ServedConnection {
  readonly from: string;
  nextSeq: number;
  /** Pushes sent on it so far. */
  pushes: number;
  readonly replies: KeptReplies;
  readonly early: Map<number, unknown>;
}

/**
 * The replies a served connection keeps until the client acknowledges them (to answer a
 * retransmitted request again): consecutive sequence numbers, so an array from the oldest kept
 * one (a Map that gains and loses an entry per request rehashes all the time).
 */
class KeptReplies {
  /** A ring (power-of-two size) of the bodies from sequence number `base` on. */
  private bodies: unknown[] = new Array<unknown>(4);
  private head = 0;
  private count = 0;
  /** The sequence number of bodies[head]. */
  private base = 1;

  /** Keeps the reply to `seq`, the one after the last kept. */
  keep(seq: number, body: unknown): void {
    if (this.count === 0) this.base = seq;
    else if (this.count === this.bodies.length) this.grow();
    this.bodies[(this.head + this.count) & (this.bodies.length - 1)] = body;
    this.count++;
  }

  /** Forgets the replies up to `ack` (the client has them). */
  forget(ack: number): void {
    while (this.count > 0 && this.base <= ack) {
      this.bodies[this.head] = undefined;
      this.head = (this.head + 1) & (this.bodies.length - 1);
      this.base++;
      this.count--;
    }
  }

  has(seq: number): boolean {
    return seq >= this.base && seq - this.base < this.count;
  }

  get(seq: number): unknown {
    return this.bodies[(this.head + seq - this.base) & (this.bodies.length - 1)];
  }

  private grow(): void {
    const size = this.bodies.length;
    const bodies = new Array<unknown>(size * 2);
    for (let i = 0; i < this.count; i++) bodies[i] = this.bodies[(this.head + i) & (size - 1)];
    this.bodies = bodies;
    this.head = 0;
  }
}

/** Linux's TCP_RTO_MIN, ms: the retransmission timeout of a connection with a sub-millisecond RTT. */
export const TCP_RTO_MIN_MS = 200;
/** Linux's TCP_RTO_MAX, ms: the backoff doubles up to this. */
export const TCP_RTO_MAX_MS = 120_000;
/**
 * Linux's `net.ipv4.tcp_retries2` default: after this many unanswered retransmissions (about
 * 924.6 s with the RTOs above) the kernel gives up and the socket errors with ETIMEDOUT.
 */
export const TCP_RETRIES2 = 15;
/** How long a refused connection attempt takes to fail (the RST's round trip), ms. */
export const TCP_REFUSED_MS = 1;

/** Why a connection closed: FIN (the peer's process died), RST, refused, or a timeout. */
export type TcpCloseReason = 'ECONNRESET' | 'ECONNREFUSED' | 'ETIMEDOUT' | 'EPIPE' | 'FIN';

export interface TcpHandlers<T> {
  /** The connection is open (SYN-ACK came; not called for one opened at once). */
  open(): void;
  /** The reply to a request sent with {@link TcpConnection.send}, in order, once. */
  reply(tag: T, body: unknown): void;
  /** The connection is gone; requests not answered never will be on it. */
  close(reason: TcpCloseReason): void;
  /** A message the server sent unasked (pub/sub), in the order sent, after the replies sent before it. */
  push?(body: unknown): void;
}

/**
 * The client side of a simulated TCP connection to a serving process, with the behaviour a
 * client of a real socket sees: requests are delivered once and in order; a request (or its
 * reply) lost on a cut link is retransmitted with exponential backoff (RTO 200 ms doubling to
 * 120 s) and gets through once the link heals, or the connection fails with ETIMEDOUT after
 * {@link TCP_RETRIES2} retransmissions (~15 min); the server's death closes it (a FIN from
 * its host, over the network as it then is); a segment reaching a restarted server gets RST;
 * connecting to a host whose process is down is refused. Not modelled: keepalive (off by
 * default in Node and ioredis), RTT-adaptive RTO, window sizes; the RST a dead process's
 * host sends (refused connection, segment after a crash) comes back even across a partition.
 */
export class TcpConnection<T = unknown> {
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  /** The server incarnation this connection was opened to. */
  inc = -1;
  /** Retransmissions of the oldest unanswered request (0: none so far). */
  retransmits = 0;
  /** When the oldest unanswered request was first sent (monotonic ms), or null if none. */
  waitingSince: number | null = null;
  private nextSeq = 1;
  private acked = 0;
  /**
   * Requests sent and not answered, oldest first: bodies and tags in parallel arrays (no object
   * per request). The k-th has sequence number `acked + 1 + k` (replies are taken in order).
   */
  private readonly unackedBodies: unknown[] = [];
  private readonly unackedTags: T[] = [];
  private readonly early = new Map<number, unknown>();
  /** Pushes that came before the replies sent ahead of them, or out of order. */
  private pushes: Array<{ readonly pseq: number; readonly after: number; readonly body: unknown }> | null = null;
  private deliveredPushes = 0;
  private rtoMs = TCP_RTO_MIN_MS;
  private progressAt = 0;
  private timerArmed = false;
  private resetPending = false;
  private readonly ep: Endpoint;
  /** The server's host, as it is now (asked before every segment). */
  private readonly peer: { readonly up: boolean; readonly incarnation: number };

  constructor(
    private readonly ctx: ProcessContext,
    readonly to: string,
    readonly id: number,
    private readonly handlers: TcpHandlers<T>,
    options: { readonly immediate: boolean; readonly connectTimeoutMs: number },
  ) {
    this.ep = endpoint(ctx);
    const peer = ctx.peerView(to);
    this.peer = peer;
    if (!peer.up) {
      ctx.clock.setTimer(TCP_REFUSED_MS, () => this.fail('ECONNREFUSED'));
      return;
    }
    this.ep.attach(this);
    if (options.immediate) {
      this.state = 'open';
      this.inc = peer.incarnation;
      return;
    }
    this.ep.sendTcp(to, { t: 'syn', conn: id });
    if (options.connectTimeoutMs > 0) ctx.clock.setTimer(options.connectTimeoutMs, () => this.state === 'connecting' && this.fail('ETIMEDOUT'));
  }

  /** Requests sent and not answered, oldest first (their tags). */
  pendingTags(): T[] {
    return [...this.unackedTags];
  }

  /** Sends a request (only on an open connection). */
  send(body: unknown, tag: T): void {
    if (this.state !== 'open') throw new Error('TcpConnection.send: not open');
    const seq = this.nextSeq++;
    if (this.unackedTags.length === 0) {
      this.progressAt = this.ctx.clock.monotonic();
      this.waitingSince = this.progressAt;
    }
    this.unackedBodies.push(body);
    this.unackedTags.push(tag);
    this.ep.sendTcp(this.to, { t: 'seg', conn: this.id, inc: this.inc, seq, ack: this.acked, body });
    this.checkPeer();
    this.arm(this.rtoMs);
  }

  /**
   * A segment to a host whose process died (or was replaced by a new incarnation) is answered
   * with RST; the network drops what goes to a crashed process, so the host's answer is
   * modelled here: the connection resets after the RST's round trip.
   */
  private checkPeer(): void {
    if (this.resetPending) return;
    const peer = this.peer;
    if (peer.up && peer.incarnation === this.inc) return;
    this.resetPending = true;
    this.ctx.clock.setTimer(TCP_REFUSED_MS, () => this.fail('ECONNRESET'));
  }

  /** Closes it from this side (the server is not told: nothing there depends on it). */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.ep.detach(this);
  }

  receive(envelope: TcpEnvelope): void {
    if (this.state === 'closed') return;
    switch (envelope.t) {
      case 'synack':
        if (this.state !== 'connecting') return;
        this.state = 'open';
        this.inc = envelope.inc;
        this.handlers.open();
        return;
      case 'fin':
        this.fail('FIN');
        return;
      case 'rst':
        this.fail('ECONNRESET');
        return;
      case 'srep':
        if (envelope.seq <= this.acked) return;
        if (envelope.seq > this.acked + 1) {
          this.early.set(envelope.seq, envelope.body);
          return;
        }
        this.deliver(envelope.body);
        while (this.early.size > 0 && this.early.has(this.acked + 1) && this.state === 'open') {
          const body = this.early.get(this.acked + 1);
          this.early.delete(this.acked + 1);
          this.deliver(body);
        }
        if (this.pushes !== null) this.deliverPushes();
        return;
      case 'push':
        (this.pushes ??= []).push({ pseq: envelope.pseq, after: envelope.after, body: envelope.body });
        this.deliverPushes();
        return;
      default:
        return;
    }
  }

  private deliver(body: unknown): void {
    const hasItem = this.unackedTags.length > 0;
    const tag = this.unackedTags.shift() as T;
    this.unackedBodies.shift();
    this.acked++;
    this.retransmits = 0;
    this.rtoMs = TCP_RTO_MIN_MS;
    this.progressAt = this.ctx.clock.monotonic();
    this.waitingSince = this.unackedTags.length === 0 ? null : this.progressAt;
    if (hasItem) this.handlers.reply(tag, body);
  }

  /** Delivers the pushes that are next in order and whose preceding replies are in. */
  private deliverPushes(): void {
    const queue = this.pushes as Array<{ readonly pseq: number; readonly after: number; readonly body: unknown }>;
    queue.sort((a, b) => a.pseq - b.pseq);
    while (queue.length > 0 && this.state === 'open') {
      const next = queue[0]!;
      // A push lost on the way leaves a gap: later pushes do not wait for it (no retransmission).
      if (next.after > this.acked) return;
      queue.shift();
      if (next.pseq <= this.deliveredPushes) continue;
      this.deliveredPushes = next.pseq;
      this.handlers.push?.(next.body);
    }
    if (queue.length === 0) this.pushes = null;
  }

  private fail(reason: TcpCloseReason): void {
    if (this.state === 'closed') return;
    this.close();
    this.handlers.close(reason);
  }

  /** One lazy timer: it fires at most once per RTO and re-arms only while requests wait. */
  private arm(ms: number): void {
    if (this.timerArmed) return;
    this.timerArmed = true;
    this.ctx.setKernelTimer(ms, this.onTimer);
  }

  /** The retransmission timer; true when it called into the process (closed the connection). */
  private readonly onTimer = (): boolean => {
    this.timerArmed = false;
    if (this.state !== 'open' || this.unackedTags.length === 0) return false;
    const waited = this.ctx.clock.monotonic() - this.progressAt;
    // (A timer may fire a rounding error early on a drifting clock: within 10 µs counts as due.)
    if (waited < this.rtoMs - 0.01) {
      this.arm(Math.max(this.rtoMs - waited, 1));
      return false;
    }
    if (this.retransmits >= TCP_RETRIES2) {
      this.fail('ETIMEDOUT');
      return true;
    }
    this.retransmits++;
    this.checkPeer();
    for (let k = 0; k < this.unackedBodies.length; k++) {
      this.ep.sendTcp(this.to, { t: 'seg', conn: this.id, inc: this.inc, seq: this.acked + 1 + k, ack: this.acked, body: this.unackedBodies[k] });
    }
    this.rtoMs = Math.min(this.rtoMs * 2, TCP_RTO_MAX_MS);
    this.progressAt = this.ctx.clock.monotonic();
    this.arm(this.rtoMs);
    // checkPeer() only set a timer; retransmitting only sent segments.
    return false;
  };
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
