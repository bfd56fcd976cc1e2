/**
 * One PostgreSQL node of a real run, as the nemesis and the runner see it: its server process and
 * a direct, unproxied admin connection made per question, to count the advisory locks held for
 * the fault records.
 */
import type { RealServiceNode } from './service.ts';
import { loadNodePostgres } from './node-postgres.ts';
import type { PostgresProcess } from './postgres-process.ts';

export class PostgresNodeHandle implements RealServiceNode {
  readonly service = 'postgres';
  readonly primary = undefined;

  constructor(
    readonly name: string,
    readonly process: PostgresProcess,
  ) {}

  /** Where Toxiproxy reaches it. */
  get upstream(): string {
    return `127.0.0.1:${this.process.port}`;
  }

  /** Advisory locks held now (rows of pg_locks), in the place of a Redis node's keys; null when the server does not answer. */
  async keys(): Promise<number | null> {
    if (this.process.state !== 'running') return null;
    const pg = await loadNodePostgres();
    const admin = new pg.Client({ host: this.process.host, port: this.process.port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 500, query_timeout: 500 });
    admin.on('error', () => {});
    try {
      await admin.connect();
      const result = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted");
      return Number(result.rows[0]?.n ?? 0);
    } catch {
      return null;
    } finally {
      await admin.end().catch(() => {});
    }
  }

  async promote(): Promise<void> {
    throw new Error(`${this.name} is a PostgreSQL node: real mode runs no PostgreSQL replicas`);
  }

  close(): void {}
}
