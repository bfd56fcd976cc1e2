/**
 * A simulated PostgreSQL server: a process on the simulated network that hosts the pure engine
 * (database.ts) and serves it over simulated TCP connections, one session per connection.
 *
 * When a session ends is the point of this file, because its locks end with it:
 * - the client closes it (Terminate, or its host's FIN when the client process dies);
 * - the server's TCP keepalive gives up on a client that stopped answering while the connection
 *   was idle: after `tcp_keepalives_idle` without traffic, a probe every
 *   `tcp_keepalives_interval`, and after `tcp_keepalives_count` unanswered ones (or, with
 *   `tcp_user_timeout`, once that long passed without an answer) the connection is reset, as
 *   Linux's tcp_keepalive_timer does. A probe is answered by the client's host, not its process:
 *   a paused (SIGSTOPped) client answers; a partitioned one does not; a host whose process died
 *   or restarted answers with RST. Until then the session, and every lock it holds, lives on,
 *   while the client, cut off, still believes it holds them;
 * - data the server sent (a reply) stays unacknowledged: TCP retransmits it with backoff and
 *   gives up after `tcp_user_timeout`, or Linux's tcp_retries2 (~15 min);
 * - `idle_in_transaction_session_timeout` (or `idle_session_timeout`) passes while the session
 *   waits for its client: the server sends the FATAL error and closes the connection;
 * - the server crashes: every session, and every lock, is gone; sequences survive.
 * A backend busy in a statement (waiting for a lock) reads nothing from its socket: it learns of
 * a dead connection only when the statement ends, as PostgreSQL does without
 * `client_connection_check_interval`; its session ends then.
 *
 * The server times everything on its own monotonic clock (drift applies). Not modelled: the
 * server's own kernel answering for a paused server (a paused node defers its timers and
 * packets), SYN retransmission (the client's connection opens at once when the server is up),
 * `client_connection_check_interval`, cancel requests.
 */
import type { ProcessContext } from '../../sim/process.ts';
import type { ProcessOptions, World } from '../../sim/world.ts';
import { TCP_RETRIES2, TCP_RTO_MAX_MS, TCP_RTO_MIN_MS, type TcpEnvelope } from '../../sim/rpc.ts';
import type { RandomStream } from '../../sim/random.ts';
import type { NodeFaultEffects, NodeObserver, SimServiceNode } from '../service.ts';
import { Database } from './database.ts';
import { Sequences } from './sequences.ts';
import { keepaliveSchedule, resolveSettings, SESSION_SETTING_NAMES, type PostgresSettings, type ResolvedPostgresSettings, type SessionSettingName } from './settings.ts';
import { SERVER_ERRORS, type PgPush, type PgReply, type PgRequest } from './wire.ts';

/** Why a session ended (the node counts each, so a fault can show what it did). */
export type SessionEnd = 'client' | 'client-gone' | 'keepalive' | 'reset' | 'retransmission' | 'idle-in-transaction' | 'idle-session' | 'crash';

export interface PostgresNodeStats {
  /** Requests served (startup, queries, terminate). */
  commands: number;
  restarts: number;
  /** Sessions that ended, by why. */
  readonly ended: Record<SessionEnd, number>;
  /** Sessions open when the server crashed (what a crash took away, locks included). */
  sessionsAtCrash: number;
}

/** The first backend pid the server hands out (each session's number, unique across restarts). */
const FIRST_PID = 1000;

/** One client connection as the server keeps it. */
class Served {
  /** The backend's pid once the startup message was served. */
  session: number | null = null;
  clientIncarnation = -1;
  nextSeq = 1;
  /** Replies sent and not yet acknowledged by a later segment (resent on a duplicate). */
  readonly replies = new Map<number, unknown>();
  /** Segments that came after a gap. */
  readonly early = new Map<number, unknown>();
  /** Requests in order, waiting for the one running to end (a backend runs one statement at a time). */
  readonly queue: Array<{ readonly seq: number; readonly request: PgRequest }> = [];
  running = false;
  pushes = 0;
  /** Pushes sent that the client's host has not acknowledged (sent again with the next retransmission). */
  readonly outbox: TcpEnvelope[] = [];
  /** When the client's host was last heard from (a segment, an acknowledgement, a probe's answer), monotonic ms. */
  lastHeard: number;
  /** Data sent that the client's host has not acknowledged: since when, and the retransmission state. */
  unacked: { since: number; rtoMs: number; retransmits: number } | null = null;
  probesOut = 0;
  settings: ResolvedPostgresSettings;
  /** Set when the client went away while a statement ran: the session ends when it does. */
  gone: SessionEnd | null = null;
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
    settings: ResolvedPostgresSettings,
  ) {
    this.lastHeard = now;
    this.settings = settings;
  }
}

