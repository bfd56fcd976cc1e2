/**
 * Redis replies as values (RESP2), and the few constant replies the engine hands out without
 * allocating. Replies are treated as immutable: the shared constants below must never be
 * mutated by callers.
 */

export type Reply =
  | { kind: 'status'; value: string } // +OK
  | { kind: 'error'; message: string } // full text, e.g. 'WRONGTYPE Operation against a key holding the wrong kind of value'
  | { kind: 'integer'; value: number }
  | { kind: 'bulk'; value: string | null } // null = nil bulk
  | { kind: 'array'; value: Reply[] | null }; // null = nil array (e.g. EXEC aborted by WATCH)

export type StatusReply = Extract<Reply, { kind: 'status' }>;
export type ErrorReply = Extract<Reply, { kind: 'error' }>;
export type IntegerReply = Extract<Reply, { kind: 'integer' }>;
export type BulkReply = Extract<Reply, { kind: 'bulk' }>;
export type ArrayReply = Extract<Reply, { kind: 'array' }>;

export function status(value: string): StatusReply {
  return { kind: 'status', value };
}
export function error(message: string): ErrorReply {
  return { kind: 'error', message };
}
export function bulk(value: string | null): BulkReply {
  return { kind: 'bulk', value };
}
export function array(value: Reply[] | null): ArrayReply {
  return { kind: 'array', value };
}

// Small integers are shared (they are the most frequent replies: 0, 1, counts).
const SMALL_INTS: IntegerReply[] = [];
for (let i = -2; i <= 256; i++) SMALL_INTS.push(Object.freeze({ kind: 'integer', value: i }) as IntegerReply);

export function integer(value: number): IntegerReply {
  if (value >= -2 && value <= 256 && Number.isInteger(value)) return SMALL_INTS[value + 2];
  return { kind: 'integer', value };
}

export const OK: StatusReply = Object.freeze(status('OK')) as StatusReply;
export const QUEUED: StatusReply = Object.freeze(status('QUEUED')) as StatusReply;
export const PONG: StatusReply = Object.freeze(status('PONG')) as StatusReply;
export const NIL: BulkReply = Object.freeze(bulk(null)) as BulkReply;
export const NIL_ARRAY: ArrayReply = Object.freeze(array(null)) as ArrayReply;
export const EMPTY_ARRAY: ArrayReply = Object.freeze(array(Object.freeze([]) as unknown as Reply[])) as ArrayReply;
export const ZERO: IntegerReply = integer(0);
export const ONE: IntegerReply = integer(1);

/** Error texts Redis 7.0 uses verbatim. */
export const Errors = {
  syntax: 'ERR syntax error',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  overflow: 'ERR increment or decrement would overflow',
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  nestedMulti: 'ERR MULTI calls can not be nested',
  execWithoutMulti: 'ERR EXEC without MULTI',
  discardWithoutMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
} as const;

export const SYNTAX_ERROR: ErrorReply = Object.freeze(error(Errors.syntax)) as ErrorReply;
export const WRONGTYPE: ErrorReply = Object.freeze(error(Errors.wrongType)) as ErrorReply;
export const NOT_INTEGER: ErrorReply = Object.freeze(error(Errors.notInteger)) as ErrorReply;
export const NOT_FLOAT: ErrorReply = Object.freeze(error(Errors.notFloat)) as ErrorReply;

/** `ERR wrong number of arguments for 'get' command` (name as the client spelled it, lower-cased). */
export function wrongArity(name: string): ErrorReply {
  return error(`ERR wrong number of arguments for '${name.toLowerCase()}' command`);
}

/** A readable one-line rendering, like redis-cli's, for test failure messages and traces. */
export function formatReply(reply: Reply): string {
  switch (reply.kind) {
    case 'status':
      return `+${reply.value}`;
    case 'error':
      return `-${reply.message}`;
    case 'integer':
      return `:${reply.value}`;
    case 'bulk':
      return reply.value === null ? '(nil)' : JSON.stringify(reply.value);
    case 'array':
      return reply.value === null ? '(nil array)' : `[${reply.value.map(formatReply).join(', ')}]`;
  }
}

/** Structural equality of two replies. */
export function replyEquals(a: Reply, b: Reply): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'status':
      return a.value === (b as StatusReply).value;
    case 'error':
      return a.message === (b as ErrorReply).message;
    case 'integer':
      return a.value === (b as IntegerReply).value;
    case 'bulk':
      return a.value === (b as BulkReply).value;
    case 'array': {
      const av = a.value;
      const bv = (b as ArrayReply).value;
      if (av === null || bv === null) return av === bv;
      if (av.length !== bv.length) return false;
      for (let i = 0; i < av.length; i++) if (!replyEquals(av[i], bv[i])) return false;
      return true;
    }
  }
}
