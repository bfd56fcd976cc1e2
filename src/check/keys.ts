import type { History, KeyLifetime } from './history.ts';
import type { Micros } from '../sim/time.ts';

/** One observation of a watched key on a node (see RedisNode.keyLog). */
export interface KeySample {
  readonly at: Micros;
  readonly key: string;
  readonly value: string | null;
  readonly expiresAt: Micros | null;
  readonly cause: 'command' | 'restart' | 'crash' | 'clock';
}

/**
 * Turns a node's key observations into lifetimes in true time: a lifetime starts when the key
 * takes a value and ends when it expires (at the true time the node's clock reached its expiry),
 * is deleted, is overwritten, or the node crashes. A renewal (same value, new expiry) extends the
 * same lifetime. The holder is the client whose lease carried that value.
 */
export function keyLifetimes(node: string, samples: readonly KeySample[], history: History): KeyLifetime[] {
  const holders = new Map<string, string>();
  for (const e of history.events) if (e.kind === 'acquire' && e.phase === 'ok' && e.lease !== undefined) holders.set(e.lease.value, e.process);
  const open = new Map<string, { value: string; from: Micros; expiresAt: Micros | null }>();
  const out: KeyLifetime[] = [];
  const close = (key: string, at: Micros, endedBy: KeyLifetime['endedBy']): void => {
    const o = open.get(key);
    if (o === undefined) return;
    open.delete(key);
    const expired = o.expiresAt !== null && o.expiresAt <= at;
    out.push({ node, key, holder: holders.get(o.value), from: o.from, to: expired ? o.expiresAt : at, endedBy: expired ? 'expired' : endedBy });
  };
  for (const s of samples) {
    const o = open.get(s.key);
    if (o !== undefined && o.expiresAt !== null && o.expiresAt <= s.at) close(s.key, s.at, 'expired');
    const current = open.get(s.key);
    if (s.cause === 'crash') {
      close(s.key, s.at, 'crash');
      continue;
    }
    if (current !== undefined && current.value === s.value) {
      current.expiresAt = s.expiresAt; // renewed (or re-timed by a clock change)
      continue;
    }
    if (current !== undefined) close(s.key, s.at, s.value === null ? 'deleted' : 'overwritten');
    if (s.value !== null) open.set(s.key, { value: s.value, from: s.at, expiresAt: s.expiresAt });
  }
  for (const [key, o] of [...open]) {
    if (o.expiresAt !== null && o.expiresAt <= history.endedAt) close(key, history.endedAt, 'expired');
    else {
      open.delete(key);
      out.push({ node, key, holder: holders.get(o.value), from: o.from, to: null });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}
