import type { History, HistoryEvent, ResourceWrite } from './history.ts';
import type { Verdict } from './online.ts';

/**
 * No verdict without evidence. A run is judged `safe` (or `stuck`) only if the checkers had
 * something to judge: clients that ran (none died of an uncaught error: a library that fails
 * to load, "X is not a constructor"), at least one acquisition, and lock commands that reached
 * the Redis nodes. Otherwise the run is `invalid`, with the reason and the first error. A
 * safety violation found is evidence on its own: such a run stays `unsafe`.
 */

/** What one client did, as the checkers saw it. */
export interface ClientEvidence {
  /** Acquires that returned a lease. */
  acquisitions: number;
  /** Acquires that completed without a lease (no lease, or an error). */
  acquireFailures: number;
  /** Of those, acquires that rejected with an error. */
  acquireErrors: number;
  /** Critical sections that reached the protected resource (its read answered). */
  sections: number;
  writesAccepted: number;
  writesRefused: number;
}

/** What a run's verdict rests on: per client and in total. */
export interface Evidence {
  readonly perClient: Readonly<Record<string, ClientEvidence>>;
  readonly acquisitions: number;
  readonly sections: number;
  readonly writes: { readonly accepted: number; readonly refused: number };
  /** Requests the lock's nodes received (simulation), or the clients sent (real mode); the name is Redis's, the count any service's. */
  readonly redisCommands: number;
  /** What `redisCommands` counts, in words (`Redis commands`, `PostgreSQL queries`, `requests to the lock's nodes` for several services). */
  readonly requestsAre: string;
}

/** What a run's request count counts, from the titles' words of the services its lock uses. */
export function requestsWords(serviceWords: readonly string[]): string {
  const distinct = [...new Set(serviceWords)];
  return distinct.length === 1 ? (distinct[0] as string) : distinct.length === 0 ? 'Redis commands' : "requests to the lock's nodes";
}

/** Why a run has no verdict. */
export interface Invalidity {
  /**
   * `error`: a client died of an uncaught error; `no-progress`: nothing the checkers could judge;
   * `real-time`: simulated code reached the host's real clock, timers or randomness (src/sim/real-time-guard.ts).
   */
  readonly kind: 'error' | 'no-progress' | 'real-time';
  readonly reason: string;
  /** The first error behind it (an uncaught error, or what the first failed acquire rejected with), if any. */
  readonly firstError: string | null;
}

/** An error a process died of (a client's uncaught error). */
export interface ProcessErrorRecord {
  readonly at: number;
  readonly process: string;
  readonly message: string;
}

/**
 * A library, run in its realm, crashed its process as Node would (an uncaught exception or an
 * unhandled rejection in its own callbacks: src/realm/realm.ts). That is the library's own
 * failure path, faithfully simulated: a crash, whose section ends there, not a run that could
 * not be judged. (Errors thrown where the lock is made or loaded, "X is not a constructor", a
 * package the realm cannot load, are not RealmCrashes.)
 */
export function isLibraryCrash(error: ProcessErrorRecord): boolean {
  return error.message.startsWith('RealmCrash: ');
}

/** The workload's reason for an acquire that returned no lease (not an error). */
const NOT_ACQUIRED = 'not acquired';

function emptyClient(): ClientEvidence {
  return { acquisitions: 0, acquireFailures: 0, acquireErrors: 0, sections: 0, writesAccepted: 0, writesRefused: 0 };
}

/**
 * Counts the evidence as the history is recorded (so a run that keeps only a window of its
 * history still reports the whole run's figures).
 */
export class EvidenceTally {
  private readonly perClient = new Map<string, ClientEvidence>();
  private attempts = 0;
  private firstAcquireError: { process: string; message: string } | null = null;
  /** Whether a client's last failed acquire was an error (the workload then records a second 'not acquired'). */
  private readonly lastFailWasError = new Map<string, boolean>();

  constructor(clients: readonly string[]) {
    for (const c of clients) this.perClient.set(c, emptyClient());
  }

  static of(history: History, clients: readonly string[]): EvidenceTally {
    const tally = new EvidenceTally(clients);
    for (const e of history.events) tally.event(e);
    for (const w of history.writes) tally.write(w);
    return tally;
  }

  event(e: HistoryEvent): void {
    if (e.kind === 'read' && e.phase === 'ok') this.client(e.process).sections++;
    if (e.kind !== 'acquire') return;
    const c = this.client(e.process);
    if (e.phase === 'invoke') this.attempts++;
    else if (e.phase === 'ok') c.acquisitions++;
    else if (e.phase === 'fail') {
      // The workload records an acquire that rejected twice: with the error, then 'not acquired'.
      if (e.reason !== undefined && e.reason !== NOT_ACQUIRED) {
        c.acquireErrors++;
        c.acquireFailures++;
        this.firstAcquireError ??= { process: e.process, message: e.reason };
      } else if (this.lastFailWasError.get(e.process) !== true) {
        c.acquireFailures++;
      }
      this.lastFailWasError.set(e.process, e.reason !== undefined && e.reason !== NOT_ACQUIRED);
      return;
    }
    this.lastFailWasError.set(e.process, false);
  }

