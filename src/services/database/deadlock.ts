/**
 * Deadlock detection shared by the database engines: whether a session's new wait closes a cycle
 * in the wait-for graph, walking from the sessions that block it along what each of them waits for.
 */

/** `blockers`: who blocks the new wait of `session`; `blockersOfWaits(s)`: who blocks every wait of session `s`. */
export function closesCycle(session: number, blockers: readonly number[], blockersOfWaits: (s: number) => number[]): boolean {
  const seen = new Set<number>();
  const stack = [...blockers];
  while (stack.length > 0) {
    const s = stack.pop() as number;
    if (s === session) return true;
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...blockersOfWaits(s));
  }
  return false;
}
