/**
 * A run's words: every sentence locksim says about a run is written here once. The text
 * timeline, the text reports (text.ts), the HTML and SVG reports, JUnit, the playground and
 * checkLock call these, so a violation reads the same on a terminal, in a tooltip and in a
 * failing test. The checkers' own one-liners (fencing, incident counts, evidence, a fault's
 * effect, the lock's model) stay beside their data in check/ and faults/, and are said through
 * here.
 */
import { evidenceText, type Evidence } from '../check/evidence.ts';
import { fencingViolationText } from '../check/fencing.ts';
import type { FaultRecord, LockWord } from '../check/history.ts';
import { incidentCountsText, incidentsOf, type Incident } from '../check/incidents.ts';
import type { MutexViolation } from '../check/mutex.ts';
import type { QuorumLossCause } from '../check/quorum.ts';
import type { Section } from '../check/sections.ts';
import { faultEffectText } from '../faults/record.ts';
import type { RunResult, Violation } from '../scenario/run.ts';

/** True time as the reports print it: `10296.343 ms`. */
const atMs = (at: number): string => `${(at / 1000).toFixed(3)} ms`;

/** One sentence for one violation: `mutual exclusion broken: client-1 and client-2 both in their critical sections from … to … ms`. */
export function violationText(v: Violation): string {
  switch (v.property) {
    case 'mutex':
      return `mutual exclusion broken: ${v.first.process} and ${v.second.process} both in their critical sections from ${(v.overlapStart / 1000).toFixed(3)} to ${atMs(v.overlapEnd)}`;
    case 'lost-update':
      return `lost update: ${v.write.process} wrote ${v.write.value} based on ${v.write.readValue}, but the value was ${v.write.before}, so ${v.lost === 1 ? '1 increment was' : `${v.lost} increments were`} lost`;
    case 'fencing':
      return fencingViolationText(v);
    case 'liveness':
      return `liveness: ${v.message}`;
  }
}

/** Several overlaps of the same two clients' sections, as one: `mutual exclusion broken: client-1 and client-2 both in their critical sections, 12 overlaps from … to … ms`. */
export function overlapsText(a: string, b: string, overlaps: number, from: number, to: number): string {
  return `mutual exclusion broken: ${a} and ${b} both in their critical sections, ${overlaps} overlap${overlaps === 1 ? '' : 's'} from ${(from / 1000).toFixed(3)} to ${atMs(to)}`;
}

/** An incident in one line: `incident 1: 12 overlapping pairs, 3 lost updates (client-1, client-2) from … to … ms`. */
export function incidentText(incident: Incident): string {
  const span = incident.from === incident.to ? `at ${atMs(incident.from)}` : `from ${(incident.from / 1000).toFixed(3)} to ${atMs(incident.to)}`;
  return `incident ${incident.number}: ${incidentCountsText(incident)} (${incident.clients.join(', ')}) ${span}`;
}

/** How a section's lock (a key, a lease) stopped being held on a quorum (any other cause reads as expiry). */
const lossWords = (lockIs: LockWord): Partial<Record<QuorumLossCause, string>> => ({
  expired: 'its lock expired on a quorum',
  deleted: `its ${lockIs} was ${lockIs === 'lease' ? 'released or broken' : 'deleted'} on a quorum`,
  crash: `its ${lockIs} was lost in a node crash on a quorum`,
  overwritten: `its ${lockIs} was overwritten on a quorum`,
  'never-held': 'it held its lock on no quorum (from the start)',
});

/** The same for a lock with no expiry (a database session's): the server let go of it, not a quorum of keys. */
const SERVER_LOSS_WORDS: Partial<Record<QuorumLossCause, string>> = {
  expired: 'the server let go of its lock',
  deleted: 'its lock was released on the server',
  crash: 'its lock was lost in a crash of the server',
  overwritten: 'its lock went to another session on the server',
  'never-held': 'the server never gave it the lock',
};

/**
 * Whether a validity this far off (ms) means the lease has none: a lock that lives as long as
 * its session (a database's advisory lock) reports `validUntil` as Number.MAX_SAFE_INTEGER.
 */
export function hasNoExpiry(ms: number): boolean {
  return Math.abs(ms) > 1e12;
}

