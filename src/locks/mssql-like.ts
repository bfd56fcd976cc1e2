/**
 * The part of the `mssql` npm package (v12, over tedious) a SQL Server lock uses: a
 * `ConnectionPool`, requests with named inputs that run a batch (`query`) or a stored procedure
 * (`execute`, its return code in `returnValue`), and `Transaction`. The real module satisfies it
 * as it is, and so does locksim's simulated one (src/services/sqlserver/mssql.ts).
 *
 * A request fails (rejects) with an Error whose `code` says why: `EREQUEST` (the server raised
 * an error; its number in `number`), `ETIMEOUT` (the request ran past `requestTimeout`, 15 000 ms
 * by default, and was cancelled), `ESOCKET` or `ECONNCLOSED` (the connection died).
 */

/** A request's result: the rows of its last SELECT, and a procedure's return code. */
export interface MssqlResultLike {
  readonly recordset: Array<Record<string, unknown>>;
  readonly returnValue: number;
  readonly rowsAffected: number[];
}

/** A SQL type (`sql.NVarChar(255)`, `sql.Int`): what `input` is given. */
export type MssqlTypeLike = object | ((...args: never[]) => object);

export interface MssqlRequestLike {
  input(name: string, type: MssqlTypeLike, value: unknown): MssqlRequestLike;
  query(command: string): Promise<MssqlResultLike>;
  execute(procedure: string): Promise<MssqlResultLike>;
}

export interface MssqlPoolLike {
  connect(): Promise<unknown>;
  request(): MssqlRequestLike;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface MssqlTransactionLike {
  begin(): Promise<unknown>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  request(): MssqlRequestLike;
}

/** mssql's connection settings a lock may choose (mssql's names and defaults). */
export interface MssqlConfigLike {
  readonly server?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** Per request, ms; 15 000 by default. A request still running then is cancelled (an attention) and fails with ETIMEOUT. */
  readonly requestTimeout?: number;
  /** Connecting, ms; 15 000 by default. */
  readonly connectionTimeout?: number;
  /** tarn's pool settings: `max` 10, `min` 0, `idleTimeoutMillis` 30 000. */
  readonly pool?: { readonly max?: number; readonly min?: number; readonly idleTimeoutMillis?: number };
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The module's parts a lock uses. */
export interface MssqlModuleLike {
  readonly ConnectionPool: new (config: MssqlConfigLike) => MssqlPoolLike;
  readonly Transaction: new (pool: MssqlPoolLike) => MssqlTransactionLike;
  readonly NVarChar: MssqlTypeLike;
  readonly VarChar: MssqlTypeLike;
  readonly Int: MssqlTypeLike;
}

/** A SQL Server an algorithm may use: the mssql module, and the address and credentials of this server. */
export interface SqlServerLike {
  /** The node's name, for messages and lease values. */
  readonly name: string;
  readonly mssql: MssqlModuleLike;
  readonly config: MssqlConfigLike;
}
