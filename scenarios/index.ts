/** The scenario catalog, in the order `locksim list` and the reports show it (DESIGN §7). */
import type { Scenario } from '../src/scenario/types.ts';
import blobBrokenLease from './blob-broken-lease.ts';
import blobEtagGuard from './blob-etag-guard.ts';
import blobNodeCrash from './blob-node-crash.ts';
import blobPauseRenewal from './blob-pause-renewal.ts';
import blobSlowClientClock from './blob-slow-client-clock.ts';
import clientClockStep from './client-clock-step.ts';
import clockDrift from './clock-drift.ts';
import clockJumpPartition from './clock-jump-partition.ts';
import control from './control.ts';
import dbLockWait from './db-lock-wait.ts';
import dbPoolKeepsLock from './db-pool-keeps-lock.ts';
import dbSessionPartition from './db-session-partition.ts';
import dbXactRollback from './db-xact-rollback.ts';
import delayedWrite from './delayed-write.ts';
import failover from './failover.ts';
import fencingRegression from './fencing-regression.ts';
import gcPause from './gc-pause.ts';
import nodeRestart from './node-restart.ts';
import pauseInFlight from './pause-in-flight.ts';
import plainDelRelease from './plain-del-release.ts';
import renewalTooLate from './renewal-too-late.ts';
import { libraryScenarios } from './libraries/index.ts';
import { matrixRows } from './matrix/index.ts';

export const catalog: readonly Scenario[] = [
  gcPause,
  pauseInFlight,
  clockJumpPartition,
  nodeRestart,
  failover,
  delayedWrite,
  clockDrift,
  clientClockStep,
  plainDelRelease,
  renewalTooLate,
  fencingRegression,
  control,
  // Database locks (PostgreSQL advisory locks, src/services/postgres/) on the same faults, beside Redis.
  dbSessionPartition,
  dbXactRollback,
  dbPoolKeepsLock,
  dbLockWait,
  // Azure Blob leases (src/services/blob/) on the same faults: the service's clock decides.
  blobPauseRenewal,
  blobSlowClientClock,
  blobBrokenLease,
  blobEtagGuard,
  blobNodeCrash,
  // The verdict matrix (tag matrix, `locksim matrix`): every mechanism above on the same faults, side by side.
  ...matrixRows,
  // Published libraries, unmodified, each simulated client with its own clock (docs/libraries.md).
  ...libraryScenarios,
];
