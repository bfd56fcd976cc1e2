/**
 * The statements the simulated PostgreSQL understands: what lock code sends, no more. A
 * statement it does not know is an error that names it (never a silent success), so a user sees
 * at once that their SQL is outside the model.
 */
import { bigintKey, pairKey, type LockKey, type LockLevel, type LockMode } from './advisory-locks.ts';

export type Statement =
  | { readonly kind: 'begin' }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  | { readonly kind: 'select-constant'; readonly column: string; readonly value: string; readonly type: TypeOid }
  | { readonly kind: 'advisory'; readonly call: AdvisoryCall; readonly column: string }
  | { readonly kind: 'nextval'; readonly column: string; readonly sequence: string }
  | { readonly kind: 'backend-pid'; readonly column: string }
  | { readonly kind: 'create-sequence'; readonly sequence: string; readonly ifNotExists: boolean };

/** The type OIDs of the result columns the simulated server returns (pg_type.oid): what a client converts values by. */
export const TYPE_OID = Object.freeze({ bool: 16, int8: 20, int4: 23, numeric: 1700, void: 2278 });
export type TypeOid = (typeof TYPE_OID)[keyof typeof TYPE_OID];

export type AdvisoryCall =
  | { readonly op: 'lock'; readonly key: LockKey; readonly mode: LockMode; readonly level: LockLevel; readonly wait: boolean }
  | { readonly op: 'unlock'; readonly key: LockKey; readonly mode: LockMode }
  | { readonly op: 'unlock-all' };

/** An error PostgreSQL would raise, with its SQLSTATE. */
export class SqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

