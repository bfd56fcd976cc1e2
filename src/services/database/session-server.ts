/**
 * What a simulated database server does with its TCP connections, whatever database it is
 * (PostgreSQL, SQL Server): one session per connection, requests served one at a time, replies
 * kept until acknowledged and retransmitted with backoff, and the server's TCP keepalive. A
 * subclass serves the requests and says what a session's end does (its locks go).
 *
 * When a session ends because of TCP is the point of this file, because its locks end with it:
 * - the client's host closes the connection (its process died: a FIN);
 * - the server's TCP keepalive gives up on a client that stopped answering while the connection
 *   was idle: after `idleMs` without traffic, a probe every `intervalMs`, and after `count`
 *   unanswered ones (or, with a user timeout, once that long passed without an answer) the
 *   connection is reset, as Linux's tcp_keepalive_timer does. A probe is answered by the
 *   client's host, not its process: a paused (SIGSTOPped) client answers; a partitioned one does
 *   not; a host whose process died or restarted answers with RST. Until then the session, and
 *   every lock it holds, lives on, while the client, cut off, still believes it holds them;
 * - data the server sent (a reply) stays unacknowledged: TCP retransmits it with backoff and
 *   gives up after the user timeout, or Linux's tcp_retries2 (~15 min).
 * A session busy in a statement (waiting for a lock) reads nothing from its socket: it learns of
 * a dead connection only when the statement ends; its session ends then.
 *
 * The server times everything on its own monotonic clock (drift applies). Not modelled: the
 * server's own kernel answering for a paused server (a paused node defers its timers and
 * packets), SYN retransmission (the client's connection opens at once when the server is up).
 */
import type { ProcessContext } from '../../sim/process.ts';
import type { World } from '../../sim/world.ts';
import { TCP_RETRIES2, TCP_RTO_MAX_MS, TCP_RTO_MIN_MS, type TcpEnvelope } from '../../sim/rpc.ts';
import type { RandomStream } from '../../sim/random.ts';

/** Why TCP ended a session: the client's host closed it, keepalive gave up, the host reset it, retransmissions gave up. */
export type TcpSessionEnd = 'client-gone' | 'keepalive' | 'reset' | 'retransmission';

/** The server's TCP timing for one connection: keepalive idle time, probe interval, probes, and the user timeout (0: off). */
export interface TcpTiming {
  readonly idleMs: number;
  readonly intervalMs: number;
  readonly count: number;
  readonly userTimeoutMs: number;
}

/** One client connection as the server keeps it; `S` is the session's settings, `R` a request. */
export class Served<S, R> {
  /** The session's id once the login was served. */
  session: number | null = null;
  clientIncarnation = -1;
  nextSeq = 1;
  /** Replies sent and not yet acknowledged by a later segment (resent on a duplicate). */
  readonly replies = new Map<number, unknown>();
  /** Segments that came after a gap. */
  readonly early = new Map<number, unknown>();
  /** Requests in order, waiting for the one running to end (a session runs one statement at a time). */
  readonly queue: Array<{ readonly seq: number; readonly request: R }> = [];
  running = false;
  pushes = 0;
  /** Pushes sent that the client's host has not acknowledged (sent again with the next retransmission). */
  readonly outbox: TcpEnvelope[] = [];
  /** When the client's host was last heard from (a segment, an acknowledgement, a probe's answer), monotonic ms. */
  lastHeard: number;
  /** Data sent that the client's host has not acknowledged: since when, and the retransmission state. */
  unacked: { since: number; rtoMs: number; retransmits: number } | null = null;
  probesOut = 0;
  settings: S;
  /** Set when the client went away while a statement ran: the session ends when it does. */
  gone: TcpSessionEnd | null = null;
  readonly timers: { keepalive: (() => void) | null; retransmit: (() => void) | null; idle: (() => void) | null; statement: (() => void) | null } = {
    keepalive: null,
    retransmit: null,
    idle: null,
    statement: null,
  };

  constructor(
    readonly from: string,
    readonly conn: number,
    now: number,
    settings: S,
  ) {
    this.lastHeard = now;
    this.settings = settings;
  }
}

/**
 * A database server process's connections. `S`: a session's settings (the server's, and what a
 * login may change); `R`: a request; `E`: why a session ends, beyond what TCP does.
 */
