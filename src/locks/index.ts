/**
 * The lock algorithms' public API: the contract (interface.ts), the algorithms with their
 * options and factories, and the shared helpers they are built from.
 */
export type {
  CancelTimer,
  Clock,
  Lease,
  LockAlgorithm,
  LockContext,
  LockFactory,
  Random,
  RedisLike,
  TimeSource,
} from './interface.ts';
export {
  COMPARE_AND_DELETE_SCRIPT,
  COMPARE_AND_PEXPIRE_SCRIPT,
  RECREATE_MISSING_SCRIPT,
  answered,
  callWithTimeout,
  DRIFT_CONSTANT_MS,
  driftAllowance,
  isRenewable,
  readTime,
  type ExtendMethod,
  type MeasuredLease,
  type NodeOutcome,
  type ReleaseMethod,
  type RenewableLockAlgorithm,
  type RenewMethod,
} from './common.ts';
export {
  SINGLE_INSTANCE_DEFAULTS,
  SingleInstanceLock,
  singleInstance,
  type SingleInstanceOptions,
} from './single-instance.ts';
export { REDLOCK_DEFAULTS, Redlock, quorumOf, redlock, type RedlockOptions } from './redlock.ts';
export {
  AutoRenewingLock,
  LEASE_DEFAULTS,
  LeaseLostError,
  RenewingLease,
  lease,
  type LeaseLossReason,
  type LeaseOptions,
  type LeaseState,
  type RenewalMethod,
} from './lease.ts';
export {
  FENCING_DEFAULTS,
  FencedLease,
  FencedLock,
  defaultTokenKey,
  fencing,
  type FencingOptions,
} from './fencing.ts';
export type { DatabaseLike, SqlClientConfig, SqlClientLike, SqlPoolClientLike, SqlPoolConfig, SqlPoolLike, SqlResult } from './interface.ts';
export { ADVISORY_DEFAULTS, HeldLock, advisoryKey, type AdvisoryOptions } from './advisory-common.ts';
export { AdvisoryLock, pgAdvisoryLock, type AdvisoryLockOptions, type AdvisoryReleaseMethod } from './advisory-session.ts';
export { AdvisoryXactLock, pgAdvisoryXactLock } from './advisory-transaction.ts';
export { AppLockCallError, AppLockLease, SQLSERVER_APPLOCK_DEFAULTS, SqlServerAppLock, sqlServerAppLock, type SqlServerAppLockOptions } from './sqlserver-applock.ts';
export type { MssqlConfigLike, MssqlModuleLike, MssqlPoolLike, MssqlQueryResultLike, MssqlRequestLike, MssqlResultLike, MssqlTransactionLike, MssqlTypeLike, SqlServerLike } from './mssql-like.ts';
