import type { KeyLifetime } from './history.ts';
import type { Section } from './sections.ts';
import type { Micros } from '../sim/time.ts';

/** A key lifetime and its place in the canonical order (by node, then start, then the order lifetimes ended). */
export interface HeldKey {
  readonly lifetime: KeyLifetime;
  readonly seq: number;
}

/** Whether `key` is the holder's key alive when `section` began (1 µs of slack for the same instant). */
export function coversStart(key: KeyLifetime, section: Section): boolean {
  return key.holder === section.process && key.from <= section.start + 1 && (key.to === null || key.to >= section.start);
}

/** Why a lock stopped being held on a quorum: how the deciding node's key ended (`never-held`: not on enough nodes at the start). */
export type QuorumLossCause = NonNullable<KeyLifetime['endedBy']> | 'never-held' | 'outlived-run';

/**
 * When `section`'s lock stopped being held on a majority of `nodes`, in true time: on each node
 * the earliest of the holder's key lifetimes that cover the section's start (none: the start
 * itself), then the majority-th latest of their ends (+∞: the key outlived the run).
 */
export function quorumEnd(nodes: readonly string[], keys: Iterable<HeldKey>, section: Section): Micros {
  return quorumLoss(nodes, keys, section).at;
}

/** {@link quorumEnd}, and how the key that decided it ended (expired, deleted, lost in a crash, overwritten). */
export function quorumLoss(nodes: readonly string[], keys: Iterable<HeldKey>, section: Section): { at: Micros; cause: QuorumLossCause } {
  const first = new Map<string, HeldKey>();
  for (const held of keys) {
    const k = held.lifetime;
    if (!coversStart(k, section)) continue;
    const best = first.get(k.node);
    if (best === undefined || k.from < best.lifetime.from || (k.from === best.lifetime.from && held.seq < best.seq)) first.set(k.node, held);
  }
  const quorum = Math.floor(nodes.length / 2) + 1;
  const ends = nodes.map((node) => {
    const held = first.get(node);
    if (held === undefined) return { at: section.start, cause: 'never-held' as QuorumLossCause };
    const to = held.lifetime.to;
    return to === null ? { at: Number.POSITIVE_INFINITY, cause: 'outlived-run' as QuorumLossCause } : { at: to, cause: held.lifetime.endedBy ?? 'expired' };
  });
  ends.sort((a, b) => b.at - a.at);
  return ends[quorum - 1] ?? { at: section.start, cause: 'never-held' };
}

/** How far a section ran past its quorum's loss, ms (−∞: the quorum outlived it); null without key data. */
export function pastQuorumMs(section: Section, lostAt: Micros | null): number | null {
  if (lostAt === null) return null;
  if (lostAt === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return (section.end - lostAt) / 1000;
}
