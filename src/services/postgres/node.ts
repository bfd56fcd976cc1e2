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
 * `client_connection_check_interval`, cancel requests. The connections, keepalive and
 * retransmission are the shared database server's (src/services/database/session-server.ts).
 */
import { SESSION_END } from '../../check/history.ts';
import type { ProcessContext } from '../../sim/process.ts';
import type { ProcessOptions, World } from '../../sim/world.ts';
import type { NodeFaultEffects, NodeObserver, SimServiceNode } from '../service.ts';
import { SessionServer, type Served, type TcpSessionEnd, type TcpTiming } from '../database/session-server.ts';
import { Database } from './database.ts';
import { Sequences } from './sequences.ts';
import { keepaliveSchedule, resolveSettings, SESSION_SETTING_NAMES, type PostgresSettings, type ResolvedPostgresSettings, type SessionSettingName } from './settings.ts';
import { SERVER_ERRORS, type PgRequest } from './wire.ts';
import { advisoryKey, sessionLockValue as sessionValue } from '../../locks/advisory-common.ts';
import { bigintKey } from './advisory-locks.ts';
import { LockWatch, WatchedLock } from '../database/lock-watch.ts';

/** Why a session ended (the node counts each, so a fault can show what it did). */
export type SessionEnd = 'client' | TcpSessionEnd | 'idle-in-transaction' | 'idle-session' | 'crash';

/** What the server ends a session for itself, beyond TCP. */
type PgSessionEnd = 'client' | 'idle-in-transaction' | 'idle-session';

type PgServed = Served<ResolvedPostgresSettings, PgRequest>;

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

export class PostgresNode extends SessionServer<ResolvedPostgresSettings, PgRequest, PgSessionEnd> implements SimServiceNode {
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
  private readonly lane = new WatchedLock<string>(() => this.world.now);

  constructor(world: World, name: string, settings: PostgresSettings, processOptions: ProcessOptions) {
    super(world, name, `postgres-node/${name}`);
    this.settings = resolveSettings(settings);
    this.database = new Database(this.sequences);
    world.addProcess(name, (ctx) => this.start(ctx), processOptions);
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
        dying: () => this.lane.crashed(),
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

  /**
   * Reports who holds the advisory lock of `resource` (the key the locks in src/locks/ derive
   * from it, advisoryKey) from now on: the holding session as `pid-<pid>@<node>`, the value a
   * lease of those locks carries, so the report's node lane shows the lock's life on the server.
   */
  watch(resource: string, observer: NodeObserver): void {
    const key = bigintKey(BigInt(advisoryKey(resource)));
    const watch = new LockWatch(this.name, resource, observer, () => {
      const holder = this.database.locks.holdersOf(key)[0];
      return holder === undefined ? null : sessionValue(this.name, holder);
    });
    this.lane.watch(key, watch, this.database.locks);
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.database.size;
  }

  protected restarted(ctx: ProcessContext): void {
    this.stats.restarts++;
    this.sequences.recover();
    this.database = new Database(this.sequences);
    ctx.note('restarted: no sessions, no locks (sequences recovered)');
    this.lane.hook(this.database.locks);
  }

  protected crashing(connections: Iterable<PgServed>): void {
    this.stats.sessionsAtCrash += this.database.size;
    for (const c of connections) if (c.session !== null) this.stats.ended.crash++;
  }

  protected tcp(settings: ResolvedPostgresSettings): TcpTiming {
    return { ...keepaliveSchedule(settings), userTimeoutMs: settings.tcp_user_timeout };
  }

  protected graceful(why: PgSessionEnd | TcpSessionEnd): boolean {
    return why === 'client' || why === 'idle-in-transaction' || why === 'idle-session';
  }

  protected closeSession(ctx: ProcessContext, c: PgServed, why: PgSessionEnd | TcpSessionEnd | null): void {
    if (c.session !== null && this.database.isOpen(c.session)) {
      const held = this.database.locks.heldBy(c.session).size;
      const session = c.session;
      // The server ends the session itself (keepalive, a timeout): the node lane says so, not the client.
      const by = why === 'client' || why === 'client-gone' ? c.from : this.name;
      this.lane.actingFor(by, SESSION_END, why ?? 'refused', () => this.database.close(session));
      if (why !== null) {
        this.stats.ended[why]++;
        ctx.note(`session ${c.session} of ${c.from} ended (${why})${held > 0 ? `: its ${held} advisory lock(s) released` : ''}`);
      }
    }
  }

  protected serve(ctx: ProcessContext, c: PgServed, seq: number, request: PgRequest): void {
    this.stats.commands++;
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
        const execute = (): void => this.database.execute(session, request.text, request.values, (outcome) => {
          c.running = false;
          c.timers.statement?.();
          c.timers.statement = null;
          if (!this.database.isOpen(session)) return;
          this.lane.changed(c.from, statementLabel(request.text), 'error' in outcome ? `ERROR ${outcome.error.code}` : 'OK');
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
        this.lane.actingFor(c.from, statementLabel(request.text), 'released', execute);
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
  private armStatementTimeout(ctx: ProcessContext, c: PgServed, session: number): void {
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
  private armIdle(ctx: ProcessContext, c: PgServed): void {
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

}

/** A statement's name for the node lane: the advisory lock function it calls, or its first word. */
function statementLabel(text: string): string {
  const call = /\b(pg_[a-z_]*advisory[a-z_]*)\s*\(/i.exec(text);
  return (call?.[1] ?? text.trim().split(/\s+/)[0] ?? '').toUpperCase();
}

/** Adds a PostgreSQL server process to the world. */
export function addPostgresNode(world: World, name: string, settings: PostgresSettings = {}, processOptions: ProcessOptions = {}): PostgresNode {
  return new PostgresNode(world, name, settings, processOptions);
}