export abstract class SessionServer<S, R, E extends string> {
  protected readonly connections = new Map<string, Served<S, R>>();
  /** Connections this incarnation ended: a late segment on one gets RST. */
  protected readonly ended = new Set<string>();
  /** Draws whether a probe or its answer is lost on a lossy link. */
  private readonly random: RandomStream;

  constructor(
    protected readonly world: World,
    readonly name: string,
    randomStream: string,
  ) {
    this.random = world.random(randomStream);
  }

  /** The server's settings, which a new connection starts with. */
  abstract readonly settings: S;
  /** What it served: `commands` counts the requests (a run's evidence). */
  abstract readonly stats: { readonly commands: number };

  /** Requests served so far. */
  commands(): number {
    return this.stats.commands;
  }
  /** The TCP timing of a connection with these settings. */
  protected abstract tcp(settings: S): TcpTiming;
  /** Serves one request of the connection, in order (reply with {@link reply}, later results with {@link push}). */
  protected abstract serve(ctx: ProcessContext, c: Served<S, R>, seq: number, request: R): void;
  /** The connection ended (`why` null: a refused login); its session, if any, ends with it, its locks too. */
  protected abstract closeSession(ctx: ProcessContext, c: Served<S, R>, why: E | TcpSessionEnd | null): void;
  /** Whether the connection ends with a FIN (a close the server chose) rather than RST. */
  protected abstract graceful(why: E | TcpSessionEnd): boolean;
  /** A new incarnation after a crash. */
  protected abstract restarted(ctx: ProcessContext): void;
  /** The server dies now with these connections open. */
  protected abstract crashing(connections: Iterable<Served<S, R>>): void;

  /** Whether a request is served at once, even while a statement runs (a cancel). Default: none is. */
  protected interrupts(_request: R): boolean {
    return false;
  }

  protected start(ctx: ProcessContext): void {
    if (ctx.incarnation > 0) this.restarted(ctx);
    this.connections.clear();
    this.ended.clear();
    ctx.onMessage((from, message) => this.receive(ctx, from, message as TcpEnvelope), { synchronous: true });
    // As the server dies, its host closes every connection: a FIN to each client. Every session goes.
    ctx.onCrash(() => {
      this.crashing(this.connections.values());
      for (const c of this.connections.values()) ctx.send(c.from, { t: 'fin', conn: c.conn } satisfies TcpEnvelope);
    });
  }

  private key(from: string, conn: number): string {
    return `${from}\u0000${conn}`;
  }

  private receive(ctx: ProcessContext, from: string, envelope: TcpEnvelope): void {
    if (envelope.t === 'fin') {
      // The client's host closed the connection (its process died).
      const c = this.connections.get(this.key(from, envelope.conn));
      if (c !== undefined) this.clientGone(ctx, c, 'client-gone');
      return;
    }
    if (envelope.t !== 'seg') return;
    if (envelope.inc !== ctx.incarnation || this.ended.has(this.key(from, envelope.conn))) {
      ctx.send(from, { t: 'rst', conn: envelope.conn } satisfies TcpEnvelope);
      return;
    }
    let c = this.connections.get(this.key(from, envelope.conn));
    if (c === undefined) {
      c = new Served<S, R>(from, envelope.conn, ctx.clock.monotonic(), this.settings);
      this.connections.set(this.key(from, envelope.conn), c);
    }
    this.heard(ctx, c);
    for (const seq of [...c.replies.keys()]) if (seq <= envelope.ack) c.replies.delete(seq);
    if (envelope.seq < c.nextSeq) {
      // A retransmission: its reply was lost (or is still to come); send the kept one again.
      const kept = c.replies.get(envelope.seq);
      if (kept !== undefined) this.transmit(ctx, c, { t: 'srep', conn: c.conn, seq: envelope.seq, body: kept });
      return;
    }
    if (envelope.seq > c.nextSeq) {
      c.early.set(envelope.seq, envelope.body);
      return;
    }
    let seq = c.nextSeq;
    let body: unknown = envelope.body;
    for (;;) {
      if (this.interrupts(body as R)) {
        c.nextSeq = seq + 1;
        this.serve(ctx, c, seq, body as R);
      } else {
        c.queue.push({ seq, request: body as R });
        c.nextSeq = seq + 1;
      }
      seq++;
      if (!c.early.has(seq)) break;
      body = c.early.get(seq);
      c.early.delete(seq);
    }
    this.runNext(ctx, c);
  }