const LOCK_FUNCTION = /^pg_(try_)?advisory_(xact_)?lock(_shared)?$/;
/** A sequence's name as `nextval` reads its text argument (unquoted: folded to lower case), optionally in schema public. */
const SEQUENCE_NAME = /^(?:public\.)?([a-z_][a-z0-9_$]*)$/i;
const UNLOCK_FUNCTION = /^pg_advisory_unlock(_shared)?$/;
const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** `$1` from `params`, or an integer literal (optionally quoted, optionally cast). */
function argument(text: string, params: readonly unknown[]): { value: bigint; type: 'integer' | 'bigint' | 'numeric' } {
  const cast = /::\s*(int|int4|integer|int8|bigint)\s*$/i.exec(text);
  const bare = (cast === null ? text : text.slice(0, cast.index)).trim();
  let literal: string;
  let quoted = false;
  const param = /^\$(\d+)$/.exec(bare);
  if (param !== null) {
    const index = Number(param[1]) - 1;
    if (index >= params.length) throw new SqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "" requires ${index + 1}`);
    literal = String(params[index]);
  } else {
    quoted = /^'.*'$/.test(bare);
    literal = bare.replace(/^'(.*)'$/, '$1');
  }
  if (!/^[+-]?\d+$/.test(literal)) throw new SqlError('22P02', `invalid input syntax for type bigint: "${literal}"`);
  const value = BigInt(literal);
  const castTo = cast?.[1]?.toLowerCase();
  if (castTo === 'int' || castTo === 'int4' || castTo === 'integer') {
    if (value < BigInt(INT4_MIN) || value > BigInt(INT4_MAX)) throw new SqlError('22003', 'integer out of range');
    return { value, type: 'integer' };
  }
  if (value < INT8_MIN || value > INT8_MAX) {
    // A bare literal that big is a numeric, and no lock function takes one; a string or a parameter is read as a bigint.
    if (param === null && !quoted && castTo === undefined) return { value, type: 'numeric' };
    throw new SqlError('22003', 'bigint out of range');
  }
  const type = castTo === 'int8' || castTo === 'bigint' || value < BigInt(INT4_MIN) || value > BigInt(INT4_MAX) ? 'bigint' : 'integer';
  return { value, type };
}

/** The lock key of a call's arguments: one bigint, or two integers. */
function keyOf(name: string, args: readonly string[], params: readonly unknown[]): LockKey {
  const values = args.map((a) => argument(a, params));
  if (values.length === 1 && values[0]?.type !== 'numeric') return bigintKey((values[0] as { value: bigint }).value);
  if (values.length === 2 && values.every((v) => v.type === 'integer')) return pairKey(Number((values[0] as { value: bigint }).value), Number((values[1] as { value: bigint }).value));
  throw new SqlError('42883', `function ${name}(${values.map((v) => v.type).join(', ')}) does not exist`);
}

/** Splits `a, b` at top-level commas. */
function splitArgs(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((a) => a.trim());
}

/**
 * Reads one statement (a trailing semicolon allowed). `params` are the values of `$1`, `$2`, …
 * (node-postgres's parameterized queries).
 */
export function parseStatement(sql: string, params: readonly unknown[] = []): Statement {
  const text = sql.trim().replace(/;\s*$/, '').trim();
  const lower = text.toLowerCase().replace(/\s+/g, ' ');
  if (lower === 'begin' || lower === 'begin transaction' || lower === 'begin work' || lower === 'start transaction') return { kind: 'begin' };
  if (lower === 'commit' || lower === 'commit transaction' || lower === 'commit work' || lower === 'end' || lower === 'end transaction') return { kind: 'commit' };
  if (lower === 'rollback' || lower === 'rollback transaction' || lower === 'rollback work' || lower === 'abort') return { kind: 'rollback' };
  const create = /^create\s+sequence\s+(if\s+not\s+exists\s+)?(?:public\.)?([a-z_][a-z0-9_$]*)$/i.exec(text);
  if (create !== null) return { kind: 'create-sequence', sequence: (create[2] as string).toLowerCase(), ifNotExists: create[1] !== undefined };
  const select = /^select\s+(.+?)(?:\s+as\s+("?)([a-z_][a-z0-9_]*)\2)?$/is.exec(text);
  if (select !== null) {
    const expression = (select[1] as string).trim();
    const alias = select[3];
    if (/^\d+$/.test(expression)) {
      const n = BigInt(expression);
      const type = n <= BigInt(INT4_MAX) ? TYPE_OID.int4 : n <= INT8_MAX ? TYPE_OID.int8 : TYPE_OID.numeric;
      return { kind: 'select-constant', column: alias ?? '?column?', value: expression, type };
    }
    const call = /^([a-z_][a-z0-9_]*)\s*\((.*)\)$/is.exec(expression);
    if (call !== null) {
      const name = (call[1] as string).toLowerCase();
      const args = splitArgs(call[2] as string);
      const column = alias ?? name;
      const lock = LOCK_FUNCTION.exec(name);
      if (lock !== null) {
        const mode: LockMode = lock[3] === undefined ? 'exclusive' : 'shared';
        return { kind: 'advisory', column, call: { op: 'lock', key: keyOf(name, args, params), mode, level: lock[2] === undefined ? 'session' : 'transaction', wait: lock[1] === undefined } };
      }
      const unlock = UNLOCK_FUNCTION.exec(name);
      if (unlock !== null) return { kind: 'advisory', column, call: { op: 'unlock', key: keyOf(name, args, params), mode: unlock[1] === undefined ? 'exclusive' : 'shared' } };
      if (name === 'pg_advisory_unlock_all' && args.length === 0) return { kind: 'advisory', column, call: { op: 'unlock-all' } };
      if (name === 'pg_backend_pid' && args.length === 0) return { kind: 'backend-pid', column };
      if (name === 'nextval' && args.length === 1) return { kind: 'nextval', column, sequence: sequenceName(args[0] as string, params) };
    }
  }
  throw new SqlError('0A000', `locksim's simulated PostgreSQL does not run this statement: ${JSON.stringify(sql)} (it runs BEGIN, COMMIT, ROLLBACK, SELECT 1, the advisory lock functions, pg_backend_pid(), CREATE SEQUENCE and nextval(); see docs/postgres.md)`);
}

/** The sequence `nextval`'s argument names: `'name'` or `$n` (text, read as a regclass). */
function sequenceName(arg: string, params: readonly unknown[]): string {
  const bare = arg.trim().replace(/::\s*(regclass|text)\s*$/i, '').trim();
  const param = /^\$(\d+)$/.exec(bare);
  let text: string;
  if (param !== null) {
    const index = Number(param[1]) - 1;
    if (index >= params.length) throw new SqlError('08P01', `bind message supplies ${params.length} parameters, but prepared statement "" requires ${index + 1}`);
    text = String(params[index]);
  } else {
    const quoted = /^'(.*)'$/.exec(bare);
    if (quoted === null) throw new SqlError('0A000', `locksim's simulated PostgreSQL takes nextval's sequence as a quoted name or a parameter, got ${arg}`);
    text = quoted[1] as string;
  }
  const name = SEQUENCE_NAME.exec(text.trim());
  if (name === null) throw new SqlError('0A000', `locksim's simulated PostgreSQL takes unquoted sequence names (letters, digits, _), got ${JSON.stringify(text)}`);
  return (name[1] as string).toLowerCase();
}