export class PostgresNode implements SimServiceNode {
  readonly service = 'postgres';
  readonly settings: ResolvedPostgresSettings;
  readonly stats: PostgresNodeStats = {
    commands: 0,
    restarts: 0,
    ended: { client: 0, 'client-gone': 0, keepalive: 0, reset: 0, retransmission: 0, 'idle-in-transaction': 0, 'idle-session': 0, crash: 0 },
    sessionsAtCrash: 0,
  };
  /** The engine of the current incarnation. */
  database: Database;
  private readonly sequences = new Sequences();
  private nextPid = FIRST_PID;
  private context: ProcessContext | null = null;
  private readonly connections = new Map<string, Served>();
  /** Connections this incarnation ended: a late segment on one gets RST. */
  private readonly ended = new Set<string>();
  /** Draws whether a probe or its answer is lost on a lossy link. */
  private readonly random: RandomStream;

  constructor(
    private readonly world: World,
    readonly name: string,
    settings: PostgresSettings,
    processOptions: ProcessOptions,
  ) {
    this.settings = resolveSettings(settings);
    this.random = world.random(`postgres-node/${name}`);
    this.database = new Database(this.sequences);
    world.addProcess(name, (ctx) => this.start(ctx), processOptions);
  }

  commands(): number {
    return this.stats.commands;
  }

  /**
   * A crash ends every session (a process crash and a power loss alike: sessions and locks live
   * in memory; sequences are WAL-logged ahead). The server's timeouts run on its monotonic
   * clock, so a drift moves them and a wall-clock jump changes nothing it does.
   */
  readonly faults: NodeFaultEffects = {
    crash: () => {
      const sessions = this.database.size;
      const locks = this.locksHeld();
      const restartsBefore = this.stats.restarts;
      return {
        dying: () => {},
        effect: () =>
          `${this.name} down with ${sessions} session(s) and ${locks} advisory lock(s), all gone${this.stats.restarts === restartsBefore ? '' : '; restarted without them'}`,
      };
    },
    clock: (change) => ({
      changed: () => {},
      effect: () =>
        change.kind === 'jump' ? null : `${this.name}'s timeouts (keepalive, idle_in_transaction_session_timeout, lock_timeout) run ${Math.abs(change.ppm / 10_000)}% ${change.ppm > 0 ? 'early' : 'late'}`,
    }),
  };

  /** Advisory locks held now, counting each session's hold of a key once. */
  private locksHeld(): number {
    let n = 0;
    for (let pid = FIRST_PID; pid < this.nextPid; pid++) if (this.database.isOpen(pid)) n += this.database.locks.heldBy(pid).size;
    return n;
  }

  /** The lock's life is not reported yet: advisory locks carry no value that names a lease. */
  watch(_resource: string, _observer: NodeObserver): void {}

  /** Sessions open now. */
  get sessions(): number {
    return this.database.size;
  }