  /**
   * The client's host was heard from: keepalive starts over. (What the server sent and the
   * client did not acknowledge stays with the retransmission timer: a one-way cut lets
   * segments in while nothing gets out.)
   */
  private heard(ctx: ProcessContext, c: Served<S, R>): void {
    c.lastHeard = ctx.clock.monotonic();
    c.probesOut = 0;
    this.armKeepalive(ctx, c);
  }

  /** What the server sent was acknowledged: retransmission stops, keepalive takes over. */
  private acknowledged(ctx: ProcessContext, c: Served<S, R>): void {
    c.unacked = null;
    c.outbox.length = 0;
    c.timers.retransmit?.();
    c.timers.retransmit = null;
    this.heard(ctx, c);
  }

  /** Serves the next queued request unless a statement is running. */
  protected runNext(ctx: ProcessContext, c: Served<S, R>): void {
    while (!c.running && c.queue.length > 0 && this.connections.get(this.key(c.from, c.conn)) === c) {
      const { seq, request } = c.queue.shift() as { seq: number; request: R };
      this.serve(ctx, c, seq, request);
    }
  }

  /** Whether the connection is still served (not ended). */
  protected isServed(c: Served<S, R>): boolean {
    return this.connections.get(this.key(c.from, c.conn)) === c;
  }

  /** The connection died under the session (FIN, keepalive, retransmissions): ends now, or when its statement does. */
  private clientGone(ctx: ProcessContext, c: Served<S, R>, why: TcpSessionEnd): void {
    if (c.running) {
      c.gone ??= why;
      this.stopTcpTimers(c);
      return;
    }
    this.endConnection(ctx, c, why);
  }

  /** Ends the connection and its session (its locks go); `why` null: a refused login. */
  protected endConnection(ctx: ProcessContext, c: Served<S, R>, why: E | TcpSessionEnd | null): void {
    const key = this.key(c.from, c.conn);
    if (this.connections.get(key) !== c) return;
    this.connections.delete(key);
    this.ended.add(key);
    this.stopTcpTimers(c);
    c.timers.idle?.();
    c.timers.statement?.();
    c.queue.length = 0;
    if (why === null || this.graceful(why)) ctx.send(c.from, { t: 'fin', conn: c.conn } satisfies TcpEnvelope);
    else if (why !== 'client-gone') ctx.send(c.from, { t: 'rst', conn: c.conn } satisfies TcpEnvelope);
    this.closeSession(ctx, c, why);
  }

  private stopTcpTimers(c: Served<S, R>): void {
    c.timers.keepalive?.();
    c.timers.keepalive = null;
    c.timers.retransmit?.();
    c.timers.retransmit = null;
  }

  protected reply(ctx: ProcessContext, c: Served<S, R>, seq: number, body: unknown): void {
    c.replies.set(seq, body);
    this.transmit(ctx, c, { t: 'srep', conn: c.conn, seq, body });
  }

  protected push(ctx: ProcessContext, c: Served<S, R>, body: unknown): void {
    this.transmit(ctx, c, { t: 'push', conn: c.conn, pseq: ++c.pushes, after: c.nextSeq - 1, body });
  }

  /**
   * Sends data to the client. Its host acknowledges it when both directions are up now; if not,
   * it stays unacknowledged and TCP retransmits it with backoff until acknowledged or given up.
   */
  private transmit(ctx: ProcessContext, c: Served<S, R>, envelope: TcpEnvelope): void {
    ctx.send(c.from, envelope);
    // Replies are kept until a later request acknowledges them; pushes until the host does.
    if (envelope.t === 'push') c.outbox.push(envelope);
    if (c.unacked !== null) return;
    if (this.answers(ctx, c) !== 'silent') {
      this.acknowledged(ctx, c);
      return;
    }
    c.unacked = { since: ctx.clock.monotonic(), rtoMs: TCP_RTO_MIN_MS, retransmits: 0 };
    c.timers.keepalive?.();
    c.timers.keepalive = null;
    this.armRetransmit(ctx, c);
  }

