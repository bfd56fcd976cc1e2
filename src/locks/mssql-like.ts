/**
 * The part of the `mssql` npm package (v12, over tedious) a SQL Server lock uses: a
 * `ConnectionPool`, requests with named inputs that run a batch (`query`) or a stored procedure
 * (`execute`, its return code in `returnValue`), and `Transaction` (`pool.transaction()`). The real
 * module satisfies it as it is (checked against mssql 12.7.16 with @types/mssql 12.3), and so
 * does locksim's simulated one (src/services/sqlserver/mssql.ts).
 *
 * A request fails (rejects) with an Error whose `code` says why: `EREQUEST` (the server raised
 * an error; its number in `number`), `ETIMEOUT` (the request ran past `requestTimeout`, 15 000 ms
 * by default, and was cancelled), `ESOCKET` or `ECONNCLOSED` (the connection died).
 */

/** A batch's result (`query`): the rows of its last SELECT. */
export interface MssqlQueryResultLike {
  readonly recordset: Array<Record<string, unknown>>;
  readonly rowsAffected: number[];
}

/** A stored procedure's result (`execute`): its return code too (sp_getapplock's: >= 0 granted). */
export interface MssqlResultLike extends MssqlQueryResultLike {
  readonly returnValue: number;
}

/** A SQL type (`sql.NVarChar(255)`, `sql.Int`): what `input` is given. */
export type MssqlTypeLike = object | ((...args: never[]) => object);

export interface MssqlRequestLike {
  input(name: string, type: MssqlTypeLike, value: unknown): MssqlRequestLike;
  query(command: string): Promise<MssqlQueryResultLike>;
  execute(procedure: string): Promise<MssqlResultLike>;
}

export interface MssqlPoolLike {
  connect(): Promise<unknown>;
  request(): MssqlRequestLike;
  /** A new Transaction on this pool (as `new sql.Transaction(pool)`). */
  transaction(): MssqlTransactionLike;
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
  /** The server's host (mssql requires it). */
  readonly server: string;
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
