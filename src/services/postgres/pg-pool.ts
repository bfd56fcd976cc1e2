/**
 * node-postgres's `Pool` (pg-pool 3, as pg 8.23.1 ships it) over simulated clients. What matters
 * to locks is what the pool keeps: a client released to the pool stays connected, so its
 * session, and every session-level advisory lock taken on it, lives on after the application is
 * done with it, until the pool closes it (`idleTimeoutMillis`, default 10 000 ms; 0 keeps it
 * forever) or the connection dies.
 *
 * Kept from pg-pool (index.js): `max` (10) clients; `connect()` hands out the most recently
 * released idle client first (its idle list is a stack), else a new one while below `max`, else
 * the caller waits in line (`connectionTimeoutMillis`: `timeout exceeded when trying to
 * connect`); `release()` puts a client back, `release(error)` or `release(true)` closes it, a
 * second release throws; a client that is broken or ending is closed rather than kept; an idle
 * client's error is the pool's `error` event (no listener: the process dies of it, as in Node);
 * `pool.query` checks a client out, runs one query and releases it (with the error, if any);
 * `end()`; `totalCount`, `idleCount`, `waitingCount`.
 */
import { Emitter } from './emitter.ts';
import type { PgResult } from './pg-result.ts';
import { SimPgClient, type PgBinding, type PgClientConfig, type PgQueryConfig } from './pg-client.ts';

export interface PgPoolConfig extends PgClientConfig {
  max?: number;
  min?: number;
  idleTimeoutMillis?: number;
  maxUses?: number;
}

/** A client checked out of the pool. */
export type SimPoolClient = SimPgClient & { release(error?: Error | boolean): void };

interface Idle {
  readonly client: SimPoolClient;
  readonly idleListener: (error: Error) => void;
  readonly cancelTimer: (() => void) | null;
}

type Waiter = { callback: (error: Error | null, client?: SimPoolClient) => void; timedOut: boolean };

export class SimPgPool extends Emitter {
  readonly options: Readonly<Required<Pick<PgPoolConfig, 'max' | 'min' | 'idleTimeoutMillis' | 'maxUses'>>> & PgPoolConfig;
  private clients: SimPoolClient[] = [];
  private idle: Idle[] = [];
  private readonly pending: Waiter[] = [];
  private readonly uses = new WeakMap<SimPgClient, number>();
  ending = false;
  ended = false;
  private endCallback: (() => void) | null = null;

  constructor(
    private readonly binding: PgBinding,
    config: PgPoolConfig = {},
  ) {
    super();
    this.options = { ...config, max: config.max || 10, min: config.min || 0, maxUses: config.maxUses || Number.POSITIVE_INFINITY, idleTimeoutMillis: config.idleTimeoutMillis === undefined ? 10_000 : config.idleTimeoutMillis };
  }