/**
 * How far a section of a mutual-exclusion violation ran past the validity its client computed
 * on its own clock (its latest, after renewals) and past the moment its lock stopped being held
 * on a quorum, with how that happened: `client-1 ran 5203.7 ms past the validity it computed,
 * 310.2 ms past the moment its key was deleted on a quorum (release)`.
 */
export function sectionPastText(s: Section, pastQuorumMs: number | null | undefined, lostBy?: QuorumLossCause | null, lockIs: LockWord = 'key'): string {
  const words = hasNoExpiry(-s.pastValidityMs) ? SERVER_LOSS_WORDS : lossWords(lockIs);
  const quorum =
    pastQuorumMs === null || pastQuorumMs === undefined || !Number.isFinite(pastQuorumMs)
      ? ''
      : `, ${pastQuorumMs > 0 ? `${pastQuorumMs.toFixed(1)} ms past the moment` : `${(-pastQuorumMs).toFixed(1)} ms before`} ${words[lostBy ?? 'expired'] ?? words.expired}`;
  if (Number.isNaN(s.pastValidityMs)) return `${s.process} still inside at the end${quorum}`;
  if (hasNoExpiry(-s.pastValidityMs)) return `${s.process} held a lock with no expiry${quorum} (${s.endedBy})`;
  return `${s.process} ran ${s.pastValidityMs > 0 ? `${s.pastValidityMs.toFixed(1)} ms past` : `${(-s.pastValidityMs).toFixed(1)} ms short of`} the validity it computed${quorum} (${s.endedBy})`;
}

/** The line under a mutual-exclusion violation: how far each section ran, and the faults then ('' for other violations). */
export function violationDetail(v: Violation, lockIs: LockWord = 'key'): string {
  if (v.property !== 'mutex') return '';
  const faults = v.faultsActive.length > 0 ? `; faults: ${v.faultsActive.join('; ')}` : '';
  return `\n      ${sectionPastText(v.first, v.firstPastQuorumMs, v.firstQuorumLostBy, lockIs)}; ${sectionPastText(v.second, v.secondPastQuorumMs, v.secondQuorumLostBy, lockIs)}${faults}`;
}

/**
 * One line per incident (see check/incidents.ts): what a reader wants first. A pause that
 * overlaps 14 sections is one incident, its pairs inside, and the lost updates or fencing
 * violations committed inside it are counted on its line; any other violation has a line of
 * its own. At most `max` lines, then `… N more`.
 */
export function violationSummary(violations: readonly Violation[], max = 5, lockIs: LockWord = 'key'): string[] {
  const lines: string[] = [];
  for (const incident of incidentsOf(violations)) {
    const m = incident.mutex;
    const others = incident.violations.filter((v) => v.property !== 'mutex');
    if (m === null) {
      for (const v of others) lines.push(`${violationText(v)}${violationDetail(v, lockIs)}`);
      continue;
    }
    const first = m.pairs[0] as MutexViolation;
    const inside = others.length === 0 ? '' : `; inside it: ${incidentCountsText({ ...incident, counts: incident.counts.filter(([k]) => k !== 'mutex') })} (the first: ${violationText(others[0] as Violation)})`;
    if (m.pairs.length === 1) {
      lines.push(`${violationText(first)}${inside}${violationDetail(first, lockIs)}`);
      continue;
    }
    const who = [...m.sections].map(([client, sections]) => `${client} (${sections.length} section${sections.length === 1 ? '' : 's'})`).join(', ');
    lines.push(
      `mutual exclusion broken: one incident of ${m.pairs.length} overlapping pairs from ${(m.from / 1000).toFixed(3)} to ${atMs(m.to)}: ${who}; the first pair: ${violationText(first).replace(/^mutual exclusion broken: /, '')}${inside}${violationDetail(first, lockIs)}`,
    );
  }
  return lines.length > max ? [...lines.slice(0, max), `… ${lines.length - max} more`] : lines;
}

/** What of a run its verdict line needs. */
export type VerdictOf = Pick<RunResult, 'scenario' | 'variant' | 'verdict' | 'expected' | 'invalid'>;

/** `ok   gc-pause/redlock: UNSAFE (expected unsafe)`, or `FAIL …`, with why a run has no verdict. */
export function verdictLine(result: VerdictOf): string {
  return `${result.verdict === result.expected ? 'ok  ' : 'FAIL'} ${result.scenario}/${result.variant}: ${verdictWords(result)}`;
}

