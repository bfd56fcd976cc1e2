/**
 * Why real mode refuses a SQL Server node, in one sentence for the user (real mode's runner
 * shows it for a scenario with a `service: 'sqlserver'` node).
 */
export const SQLSERVER_REAL_MODE_REFUSAL =
  'real mode cannot run a SQL Server node: SQL Server does not run on the machines locksim runs on (it needs a Microsoft SQL Server install or container, which locksim does not start); ' +
  "the simulated SQL Server's application locks are checked against Microsoft's documentation of sp_getapplock and sp_releaseapplock instead (test/services/sqlserver-*.test.ts). Run this scenario without --real.";
