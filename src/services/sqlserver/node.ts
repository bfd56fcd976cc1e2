/**
 * A simulated SQL Server: a process on the simulated network that hosts the pure engine
 * (database.ts) and serves it over simulated TCP connections, one session per connection
 * (the connections, keepalive and retransmission are the shared database server's:
 * src/services/database/session-server.ts).
 *
 * A session, and every application lock it owns, ends when the client closes the connection,
 * when its host's FIN comes (the client process died), when the server's keep-alive gives up on
 * a client that stopped answering ("Keep Alive", 30000 ms by default, then 10 probes a second
 * apart: settings.ts), when TCP gives up retransmitting a reply, or when the server crashes.
 * Unlike PostgreSQL there is no idle-in-transaction timeout to end a session that holds a
 * transaction open: only the client, or the connection's death, ends it.
 *
 * A waiting sp_getapplock is timed by the server's clock (@LockTimeout), and cancelled by an
 * attention (the client's request timed out). Not modelled: the lock monitor's 5 s deadlock
 * search (a deadlock is found when the cycle closes), `KILL`, `max worker threads`.
 */
import { SESSION_END } from '../../check/history.ts';
import type { ProcessContext } from '../../sim/process.ts';
import type { ProcessOptions, World } from '../../sim/world.ts';
import { sessionLockValue } from '../../locks/advisory-common.ts';
import type { NodeFaultEffects, NodeObserver, SimServiceNode } from '../service.ts';
import { LockWatch, WatchedLock } from '../database/lock-watch.ts';
import { SessionServer, type Served, type TcpSessionEnd, type TcpTiming } from '../database/session-server.ts';
import { Sequences } from '../postgres/sequences.ts';
import { resourceKey } from './app-locks.ts';
import { SqlServerDatabase, type TdsResult } from './database.ts';
import { resolveSqlServerSettings, type ResolvedSqlServerSettings, type SqlServerSettings } from './settings.ts';
import type { TdsDone, TdsRequest } from './wire.ts';

/** Why a session ended. */
export type SqlServerSessionEnd = 'client' | TcpSessionEnd | 'crash';

export interface SqlServerNodeStats {
  /** Requests served (logins, batches, procedure calls, attentions, logouts). */
  commands: number;
  restarts: number;
  readonly ended: Record<SqlServerSessionEnd, number>;
}

/** The first @@SPID handed to a user session (SQL Server keeps 1-50 for its own). */
const FIRST_SPID = 51;

type TdsServed = Served<ResolvedSqlServerSettings, TdsRequest>;

export class SqlServerNode extends SessionServer<ResolvedSqlServerSettings, TdsRequest, 'client'> implements SimServiceNode {
  readonly service = 'sqlserver';
  readonly settings: ResolvedSqlServerSettings;
  readonly stats: SqlServerNodeStats = { commands: 0, restarts: 0, ended: { client: 0, 'client-gone': 0, keepalive: 0, reset: 0, retransmission: 0, crash: 0 } };
  database: SqlServerDatabase;
  private readonly sequences = new Sequences();
  private nextSpid = FIRST_SPID;
  private readonly lane = new WatchedLock<string>(() => this.world.now);

  constructor(world: World, name: string, settings: SqlServerSettings, processOptions: ProcessOptions) {
    super(world, name, `sqlserver-node/${name}`);
    this.settings = resolveSqlServerSettings(settings);
    this.database = new SqlServerDatabase(this.sequences);
    world.addProcess(name, (ctx) => this.start(ctx), processOptions);
  }


  /** "When the server shuts down for any reason, all locks are released": a crash ends every session; sequences survive. */
  readonly faults: NodeFaultEffects = {
    crash: () => {
      const sessions = this.database.size;
      const restartsBefore = this.stats.restarts;
      return {
        dying: () => this.lane.crashed(),
        effect: () => `${this.name} down with ${sessions} session(s) and their application locks, all gone${this.stats.restarts === restartsBefore ? '' : '; restarted without them'}`,
      };
    },
    clock: (change) => ({
      changed: () => {},
      effect: () => (change.kind === 'jump' ? null : `${this.name}'s timeouts (keep-alive, @LockTimeout) run ${Math.abs(change.ppm / 10_000)}% ${change.ppm > 0 ? 'early' : 'late'}`),
    }),
  };

  /**
   * Reports who holds the application lock named `resource` (principal public, as the locks in
   * src/locks/ take it): the holding session as `spid-<spid>@<node>`, the value their lease carries.
   */
  watch(resource: string, observer: NodeObserver): void {
    const key = resourceKey('public', resource);
    const watch = new LockWatch(this.name, resource, observer, () => {
      const holder = this.database.locks.holdersOf(key)[0];
      return holder === undefined ? null : sessionLockValue(this.name, holder, 'spid');
    });
    this.lane.watch(key, watch, this.database.locks);
  }

