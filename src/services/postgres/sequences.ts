/**
 * The server's sequences (`CREATE SEQUENCE`, `nextval`): what a fencing token is drawn from.
 * Pure. They outlive a crash of the server, as PostgreSQL's do (src/backend/commands/sequence.c):
 * `nextval` writes the sequence to the WAL 32 values ahead (SEQ_LOG_VALS) and hands out the ones
 * in between without logging, so after a crash a sequence resumes past the last value it logged,
 * skipping up to 32 values and never handing one out twice. Non-transactional: a rollback does
 * not give a value back.
 */

/** How far ahead `nextval` logs a sequence (sequence.c's SEQ_LOG_VALS). */
export const SEQ_LOG_VALS = 32;

interface Sequence {
  /** The last value handed out (0 before the first `nextval`: sequences start at 1). */
  last: bigint;
  /** The value the WAL has: where the sequence resumes after a crash. */
  logged: bigint;
  /** Values still covered by the last WAL record. */
  logCount: number;
}

export class Sequences {
  private readonly sequences = new Map<string, Sequence>();

  /** Creates `name`; false when it exists already. */
  create(name: string): boolean {
    if (this.sequences.has(name)) return false;
    this.sequences.set(name, { last: 0n, logged: 0n, logCount: 0 });
    return true;
  }

  /** The next value of `name`, or null when there is no such sequence. */
  next(name: string): bigint | null {
    const s = this.sequences.get(name);
    if (s === undefined) return null;
    s.last += 1n;
    if (s.logCount === 0) {
      s.logged = s.last + BigInt(SEQ_LOG_VALS);
      s.logCount = SEQ_LOG_VALS;
    } else {
      s.logCount--;
    }
    return s.last;
  }

  /** After a crash: every sequence resumes from what the WAL had (values past the last one handed out are skipped). */
  recover(): void {
    for (const s of this.sequences.values()) {
      if (s.logged > s.last) s.last = s.logged;
      s.logCount = 0;
    }
  }
}
