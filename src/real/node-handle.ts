/**
 * One Redis node of a real run, as the nemesis and the runner see it: its redis-server (when real
 * mode started it) and a direct, unproxied admin connection, to count its keys for the fault
 * records, make it follow its primary, promote it, and check an external node is empty.
 */
import { Redis } from 'ioredis';
import type { RealServiceNode } from './service.ts';
import type { ExternalNode, ExternalTopology } from './external.ts';
import { TopologyError } from './external.ts';
import type { RedisProcess } from './redis-process.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, Math.max(0, ms)));
}

/** Waits up to `ms` for the connection to be ready; whether it is. */
async function ready(admin: Redis, ms: number, poll: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (admin.status !== 'ready' && performance.now() < deadline) await sleep(poll);
  return admin.status === 'ready';
}

export class NodeHandle implements RealServiceNode {
  readonly service = 'redis';
  /** Where Toxiproxy reaches it. */
  readonly upstream: string;
  private readonly admin: Redis;

  constructor(
    readonly name: string,
    /** The redis-server, when real mode started it; undefined for an external node. */
    readonly process: RedisProcess | undefined,
    /** The node it replicates, when it is a replica. */
    readonly primary: string | undefined,
    at: { readonly host: string; readonly port: number; readonly upstream?: string },
  ) {
    this.upstream = at.upstream ?? `${at.host}:${at.port}`;
    this.admin = new Redis({
      host: at.host,
      port: at.port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // With enableReadyCheck false, ioredis 5 can emit a stale 'ready' after a close that
      // followed a fresh connect, and then never reconnects: keep the ready check.
      enableReadyCheck: true,
      retryStrategy: () => 20,
      connectionName: 'locksim-admin',
    });
    this.admin.on('error', () => {});
  }

  /** DBSIZE; null when the node does not answer (or is down). */
  async keys(): Promise<number | null> {
    if (this.process !== undefined && this.process.state !== 'running') return null;
    if (!(await ready(this.admin, 1_000, 10))) return null;
    const reply = await Promise.race([this.admin.call('DBSIZE').catch(() => null), sleep(500).then(() => null)]);
    return typeof reply === 'number' ? reply : null;
  }

  /** REPLICAOF NO ONE. */
  async promote(): Promise<void> {
    await this.admin.call('REPLICAOF', 'NO', 'ONE');
  }

  /**
   * Makes the node a replica of whatever listens on `port` (its primary's proxy) and waits until
   * the first synchronisation is done, so the run starts with replication flowing.
   */
  async follow(port: number): Promise<void> {
    const deadline = performance.now() + 15_000;
    await ready(this.admin, 15_000, 10);
    await this.admin.call('REPLICAOF', '127.0.0.1', String(port));
    let info = '';
    while (performance.now() < deadline) {
      info = String(await this.admin.call('INFO', 'replication'));
      if (/master_link_status:up/.test(info)) return;
      await sleep(20);
    }
    throw new Error(`replica ${this.name} did not synchronise with its primary within 15 s:\n${info}`);
  }

  /**
   * An external node must answer, and be empty (a key left from before would be taken for a
   * holder's); with `flush` it is emptied.
   */
  async checkEmpty(target: ExternalNode, topology: ExternalTopology, flush: boolean): Promise<void> {
    const where = `Redis node ${this.name} at ${target.host}:${target.port} (from ${topology.source})`;
    if (!(await ready(this.admin, 3_000, 20))) throw new TopologyError(`${where} does not answer: start it (docker compose -f node_modules/locksim/docker-compose.yml up -d, or docker compose up -d in a locksim checkout) or fix the topology`);
    if (flush) {
      await this.admin.call('FLUSHALL');
      await this.admin.call('SCRIPT', 'FLUSH');
      return;
    }
    const keys = await this.admin.call('DBSIZE');
    if (typeof keys === 'number' && keys > 0) throw new TopologyError(`${where} holds ${keys} key${keys === 1 ? '' : 's'}; real mode needs empty nodes: pass --flush to empty them (FLUSHALL) first`);
  }

  /** Closes the admin connection. */
  close(): void {
    this.admin.disconnect();
  }
}
