/**
 * locksim's public API: build and run scenarios, explore and replay them, and the pieces they
 * are made of (the kernel, simulated Redis, lock algorithms, faults, checkers).
 */
export * from './locks/index.ts';
export * from './services/blob/locks/index.ts';
// The adapters of published lock libraries (the library itself comes from the user's project).
export * from './libraries/index.ts';
export { World, ms, seconds, type WorldOptions, type ProcessContext, type DelayModel, type Micros } from './sim/index.ts';
export { SimRedis, createClient, ReplyError, type SimRedisOptions } from './redis/client.ts';
export { addRedisNode, RedisNode, type Persistence, type RedisNodeOptions } from './redis/node.ts';
export { describeFault, validateFault, FAULT_KINDS, type Fault, type FaultKind } from './faults/fault.ts';
export { faultSchedule, DEFAULT_FAULT_KINDS, type FaultGenerator } from './faults/arbitrary.ts';
export type { History, HistoryEvent, ResourceWrite, FaultRecord } from './check/history.ts';
export { runScenario, findVariant, type RunOptions, type RunResult, type Violation } from './scenario/run.ts';
export type { Scenario, Variant, Verdict, Property, WorldSpec, NodeSpec, ClientSpec } from './scenario/types.ts';
export type { WorkloadOptions } from './workload/client.ts';
export type { ResourceMode } from './workload/resource.ts';
export { explore, type ExploreOptions, type ExploreResult } from './explore/explore.ts';
export { encodeToken, decodeToken, replayCommand, type ReplayToken } from './explore/token.ts';
export { checkLock, lockScenario, LockCheckError, type LockCheckOptions } from './testing.ts';
export { IN_MODEL_FAULTS, ALL_FAULTS, inModelFaults, outsideModel } from './faults/model.ts';
export { loadCatalog, loadScenario } from './scenario/load.ts';
export { validateScenario, ScenarioError } from './scenario/validate.ts';
export { renderTimeline } from './report/timeline.ts';
// Client shapes over simulated connections (also `locksim/ioredis`, `locksim/redis`) and a library's own test suite in simulation (`locksim/suite`).
export { AddressMap, ioredisModule, provideClients, simulatedIoredis, type IoredisOptions, type SimulatedClientOptions } from './ioredis.ts';
export { nodeRedisModule, nodeRedisV3Module, simulatedNodeRedis, simulatedNodeRedisV3 } from './node-redis.ts';
export { runLibrarySuite, formatSuiteReport, type LibrarySuiteOptions, type LibrarySuiteReport } from './suite/index.ts';