  get sessions(): number {
    return this.database.size;
  }


  protected restarted(ctx: ProcessContext): void {
    this.stats.restarts++;
    this.sequences.recover();
    this.database = new SqlServerDatabase(this.sequences);
    ctx.note('restarted: no sessions, no application locks (sequences recovered)');
    this.lane.hook(this.database.locks);
  }

  protected crashing(connections: Iterable<TdsServed>): void {
    for (const c of connections) if (c.session !== null) this.stats.ended.crash++;
  }

  protected tcp(settings: ResolvedSqlServerSettings): TcpTiming {
    return { idleMs: settings.keepAliveMs, intervalMs: settings.keepAliveIntervalMs, count: settings.keepAliveProbes, userTimeoutMs: 0 };
  }

  protected graceful(why: 'client' | TcpSessionEnd): boolean {
    return why === 'client';
  }

  protected override interrupts(request: TdsRequest): boolean {
    return request.op === 'attention';
  }

  protected closeSession(ctx: ProcessContext, c: TdsServed, why: 'client' | TcpSessionEnd | null): void {
    const spid = c.session;
    if (spid === null || !this.database.isOpen(spid)) return;
    const held = this.database.locks.heldBy(spid);
    const by = why === 'client' || why === 'client-gone' ? c.from : this.name;
    this.lane.actingFor(by, SESSION_END, why ?? 'refused', () => this.database.close(spid));
    if (why !== null) {
      this.stats.ended[why]++;
      ctx.note(`session ${spid} of ${c.from} ended (${why})${held > 0 ? `: its application lock(s) on ${held} resource(s) released` : ''}`);
    }
  }

  protected serve(ctx: ProcessContext, c: TdsServed, seq: number, request: TdsRequest): void {
    this.stats.commands++;
    switch (request.op) {
      case 'login': {
        c.clientIncarnation = request.incarnation;
        const spid = this.nextSpid++;
        c.session = this.database.open(spid);
        this.reply(ctx, c, seq, { op: 'loggedin', spid });
        return;
      }
      case 'logout':
        this.reply(ctx, c, seq, { op: 'bye' });
        this.endConnection(ctx, c, 'client');
        return;
      case 'attention': {
        const spid = c.session;
        if (spid !== null && c.running) this.lane.actingFor(c.from, 'ATTENTION', 'cancelled', () => this.database.cancel(spid));
        this.reply(ctx, c, seq, { op: 'attention-ack' });
        return;
      }
      case 'batch':
      case 'rpc': {
        const spid = c.session;
        if (spid === null) {
          this.reply(ctx, c, seq, done(failed('request before login'), 0));
          return;
        }
        const label = request.op === 'rpc' ? request.procedure.toUpperCase() : (request.text.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase());
        c.running = true;
        let waited = false;
        const finish = (result: TdsResult): void => {
          c.running = false;
          c.timers.statement?.();
          c.timers.statement = null;
          if (!this.database.isOpen(spid)) return;
          this.lane.changed(c.from, label, result.error !== null ? `ERROR ${result.error.number}` : String(result.returnValue));
          const body = done(result, this.database.trancount(spid));
          if (waited) this.push(ctx, c, body);
          else this.reply(ctx, c, seq, body);
          if (c.gone !== null) {
            this.endConnection(ctx, c, c.gone);
            return;
          }
          this.runNext(ctx, c);
        };
        this.lane.actingFor(c.from, label, 'released', () => {
          if (request.op === 'batch') this.database.batch(spid, request.text, finish);
          else
            this.database.call(spid, request.procedure, request.params, finish, ({ timeoutMs }) => {
              waited = true;
              this.reply(ctx, c, seq, { op: 'waiting' });
              // @LockTimeout, on the server's clock; -1 waits for ever.
              if (timeoutMs > 0) {
                c.timers.statement = ctx.clock.setTimer(timeoutMs, () => {
                  c.timers.statement = null;
                  this.database.timeOut(spid);
                });
              }
            });
        });
        return;
      }
    }
  }
}

function done(result: TdsResult, trancount: number): TdsDone {
  return { op: 'done', result, trancount };
}

function failed(text: string): TdsResult {
  const error = { number: 4060, state: 1, class: 16, message: text, procName: '' };
  return { recordset: [], returnValue: 0, messages: [error], error };
}

/** Adds a SQL Server process to the world. */
export function addSqlServerNode(world: World, name: string, settings: SqlServerSettings = {}, processOptions: ProcessOptions = {}): SqlServerNode {
  return new SqlServerNode(world, name, settings, processOptions);
}