  get totalCount(): number {
    return this.clients.length;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get waitingCount(): number {
    return this.pending.length;
  }

  connect(): Promise<SimPoolClient> {
    if (this.ending) return Promise.reject(new Error('Cannot use a pool after calling end on the pool'));
    return new Promise<SimPoolClient>((resolve, reject) => {
      const waiter: Waiter = { callback: (error, client) => (error === null ? resolve(client as SimPoolClient) : reject(error)), timedOut: false };
      if (this.clients.length >= this.options.max || this.idle.length > 0) {
        if (this.idle.length > 0) void Promise.resolve().then(() => this.pulse());
        const timeoutMs = Number(this.options.connectionTimeoutMillis ?? 0);
        if (timeoutMs > 0) {
          const callback = waiter.callback;
          const cancel = this.binding.ctx.clock.setTimer(timeoutMs, () => {
            const i = this.pending.indexOf(waiter);
            if (i >= 0) this.pending.splice(i, 1);
            waiter.timedOut = true;
            callback(new Error('timeout exceeded when trying to connect'));
          });
          waiter.callback = (error, client) => {
            cancel();
            callback(error, client);
          };
        }
        this.pending.push(waiter);
        return;
      }
      this.newClient(waiter);
    });
  }

  query(text: string | PgQueryConfig, values?: unknown[]): Promise<PgResult> {
    return this.connect().then((client) => {
      let released = false;
      return new Promise<PgResult>((resolve, reject) => {
        const onError = (error: Error): void => {
          if (released) return;
          released = true;
          client.release(error);
          reject(error);
        };
        client.once('error', onError);
        client.query(text, values ?? [], (error, result) => {
          client.removeListener('error', onError);
          if (released) return;
          released = true;
          client.release(error ?? undefined);
          if (error !== null) reject(error);
          else resolve(result as PgResult);
        });
      });
    });
  }

  end(): Promise<void> {
    if (this.ending) return Promise.reject(new Error('Called end on pool more than once'));
    this.ending = true;
    return new Promise<void>((resolve) => {
      this.endCallback = resolve;
      this.pulse();
    });
  }

  private newClient(waiter: Waiter): void {
    const client = new SimPgClient(this.binding, this.options) as SimPoolClient;
    this.clients.push(client);
    const idleListener = this.idleListener(client);
    const timeoutMs = Number(this.options.connectionTimeoutMillis ?? 0);
    let timeoutHit = false;
    const cancel = timeoutMs > 0 ? this.binding.ctx.clock.setTimer(timeoutMs, () => ((timeoutHit = true), void client.end())) : null;
    client.connect((error) => {
      cancel?.();
      client.on('error', idleListener);
      if (error !== null) {
        this.clients = this.clients.filter((c) => c !== client);
        this.pulse();
        if (!waiter.timedOut) waiter.callback(timeoutHit ? new Error('Connection terminated due to connection timeout', { cause: error }) : error);
        return;
      }
      this.emit('connect', client);
      this.acquire(client, waiter, idleListener);
    });
  }

  private idleListener(client: SimPoolClient): (error: Error) => void {
    const listener = (error: Error): void => {
      (error as Error & { client?: SimPoolClient }).client = client;
      client.removeListener('error', listener);
      client.on('error', () => {});
      this.remove(client);
      this.emit('error', error, client);
    };
    return listener;
  }

  private acquire(client: SimPoolClient, waiter: Waiter, idleListener: (error: Error) => void): void {
    this.emit('acquire', client);
    let released = false;
    client.release = (error?: Error | boolean) => {
      if (released) throw new Error('Release called on client which has already been released to the pool.');
      released = true;
      this.release(client, idleListener, error);
    };
    client.removeListener('error', idleListener);
    if (!waiter.timedOut) waiter.callback(null, client);
    else client.release();
  }

  private release(client: SimPoolClient, idleListener: (error: Error) => void, error: Error | boolean | undefined): void {
    client.on('error', idleListener);
    const uses = (this.uses.get(client) ?? 0) + 1;
    this.uses.set(client, uses);
    this.emit('release', error, client);
    if (error || this.ending || !client._queryable || client._ending || uses >= this.options.maxUses) {
      this.remove(client, () => this.pulse());
      return;
    }
    let cancelTimer: (() => void) | null = null;
    if (this.options.idleTimeoutMillis > 0 && this.clients.length > this.options.min) {
      cancelTimer = this.binding.ctx.clock.setTimer(this.options.idleTimeoutMillis, () => {
        if (this.clients.length > this.options.min) this.remove(client, () => this.pulse());
      });
    }
    this.idle.push({ client, idleListener, cancelTimer });
    this.pulse();
  }

  private remove(client: SimPoolClient, then?: () => void): void {
    const i = this.idle.findIndex((item) => item.client === client);
    if (i >= 0) this.idle.splice(i, 1)[0]?.cancelTimer?.();
    this.clients = this.clients.filter((c) => c !== client);
    void client.end().then(() => {
      this.emit('remove', client);
      then?.();
    });
  }

  private pulse(): void {
    if (this.ended) return;
    if (this.ending) {
      for (const item of [...this.idle]) this.remove(item.client);
      if (this.clients.length === 0) {
        this.ended = true;
        this.endCallback?.();
      }
      return;
    }
    if (this.pending.length === 0) return;
    if (this.idle.length === 0 && this.clients.length >= this.options.max) return;
    const waiter = this.pending.shift() as Waiter;
    if (this.idle.length > 0) {
      // The most recently released client first (pg-pool's idle list is a stack).
      const item = this.idle.pop() as Idle;
      item.cancelTimer?.();
      this.acquire(item.client, waiter, item.idleListener);
      return;
    }
    this.newClient(waiter);
  }
}
