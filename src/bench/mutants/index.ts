/**
 * The planted-bug corpus (issue #14): one flawed lock per pitfall family, each beside its correct
 * twin (the same code with the one bug fixed), all written against the public lock interface
 * only (src/index.ts: LockFactory, Lease, LockContext, RedisLike.call, Clock, Random).
 * `checkOptions` are the checkLock options a user of that kind of lock would pass.
 */
import type { LockCheckOptions, LockFactory } from '../../index.ts';
import { redlockLike } from './redlock-like.ts';
import { zsetSemaphore } from './semaphore.ts';
import { watchdog } from './watchdog.ts';

export interface Mutant {
  readonly family: string;
  /** One line: what the bug is. */
  readonly bug: string;
  readonly flawed: LockFactory;
  readonly correct: LockFactory;
  readonly checkOptions?: Partial<Omit<LockCheckOptions, 'lock'>>;
  /**
   * Set when the bug only shows under faults outside the lock's model: the benchmark and the
   * test then search with these faults (ALL_FAULTS), and say so.
   */
  readonly outsideModel?: string;
}

/** One node, and a client that waits for its replies (ioredis's default). */
const oneNode = { nodes: 1 } as const;
/** Renewing locks: the application relies on the lease's signal, not on the validity at acquire (its work may outlast a TTL). */
const renewing = { nodes: 1, workload: { stopAtValidity: undefined } } as const;

export const MUTANTS: readonly Mutant[] = [
  {
    family: 'quorum off by one',
    bug: 'quorum floor(n/2) instead of floor(n/2)+1: two clients each hold a "majority"',
    flawed: redlockLike('quorum-off-by-one', { quorum: (n) => Math.floor(n / 2) }),
    correct: redlockLike('quorum-off-by-one:twin'),
    checkOptions: { nodes: 3 },
  },
  {
    family: 'non-atomic release',
    bug: 'release is GET then DEL in two round trips: the key can expire and be taken between them, and the DEL deletes the new holder\'s key',
    flawed: redlockLike('get-then-del', { release: 'get-del', timeoutMs: Infinity }),
    correct: redlockLike('get-then-del:twin', { timeoutMs: Infinity }),
    checkOptions: oneNode,
  },
  {
    family: 'release by plain DEL',
    bug: 'release (and the clean-up after a failed attempt) is a plain DEL: it deletes whoever\'s key is there',
    flawed: redlockLike('plain-del', { release: 'del' }),
    correct: redlockLike('plain-del:twin'),
    checkOptions: { nodes: 3 },
  },
  {
    family: 'extend without ownership check',
    bug: 'when SET NX fails the acquire assumes the key may be its own (a lost reply) and extends it with a plain PEXPIRE, which succeeds on anyone\'s key',
    flawed: redlockLike('pexpire-anyones', { mine: 'pexpire' }),
    correct: redlockLike('pexpire-anyones:twin', { mine: 'cap' }),
    checkOptions: { nodes: 3 },
  },
  {
    family: 'extend without validity check',
    bug: 'a renewal waits for its reply however long it takes and never checks the lease\'s validity meanwhile: a slow renewal leaves the holder working past its key',
    flawed: watchdog('renew-unbounded', { renewTimeoutMs: Infinity }),
    correct: watchdog('renew-unbounded:twin'),
    checkOptions: renewing,
  },
  {
    family: 'resurrecting renewal',
    bug: 'the renewal script SETs the key again when it is missing, so a holder whose key vanished "renews" it and never learns it lost the lock',
    flawed: watchdog('recreate-missing', { script: 'recreate' }),
    correct: watchdog('recreate-missing:twin'),
    checkOptions: renewing,
    outsideModel:
      'inside the model a renewal is never late enough to find the key gone (it times out first, and the node keeps the key for its TTL); the key vanishes under the holder only when the holder is paused past its lease',
  },
  {
    family: 'validity on the wall clock',
    bug: 'validity is measured on the wall clock (clock.now()), so a step of the client\'s clock moves it',
    flawed: redlockLike('wall-clock', { timeSource: 'wall' }),
    correct: redlockLike('wall-clock:twin'),
    checkOptions: { nodes: 3 },
  },
  {
    family: 'no drift allowance',
    bug: 'validity = start + ttl with no allowance for a node clock that runs fast',
    flawed: redlockLike('no-drift', { driftAllowance: false, timeoutMs: Infinity }),
    correct: redlockLike('no-drift:twin', { timeoutMs: Infinity }),
    checkOptions: oneNode,
  },
  {
    family: 'no elapsed-time check',
    bug: 'the lease is handed out even when the acquire took longer than the TTL (ttl − elapsed − drift ≤ 0)',
    flawed: redlockLike('no-elapsed-check', { checkElapsed: false, timeoutMs: Infinity }),
    correct: redlockLike('no-elapsed-check:twin', { timeoutMs: Infinity }),
    checkOptions: oneNode,
  },
  {
    family: 'fencing token from a counter that loses writes',
    bug: 'the token counter key is given the lock\'s TTL: it vanishes between holders and tokens start again at 1',
    flawed: redlockLike('token-counter-ttl', { fencing: 'ttl' }),
    correct: redlockLike('token-counter-ttl:twin', { fencing: 'counter' }),
    checkOptions: { nodes: 3, resource: 'fenced' },
  },
  {
    family: 'retries that keep minority keys',
    bug: 'a failed attempt does not remove its keys, and the retry (same value) counts a key it finds with its value as locked, with validity counted from the retry',
    flawed: redlockLike('keeps-minority-keys', { cleanup: false, mine: 'get', timeoutMs: Infinity }),
    correct: redlockLike('keeps-minority-keys:twin', { mine: 'get', timeoutMs: Infinity }),
    checkOptions: { nodes: 3 },
  },
  {
    family: 'renewal timer started late',
    bug: 'the first renewal is armed for a full TTL after the acquire (when the key is already due) instead of a third of it',
    flawed: watchdog('renewal-late', { firstRenewal: 1 }),
    correct: watchdog('renewal-late:twin'),
    checkOptions: renewing,
  },
  {
    family: 'ignoring the lost-lease signal',
    bug: 'a failed renewal stops the renewals but never aborts lease.signal: the holder works on',
    flawed: watchdog('signal-never-aborts', { abortOnLoss: false }),
    correct: watchdog('signal-never-aborts:twin'),
    checkOptions: renewing,
  },
  {
    family: 'validity from the reply time',
    bug: 'validity counted from the last reply instead of the start of the attempt: a slow reply adds its delay to the lease',
    flawed: redlockLike('validity-from-reply', { validityFrom: 'reply', timeoutMs: Infinity }),
    correct: redlockLike('validity-from-reply:twin', { timeoutMs: Infinity }),
    checkOptions: oneNode,
  },
  {
    family: 'semaphore trusting client clocks',
    bug: 'a sorted-set semaphore scores and expires holders by the caller\'s wall clock: a client whose clock stepped forward evicts a live holder',
    flawed: zsetSemaphore('zset-client-clock', true),
    correct: zsetSemaphore('zset-client-clock:twin', false),
    checkOptions: oneNode,
  },
];