/** `UNSAFE (expected unsafe)`, `INVALID (expected safe): no verdict, <why>`. */
function verdictWords(result: VerdictOf): string {
  const why = result.verdict === 'invalid' && result.invalid !== null ? `: no verdict, ${result.invalid.reason}` : '';
  return `${result.verdict.toUpperCase()} (expected ${result.expected})${why}`;
}

/**
 * A cell of the verdict matrix (report/matrix.ts): the verdict its runs reached, `UNSAFE`, and the
 * seeds that concluded otherwise, if any: `SAFE (seed 3: UNSAFE)`, `SAFE (seeds 3, 9: UNSAFE)`.
 */
export function matrixCellText(verdict: VerdictOf['verdict'], others: ReadonlyArray<{ readonly seed: number; readonly verdict: VerdictOf['verdict'] }>): string {
  const by = new Map<string, number[]>();
  for (const o of others) by.set(o.verdict, [...(by.get(o.verdict) ?? []), o.seed]);
  const parts = [...by].map(([v, seeds]) => `seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}: ${v.toUpperCase()}`);
  return parts.length === 0 ? verdict.toUpperCase() : `${verdict.toUpperCase()} (${parts.join('; ')})`;
}

/** A word the shell reads as it is, or the word in single quotes (variant names hold parentheses and commas). */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./=:%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * One run of `run --seeds`, on one line: `ok   scenario/variant seed 3: UNSAFE (expected unsafe)`
 * and what it was judged on; a run not as expected also gets the command that reruns it alone.
 */
export function seedRunLine(result: VerdictOf & Pick<RunResult, 'seed' | 'evidence' | 'durationOverrideMs'>, scenarioRef: string): string {
  const ok = result.verdict === result.expected;
  const e = result.evidence;
  const line = `${ok ? 'ok  ' : 'FAIL'} ${result.scenario}/${result.variant} seed ${result.seed}: ${verdictWords(result)}; ${e.acquisitions} acquisitions, ${e.redisCommands} ${e.requestsAre}`;
  const duration = result.durationOverrideMs === undefined ? '' : ` --duration ${result.durationOverrideMs}ms`;
  return ok ? line : `${line}\n     rerun: locksim run ${shellWord(scenarioRef)} --variant ${shellWord(result.variant)} --seed ${result.seed}${duration} --timeline`;
}

/** The line under a verdict: what it was judged on (`redisCommands: false` for a stored history, which does not count them). */
export function evidenceLine(evidence: Evidence, options: { redisCommands?: boolean } = {}): string {
  return `  evidence: ${evidenceText(evidence, options)}`;
}

/** What one fault did: `  fault @100ms pause client-1 for 15000ms: 6 timer firings …`, with `when` (real mode: when it took effect) after it. */
export function faultLine(f: Pick<FaultRecord, 'description' | 'fired' | 'effect'>, when = ''): string {
  return `  fault ${f.description}: ${faultEffectText(f)}${when}`;
}

/** A client that died of an uncaught error. */
export function processErrorLine(e: { readonly at: number; readonly process: string; readonly message: string }): string {
  return `  error in ${e.process} at ${atMs(e.at)}: ${e.message}`;
}

/** The counts under a report: acquisitions, failed attempts, writes, Redis commands, and `events` (kernel events, or a real run's history events). */
export function countsLine(stats: RunResult['stats'], events: number, eventsAre: 'kernel events' | 'history events', requestsAre: string): string {
  return `  ${stats.acquired} acquisitions, ${stats.acquireFailures} failed attempts, ${stats.writesAccepted} writes accepted, ${stats.writesRefused} refused, ${stats.redisCommands} ${requestsAre}, ${events} ${eventsAre}`;
}

/** Under the verdict, when the world itself drifts or starts skewed: no heal undoes it, and a run without faults there is no control. */
export function worldConditionsLine(conditions: readonly string[], anyFaults: boolean): string | null {
  if (conditions.length === 0) return null;
  return `  ${anyFaults ? '' : 'no faults, but not a control run: '}the world itself (no heal undoes it): ${conditions.join('; ')}`;
}

/** `  trace hash 5be9eacafd5a5891`. */
export function traceHashLine(traceHash: string): string {
  return `  trace hash ${traceHash}`;
}
