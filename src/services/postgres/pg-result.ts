/**
 * What node-postgres (pg 8) makes of the server's answers: a query's `Result` (rows as objects,
 * values parsed by column type as pg-types does, `rowCount` and `command` from the command tag),
 * `DatabaseError` for an error the server sent, notices, and the text a parameter is sent as
 * (pg's `prepareValue`).
 */
import type { QueryError, QueryResult } from './database.ts';
import { TYPE_OID } from './statements.ts';

/** A result column, as pg's `Field`. */
export interface PgField {
  readonly name: string;
  readonly tableID: number;
  readonly columnID: number;
  readonly dataTypeID: number;
  readonly dataTypeSize: number;
  readonly dataTypeModifier: number;
  readonly format: 'text';
}

/** pg's `Result`: what `query` resolves to. */
export interface PgResult {
  readonly command: string;
  readonly rowCount: number | null;
  readonly oid: number | null;
  readonly rows: Array<Record<string, unknown>>;
  readonly fields: PgField[];
}

/** pg-types' text parsers for the types the simulated server returns; other types stay text. */
function parse(type: number, text: string): unknown {
  switch (type) {
    case TYPE_OID.bool:
      return text === 'TRUE' || text === 't' || text === 'true' || text === 'y' || text === 'yes' || text === 'on' || text === '1';
    case TYPE_OID.int4:
      return Number.parseInt(text, 10);
    default:
      // int8 and numeric stay strings (pg's default: they do not fit a double), void is ''.
      return text;
  }
}

/** The command tag as pg's Result reads it (`SELECT 1` → SELECT, rowCount 1; `BEGIN` → rowCount null). */
export function toPgResult(result: QueryResult): PgResult {
  const match = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/.exec(result.command);
  let command = result.command;
  let rowCount: number | null = null;
  let oid: number | null = null;
  if (match !== null) {
    command = match[1] as string;
    if (match[3] !== undefined) {
      oid = Number.parseInt(match[2] as string, 10);
      rowCount = Number.parseInt(match[3], 10);
    } else if (match[2] !== undefined) {
      rowCount = Number.parseInt(match[2], 10);
    }
  }
  const fields = result.columns.map((name, i): PgField => ({ name, tableID: 0, columnID: 0, dataTypeID: result.types[i] ?? 25, dataTypeSize: -1, dataTypeModifier: -1, format: 'text' }));
  const rows = result.rows.map((row) => {
    const out: Record<string, unknown> = {};
    row.forEach((value, i) => {
      const field = fields[i] as PgField;
      out[field.name] = value === null ? null : parse(field.dataTypeID, value);
    });
    return out;
  });
  return { command, rowCount, oid, rows, fields };
}

/** pg-protocol's `DatabaseError`: an ErrorResponse from the server, with its fields. */
export class DatabaseError extends Error {
  severity: string | undefined;
  code: string | undefined;
  detail: string | undefined;
  hint: string | undefined;
  position: string | undefined;
  routine: string | undefined;

  constructor(
    message: string,
    readonly length: number,
    name: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** The DatabaseError pg rejects a query with (or emits) for a server error. */
export function databaseError(error: Pick<QueryError, 'code' | 'message'>, severity: 'ERROR' | 'FATAL' = 'ERROR'): DatabaseError {
  const e = new DatabaseError(error.message, error.message.length + 20, 'error');
  e.severity = severity;
  e.code = error.code;
  return e;
}

/** A notice (`WARNING: you don't own a lock …`) as pg emits it: a NoticeMessage with severity and message. */
export interface PgNotice {
  readonly name: 'notice';
  readonly severity: string;
  readonly message: string;
}

export function toPgNotice(text: string): PgNotice {
  const colon = text.indexOf(': ');
  return colon < 0 ? { name: 'notice', severity: 'NOTICE', message: text } : { name: 'notice', severity: text.slice(0, colon), message: text.slice(colon + 2) };
}

/** pg's `prepareValue`: the text a query parameter is sent as (null and undefined: SQL NULL). */
export function prepareValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return `{${value.map((v) => (v === null || v === undefined ? 'NULL' : JSON.stringify(prepareValue(v)))).join(',')}}`;
    const custom = (value as { toPostgres?: (prepare: (v: unknown) => string | null) => unknown }).toPostgres;
    if (typeof custom === 'function') return prepareValue(custom.call(value, prepareValue));
    return JSON.stringify(value);
  }
  return String(value);
}
