/**
 * A tiny PostgreSQL client for tests: the simple query protocol (v3) over node:net, trust
 * authentication, text results. It keeps what a differential test needs and node-postgres hides
 * or reshapes: every notice (PostgreSQL's WARNING "you don't own a lock …"), the SQLSTATE of an
 * error, and the moment a query that waits for a lock completes.
 */
import { connect, type Socket } from 'node:net';

export interface PgResult {
  /** Column names and the rows as text (null for SQL NULL), per statement of the query string. */
  readonly columns: readonly string[];
  /** Each column's type OID (from the row description). */
  readonly types: readonly number[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
  readonly command: string;
  readonly notices: readonly string[];
}

export interface PgFailure {
  readonly code: string;
  readonly message: string;
  readonly notices: readonly string[];
}

export type PgOutcome = { readonly ok: PgResult } | { readonly error: PgFailure };

interface Pending {
  columns: string[];
  types: number[];
  rows: Array<Array<string | null>>;
  command: string;
  notices: string[];
  error: PgFailure | null;
  resolve: (outcome: PgOutcome) => void;
}

const fields = (body: Buffer): Map<string, string> => {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const type = String.fromCharCode(body[i] as number);
    const end = body.indexOf(0, i + 1);
    out.set(type, body.toString('utf8', i + 1, end));
    i = end + 1;
  }
  return out;
};

export class PgClient {
  private buffer = Buffer.alloc(0);
  private readonly queue: Pending[] = [];
  private ready: (() => void) | null = null;
  private failed: Error | null = null;
  /** The backend's process id (for pg_terminate_backend from another session). */
  pid = 0;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  static async connect(port: number, host = '127.0.0.1', user = 'postgres', database = 'postgres'): Promise<PgClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ port, host });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    const client = new PgClient(socket);
    const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`);
    const startup = Buffer.alloc(8 + params.length);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    params.copy(startup, 8);
    const ready = new Promise<void>((resolve) => (client.ready = resolve));
    socket.write(startup);
    await ready;
    return client;
  }

  /** Sends one query string; resolves when the server says it is done (it may wait on a lock). */
  query(sql: string): Promise<PgOutcome> {
    if (this.failed !== null) return Promise.reject(this.failed);
    const body = Buffer.from(`${sql}\0`);
    const message = Buffer.alloc(5 + body.length);
    message.write('Q', 0);
    message.writeInt32BE(4 + body.length, 1);
    body.copy(message, 5);
    return new Promise((resolve) => {
      this.queue.push({ columns: [], types: [], rows: [], command: '', notices: [], error: null, resolve });
      this.socket.write(message);
    });
  }

  /** Closes the session as a client does (Terminate), or abruptly (`abrupt`: the socket only). */
  close(abrupt = false): void {
    if (!abrupt && !this.socket.destroyed) {
      const terminate = Buffer.from([0x58, 0, 0, 0, 4]);
      this.socket.end(terminate);
    } else {
      this.socket.destroy();
    }
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const p of this.queue.splice(0)) p.resolve({ error: { code: 'connection', message: error.message, notices: p.notices } });
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const type = String.fromCharCode(this.buffer[0] as number);
      const length = this.buffer.readInt32BE(1);
      if (this.buffer.length < 1 + length) return;
      const body = this.buffer.subarray(5, 1 + length);
      this.buffer = this.buffer.subarray(1 + length);
      this.onMessage(type, body);
    }
  }

  private onMessage(type: string, body: Buffer): void {
    const current = this.queue[0];
    switch (type) {
      case 'R': {
        const code = body.readInt32BE(0);
        if (code !== 0) this.fail(new Error(`authentication method ${code} is not supported (use trust)`));
        return;
      }
      case 'K':
        this.pid = body.readInt32BE(0);
        return;
      case 'S':
        return;
      case 'Z':
        if (this.ready !== null) {
          const ready = this.ready;
          this.ready = null;
          ready();
          return;
        }
        if (current !== undefined) {
          this.queue.shift();
          current.resolve(current.error !== null ? { error: current.error } : { ok: { columns: current.columns, types: current.types, rows: current.rows, command: current.command, notices: current.notices } });
        }
        return;
      case 'T': {
        if (current === undefined) return;
        const count = body.readInt16BE(0);
        let i = 2;
        current.columns = [];
        current.types = [];
        current.rows = [];
        for (let c = 0; c < count; c++) {
          const end = body.indexOf(0, i);
          current.columns.push(body.toString('utf8', i, end));
          // After the name: table OID (4), column number (2), type OID (4), size (2), modifier (4), format (2).
          current.types.push(body.readInt32BE(end + 1 + 6));
          i = end + 1 + 18;
        }
        return;
      }
      case 'D': {
        if (current === undefined) return;
        const count = body.readInt16BE(0);
        let i = 2;
        const row: Array<string | null> = [];
        for (let c = 0; c < count; c++) {
          const len = body.readInt32BE(i);
          i += 4;
          if (len < 0) row.push(null);
          else {
            row.push(body.toString('utf8', i, i + len));
            i += len;
          }
        }
        current.rows.push(row);
        return;
      }
      case 'C':
        if (current !== undefined) current.command = body.toString('utf8', 0, body.length - 1);
        return;
      case 'I':
        return;
      case 'N': {
        const f = fields(body);
        const notice = `${f.get('V') ?? f.get('S') ?? 'NOTICE'}: ${f.get('M') ?? ''}`;
        current?.notices.push(notice);
        return;
      }
      case 'E': {
        const f = fields(body);
        const failure: PgFailure = { code: f.get('C') ?? '', message: f.get('M') ?? '', notices: current?.notices ?? [] };
        if (current !== undefined) current.error = failure;
        else this.fail(new Error(`${failure.code}: ${failure.message}`));
        return;
      }
      default:
        return;
    }
  }
}