  private start(ctx: ProcessContext): void {
    if (ctx.incarnation > 0) {
      this.stats.restarts++;
      this.sequences.recover();
      this.database = new Database(this.sequences);
      ctx.note('restarted: no sessions, no locks (sequences recovered)');
    }
    this.context = ctx;
    this.connections.clear();
    this.ended.clear();
    ctx.onMessage((from, message) => this.receive(ctx, from, message as TcpEnvelope), { synchronous: true });
    // As the server dies, its host closes every connection: a FIN to each client. Every session goes.
    ctx.onCrash(() => {
      this.stats.sessionsAtCrash += this.database.size;
      for (const c of this.connections.values()) {
        if (c.session !== null) this.stats.ended.crash++;
        ctx.send(c.from, { t: 'fin', conn: c.conn } satisfies TcpEnvelope);
      }
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
      c = new Served(from, envelope.conn, ctx.clock.monotonic(), this.settings);
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
      c.queue.push({ seq, request: body as PgRequest });
      c.nextSeq = ++seq;
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
  private heard(ctx: ProcessContext, c: Served): void {
    c.lastHeard = ctx.clock.monotonic();
    c.probesOut = 0;
    this.armKeepalive(ctx, c);
  }

  /** What the server sent was acknowledged: retransmission stops, keepalive takes over. */
  private acknowledged(ctx: ProcessContext, c: Served): void {
    c.unacked = null;
    c.outbox.length = 0;
    c.timers.retransmit?.();
    c.timers.retransmit = null;
    this.heard(ctx, c);
  }

  /** Serves the next queued request unless a statement is running. */
  private runNext(ctx: ProcessContext, c: Served): void {
    while (!c.running && c.queue.length > 0 && this.connections.get(this.key(c.from, c.conn)) === c) {
      const { seq, request } = c.queue.shift() as { seq: number; request: PgRequest };
      this.stats.commands++;
      this.serve(ctx, c, seq, request);
    }
  }

  private serve(ctx: ProcessContext, c: Served, seq: number, request: PgRequest): void {
    switch (request.op) {
      case 'startup': {
        if (this.database.size >= this.settings.max_connections) {
          this.reply(ctx, c, seq, { op: 'refused', error: { ...SERVER_ERRORS.tooManyClients, notices: [] } });
          this.endConnection(ctx, c, null);
          return;
        }
        const overrides: Partial<Record<SessionSettingName, number>> = {};
        for (const name of SESSION_SETTING_NAMES) {
          const value = request.settings[name];
          if (typeof value === 'number' && Number.isFinite(value) && value >= 0) overrides[name] = Math.floor(value);
        }
        c.settings = Object.freeze({ ...this.settings, ...overrides });
        c.clientIncarnation = request.incarnation;
        const pid = this.nextPid++;
        c.session = this.database.open(pid);
        this.reply(ctx, c, seq, { op: 'ready', pid });
        this.armIdle(ctx, c);
        return;
      }
      case 'terminate':
        this.reply(ctx, c, seq, { op: 'bye' });
        this.endConnection(ctx, c, 'client');
        return;
      case 'query': {
        const session = c.session;
        if (session === null) {
          this.reply(ctx, c, seq, { op: 'result', outcome: { error: { code: '08P01', message: 'query before startup', notices: [] } }, status: 'I' });
          return;
        }
        c.timers.idle?.();
        c.timers.idle = null;
        c.running = true;
        let waited = false;
        this.database.execute(session, request.text, request.values, (outcome) => {
          c.running = false;
          c.timers.statement?.();
          c.timers.statement = null;
          if (!this.database.isOpen(session)) return;
          const result = { op: 'result', outcome, status: this.database.status(session) } as const;
          if (waited) this.push(ctx, c, result);
          else this.reply(ctx, c, seq, result);
          if (c.gone !== null) {
            this.endConnection(ctx, c, c.gone);
            return;
          }
          this.armIdle(ctx, c);
          this.runNext(ctx, c);
        });
        if (c.running) {
          waited = true;
          this.reply(ctx, c, seq, { op: 'waiting' });
          this.armStatementTimeout(ctx, c, session);
        }
        return;
      }
    }
  }

  /** statement_timeout or lock_timeout, whichever comes first, for a statement that waits for a lock. */
  private armStatementTimeout(ctx: ProcessContext, c: Served, session: number): void {
    const { statement_timeout: statement, lock_timeout: lock } = c.settings;
    if (statement === 0 && lock === 0) return;
    // "If statement_timeout is nonzero, it is rather pointless to set lock_timeout to the same or larger value."
    const byStatement = statement > 0 && (lock === 0 || statement <= lock);
    const error = byStatement ? SERVER_ERRORS.statementTimeout : SERVER_ERRORS.lockTimeout;
    c.timers.statement = ctx.clock.setTimer(byStatement ? statement : lock, () => {
      c.timers.statement = null;
      this.database.cancel(session, error.code, error.message);
    });
  }

  /** idle_in_transaction_session_timeout (in a transaction block) or idle_session_timeout (outside one). */
  private armIdle(ctx: ProcessContext, c: Served): void {
    c.timers.idle?.();
    c.timers.idle = null;
    const session = c.session;
    if (session === null) return;
    const inTransaction = this.database.inTransaction(session);
    const ms = inTransaction ? c.settings.idle_in_transaction_session_timeout : c.settings.idle_session_timeout;
    if (ms === 0) return;
    c.timers.idle = ctx.clock.setTimer(ms, () => {
      c.timers.idle = null;
      if (c.running || c.session === null) return;
      const fatal = inTransaction ? SERVER_ERRORS.idleInTransaction : SERVER_ERRORS.idleSession;
      this.push(ctx, c, { op: 'fatal', ...fatal });
      this.endConnection(ctx, c, inTransaction ? 'idle-in-transaction' : 'idle-session');
    });
  }

  /** The connection died under the session (FIN, keepalive, retransmissions): ends now, or when its statement does. */
  private clientGone(ctx: ProcessContext, c: Served, why: SessionEnd): void {
    if (c.running) {
      c.gone ??= why;
      this.stopTcpTimers(c);
      return;
    }
    this.endConnection(ctx, c, why);
  }

  /** Ends the connection and its session (its locks go); `why` null: a refused startup. */
  private endConnection(ctx: ProcessContext, c: Served, why: SessionEnd | null): void {
    const key = this.key(c.from, c.conn);
    if (this.connections.get(key) !== c) return;
    this.connections.delete(key);
    this.ended.add(key);
    this.stopTcpTimers(c);
    c.timers.idle?.();
    c.timers.statement?.();
    c.queue.length = 0;
    if (why === 'client' || why === 'idle-in-transaction' || why === 'idle-session') ctx.send(c.from, { t: 'fin', conn: c.conn } satisfies TcpEnvelope);
    else if (why !== null && why !== 'client-gone') ctx.send(c.from, { t: 'rst', conn: c.conn } satisfies TcpEnvelope);
    else if (why === null) ctx.send(c.from, { t: 'fin', conn: c.conn } satisfies TcpEnvelope);
    if (c.session !== null && this.database.isOpen(c.session)) {
      const held = this.database.locks.heldBy(c.session).size;
      this.database.close(c.session);
      if (why !== null) {
        this.stats.ended[why]++;
        ctx.note(`session ${c.session} of ${c.from} ended (${why})${held > 0 ? `: its ${held} advisory lock(s) released` : ''}`);
      }
    }
  }

  private stopTcpTimers(c: Served): void {
    c.timers.keepalive?.();
    c.timers.keepalive = null;
    c.timers.retransmit?.();
    c.timers.retransmit = null;
  }

  private reply(ctx: ProcessContext, c: Served, seq: number, body: PgReply): void {
    c.replies.set(seq, body);
    this.transmit(ctx, c, { t: 'srep', conn: c.conn, seq, body });
  }

  private push(ctx: ProcessContext, c: Served, body: PgPush): void {
    this.transmit(ctx, c, { t: 'push', conn: c.conn, pseq: ++c.pushes, after: c.nextSeq - 1, body });
  }

  /**
   * Sends data to the client. Its host acknowledges it when both directions are up now; if not,
   * it stays unacknowledged and TCP retransmits it with backoff until acknowledged or given up.
   */
  private transmit(ctx: ProcessContext, c: Served, envelope: TcpEnvelope): void {
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

  private armRetransmit(ctx: ProcessContext, c: Served): void {
    const unacked = c.unacked;
    if (unacked === null) return;
    c.timers.retransmit = ctx.clock.setTimer(unacked.rtoMs, () => {
      c.timers.retransmit = null;
      const userTimeout = c.settings.tcp_user_timeout;
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
  private armKeepalive(ctx: ProcessContext, c: Served): void {
    c.timers.keepalive?.();
    c.timers.keepalive = null;
    if (c.unacked !== null) return;
    const { idleMs } = keepaliveSchedule(c.settings);
    const due = c.lastHeard + idleMs - ctx.clock.monotonic();
    c.timers.keepalive = ctx.clock.setTimer(Math.max(due, 0), () => this.keepaliveTimer(ctx, c));
  }

  private keepaliveTimer(ctx: ProcessContext, c: Served): void {
    c.timers.keepalive = null;
    if (c.unacked !== null) return;
    const { idleMs, intervalMs, count } = keepaliveSchedule(c.settings);
    const elapsed = ctx.clock.monotonic() - c.lastHeard;
    // (A timer may fire a rounding error early on a drifting clock: within 10 µs counts as due.)
    if (elapsed < idleMs - 0.01) {
      c.timers.keepalive = ctx.clock.setTimer(idleMs - elapsed, () => this.keepaliveTimer(ctx, c));
      return;
    }
    const userTimeout = c.settings.tcp_user_timeout;
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
  private answers(ctx: ProcessContext, c: Served): 'ack' | 'reset' | 'silent' {
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

/** Adds a PostgreSQL server process to the world. */
export function addPostgresNode(world: World, name: string, settings: PostgresSettings = {}, processOptions: ProcessOptions = {}): PostgresNode {
  return new PostgresNode(world, name, settings, processOptions);
}