  private armRetransmit(ctx: ProcessContext, c: Served<S, R>): void {
    const unacked = c.unacked;
    if (unacked === null) return;
    c.timers.retransmit = ctx.clock.setTimer(unacked.rtoMs, () => {
      c.timers.retransmit = null;
      const userTimeout = this.tcp(c.settings).userTimeoutMs;
      const waited = ctx.clock.monotonic() - unacked.since;
      if ((userTimeout > 0 && waited >= userTimeout) || (userTimeout === 0 && unacked.retransmits >= TCP_RETRIES2)) {
        this.clientGone(ctx, c, 'retransmission');
        return;
      }
      unacked.retransmits++;
      unacked.rtoMs = Math.min(unacked.rtoMs * 2, TCP_RTO_MAX_MS);
      const answer = this.answers(ctx, c);
      if (answer === 'reset') {
        this.clientGone(ctx, c, 'reset');
        return;
      }
      if (answer === 'ack') {
        // The link is back: what was kept goes again, and this time it is acknowledged.
        for (const [seq, body] of c.replies) ctx.send(c.from, { t: 'srep', conn: c.conn, seq, body } satisfies TcpEnvelope);
        for (const envelope of c.outbox) ctx.send(c.from, envelope);
        this.acknowledged(ctx, c);
        return;
      }
      this.armRetransmit(ctx, c);
    });
  }

  /** Linux's tcp_keepalive_timer for an idle connection (no unacknowledged data). */
  private armKeepalive(ctx: ProcessContext, c: Served<S, R>): void {
    c.timers.keepalive?.();
    c.timers.keepalive = null;
    if (c.unacked !== null) return;
    const { idleMs } = this.tcp(c.settings);
    const due = c.lastHeard + idleMs - ctx.clock.monotonic();
    c.timers.keepalive = ctx.clock.setTimer(Math.max(due, 0), () => this.keepaliveTimer(ctx, c));
  }

  private keepaliveTimer(ctx: ProcessContext, c: Served<S, R>): void {
    c.timers.keepalive = null;
    if (c.unacked !== null) return;
    const { idleMs, intervalMs, count, userTimeoutMs: userTimeout } = this.tcp(c.settings);
    const elapsed = ctx.clock.monotonic() - c.lastHeard;
    // (A timer may fire a rounding error early on a drifting clock: within 10 µs counts as due.)
    if (elapsed < idleMs - 0.01) {
      c.timers.keepalive = ctx.clock.setTimer(idleMs - elapsed, () => this.keepaliveTimer(ctx, c));
      return;
    }
    if ((userTimeout > 0 && elapsed >= userTimeout && c.probesOut > 0) || (userTimeout === 0 && c.probesOut >= count)) {
      this.clientGone(ctx, c, 'keepalive');
      return;
    }
    const answer = this.answers(ctx, c);
    if (answer === 'reset') {
      this.clientGone(ctx, c, 'reset');
      return;
    }
    if (answer === 'ack') {
      c.lastHeard = ctx.clock.monotonic();
      c.probesOut = 0;
      c.timers.keepalive = ctx.clock.setTimer(idleMs, () => this.keepaliveTimer(ctx, c));
      return;
    }
    c.probesOut++;
    c.timers.keepalive = ctx.clock.setTimer(intervalMs, () => this.keepaliveTimer(ctx, c));
  }

  /**
   * How the client's host answers a packet sent now: it acknowledges it (both directions up),
   * resets the connection (its process died or restarted: the socket is gone), or nothing gets
   * back (a cut, held or lossy link). The host answers even while its process is paused.
   */
  private answers(ctx: ProcessContext, c: Served<S, R>): 'ack' | 'reset' | 'silent' {
    const network = this.world.network;
    const out = network.link(this.name, c.from);
    const back = network.link(c.from, this.name);
    if (out.mode !== 'up' || back.mode !== 'up') return 'silent';
    if (out.lossProbability > 0 && this.random.chance(out.lossProbability)) return 'silent';
    if (back.lossProbability > 0 && this.random.chance(back.lossProbability)) return 'silent';
    const peer = ctx.peer(c.from);
    if (!peer.up || (c.clientIncarnation >= 0 && peer.incarnation !== c.clientIncarnation)) return 'reset';
    return 'ack';
  }
}
