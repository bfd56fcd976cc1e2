/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type], with Redis's guarantees and a
 * deterministic order.
 *
 * Redis walks its hash table's buckets in reverse-binary order; the cursor is a bucket index and
 * the order depends on a per-process random hash seed, so no client can rely on it. Here keys
 * are visited in the order of a fixed 32-bit hash (FNV-1a; ties by key), and the cursor is the
 * hash to resume from. That keeps what Redis promises: a full iteration (from cursor 0 until it
 * returns 0) returns every key present for the whole iteration, exactly once here (Redis: at
 * least once); keys added or removed meanwhile may or may not appear; COUNT is a hint (a call
 * returns about COUNT keys before filtering, more when keys share a hash). Cursor values differ
 * from Redis's, as they do between two Redis processes.
 *
 * Each call looks at every key of the database (O(n log n)), which is fine for the key counts of
 * lock tests.
 */
import { asciiLower, command, type CommandContext, type CommandSpec } from '../command-table.ts';
import { globMatch } from '../glob.ts';
import { typeOf } from '../keyspace.ts';
import { parseInt64 } from '../numbers.ts';
import { array, bulk, error, NOT_INTEGER, SYNTAX_ERROR, type Reply } from '../reply.ts';

const INVALID_CURSOR = error('ERR invalid cursor');
const ULONG_MAX = 18446744073709551615n;

/** The order SCAN visits keys in: FNV-1a over UTF-16 code units, an unsigned 32-bit value. */
export function scanHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * `parseScanCursorOrReply`: C's strtoul in base 10 (an optional sign, digits; a minus wraps
 * around; an empty string is 0), refusing leading white space, trailing text and overflow.
 */
export function parseScanCursor(text: string): number | null {
  if (text.length === 0) return 0;
  const m = /^([+-]?)([0-9]+)$/.exec(text);
  if (m === null) return null;
  const magnitude = BigInt(m[2] as string);
  if (magnitude > ULONG_MAX) return null;
  const value = m[1] === '-' && magnitude !== 0n ? ULONG_MAX + 1n - magnitude : magnitude;
  return Number(value);
}

function scanCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const cursor = parseScanCursor(args[1] as string);
  if (cursor === null) return INVALID_CURSOR;
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = 2; i < args.length; i += 2) {
    const opt = asciiLower(args[i] as string);
    const hasValue = i + 1 < args.length;
    if (opt === 'count' && hasValue) {
      const n = parseInt64(args[i + 1] as string);
      if (n === null) return NOT_INTEGER;
      if (n < 1) return SYNTAX_ERROR;
      count = n;
    } else if (opt === 'match' && hasValue) {
      const p = args[i + 1] as string;
      // "*" matches everything: the same as no pattern (as in Redis).
      pattern = p === '*' ? null : p;
    } else if (opt === 'type' && hasValue) {
      type = asciiLower(args[i + 1] as string);
    } else return SYNTAX_ERROR;
  }

  const ks = ctx.ks;
  const ahead: Array<{ hash: number; key: string }> = [];
  for (const key of ks.data.keys()) {
    const hash = scanHash(key);
    if (hash >= cursor) ahead.push({ hash, key });
  }
  ahead.sort((a, b) => a.hash - b.hash || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let end = Math.min(count, ahead.length);
  // Keys that share a hash are returned together, so the cursor never splits them.
  while (end < ahead.length && end > 0 && (ahead[end] as { hash: number }).hash === (ahead[end - 1] as { hash: number }).hash) end++;
  const next = end < ahead.length ? (ahead[end - 1] as { hash: number }).hash + 1 : 0;

  // Filters in Redis's order: pattern, then type (a lookup, which deletes an expired key on a
  // primary), then expiry (deleting what is expired on a primary).
  const keys: Reply[] = [];
  for (let i = 0; i < end; i++) {
    const key = (ahead[i] as { key: string }).key;
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (type !== null) {
      const value = ks.lookup(key);
      if ((value === undefined ? 'none' : typeOf(value)) !== type) continue;
    }
    if (ks.expireIfNeeded(key)) continue;
    keys.push(bulk(key));
  }
  return array([bulk(String(next)), array(keys)]);
}

export const scanCommands: CommandSpec[] = [command('scan', -2, 0, scanCommand)];