  write(w: ResourceWrite): void {
    const c = this.client(w.process);
    if (w.accepted) c.writesAccepted++;
    else c.writesRefused++;
  }

  evidence(redisCommands: number, requestsAre = 'Redis commands'): Evidence {
    const perClient: Record<string, ClientEvidence> = {};
    let acquisitions = 0;
    let sections = 0;
    let accepted = 0;
    let refused = 0;
    for (const [name, c] of this.perClient) {
      perClient[name] = { ...c };
      acquisitions += c.acquisitions;
      sections += c.sections;
      accepted += c.writesAccepted;
      refused += c.writesRefused;
    }
    return { perClient, acquisitions, sections, writes: { accepted, refused }, redisCommands, requestsAre };
  }

  /**
   * Why the run cannot be judged, or null. `errors` are the processes' uncaught errors; only
   * those of clients count (a crash fault is not an error: it is not among them), and a
   * library's own crash ({@link isLibraryCrash}) counts as a crash unless nothing was acquired.
   */
  invalidity(evidence: Evidence, errors: readonly ProcessErrorRecord[], isClient: (process: string) => boolean): Invalidity | null {
    const clientErrors = errors.filter((e) => isClient(e.process));
    const first = clientErrors.find((e) => !isLibraryCrash(e));
    if (first !== undefined) {
      const others = new Set(clientErrors.map((e) => e.process)).size - 1;
      return {
        kind: 'error',
        reason: `${first.process} died of an uncaught error${others > 0 ? ` (and ${others} other client${others === 1 ? '' : 's'})` : ''}: ${first.message}`,
        firstError: first.message,
      };
    }
    if (evidence.acquisitions === 0) {
      const attempts = this.attempts;
      const failed = Object.values(evidence.perClient).reduce((sum, c) => sum + c.acquireFailures, 0);
      const firstError = this.firstAcquireError;
      const crash = clientErrors[0];
      if (crash !== undefined) {
        return { kind: 'error', reason: `no client ever acquired: ${crash.process} died of an uncaught error: ${crash.message}`, firstError: crash.message };
      }
      if (firstError !== null) {
        return { kind: 'no-progress', reason: `no client ever acquired: ${failed} attempts failed; the first with ${firstError.process}: ${firstError.message}`, firstError: firstError.message };
      }
      if (attempts === 0) return { kind: 'no-progress', reason: 'no client ever acquired: no client even tried (is the run too short?)', firstError: null };
      if (failed === 0) return { kind: 'no-progress', reason: `no client ever acquired: ${attempts} attempts, none returned`, firstError: null };
      return { kind: 'no-progress', reason: `no client ever acquired: ${failed} attempts returned no lease`, firstError: null };
    }
    if (evidence.redisCommands === 0) {
      return { kind: 'no-progress', reason: `no request reached the lock's nodes (0 ${evidence.requestsAre}): the lock never used the service it is supposed to lock with`, firstError: null };
    }
    return null;
  }

  private client(process: string): ClientEvidence {
    let c = this.perClient.get(process);
    if (c === undefined) {
      c = emptyClient();
      this.perClient.set(process, c);
    }
    return c;
  }
}

/**
 * The verdict with the evidence taken into account. A violation found is evidence: `unsafe`
 * stays, and so does `stuck` when the run only lacked acquisitions (clients that waited forever
 * on an acquire that never returned: the liveness checker judged exactly that). A client that
 * died of an error makes any other verdict `invalid`; so does a run with no progress at all.
 */
export function verdictWithEvidence(verdict: Verdict, invalid: Invalidity | null): Verdict {
  if (invalid?.kind === 'real-time') return 'invalid'; // not even a violation stands on real time
  if (invalid === null || verdict === 'unsafe') return verdict;
  if (verdict === 'stuck' && invalid.kind === 'no-progress') return verdict;
  return 'invalid';
}

/** One line: what the verdict rests on. */
export function evidenceText(evidence: Evidence, options: { redisCommands?: boolean } = {}): string {
  const commands = options.redisCommands === false ? '' : `, ${evidence.redisCommands} ${evidence.requestsAre}`;
  const clients = Object.entries(evidence.perClient)
    .map(([name, c]) => `${name} ${c.acquisitions}/${c.sections}/${c.writesAccepted + c.writesRefused}`)
    .join(', ');
  return (
    `judged on ${evidence.acquisitions} acquisitions, ${evidence.sections} sections, ${evidence.writes.accepted} writes accepted and ${evidence.writes.refused} refused${commands}` +
    (clients === '' ? '' : ` (acquisitions/sections/writes per client: ${clients})`)
  );
}
