/**
 * Real mode with PostgreSQL nodes (src/real/postgres-process.ts): catalog database scenarios
 * replayed against a real PostgreSQL server (Debian's, started as an ordinary user, or as the
 * `postgres` user when run as root, on a free loopback port in a temporary folder), reached
 * through Toxiproxy by client processes running node-postgres, reach the verdict the simulation
 * reaches. What real mode cannot do to a database node is refused up front, saying why.
 *
 * Real time runs 1:1; each run is shortened to what still contains its story.
 */
import { describe, expect, it } from 'vitest';
import { RealModeUnsupportedError, runReal } from '../../src/real/runner.ts';
import dbPoolKeepsLock from '../../scenarios/db-pool-keeps-lock.ts';
import dbSessionPartition from '../../scenarios/db-session-partition.ts';
import dbXactRollback from '../../scenarios/db-xact-rollback.ts';
import { postgresTestsEnabled } from '../support/pg-server.ts';
import { agree, shimTestsEnabled, toxiproxyTestsEnabled } from './helpers.ts';

const enabled = postgresTestsEnabled() && shimTestsEnabled() && toxiproxyTestsEnabled();

describe('real mode refuses what Toxiproxy cannot do to a database node', () => {
  it('a cut between a client and a PostgreSQL node (Toxiproxy answers the keepalive probes), naming why', async () => {
    const run = runReal(dbSessionPartition, { seed: 1, variant: 'session-lock', simulate: false });
    await expect(run).rejects.toThrow(RealModeUnsupportedError);
    await expect(runReal(dbSessionPartition, { seed: 1, variant: 'session-lock', simulate: false })).rejects.toThrow(/answers the server's TCP keepalive probes/);
  });
});

describe.runIf(enabled)('real mode on PostgreSQL agrees with the simulation', () => {
  it('db-xact-rollback/xact-lock: the real idle_in_transaction_session_timeout ends the paused holder\'s transaction: unsafe', async () => {
    const r = await agree(dbXactRollback, 'xact-lock', 16_000, 'unsafe');
    // client-2 got the lock when the server ended client-1's session, about 5 s after its last statement.
    const second = r.history.events.find((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok');
    expect(second?.at ?? 0).toBeGreaterThan(4_900_000);
    expect(second?.at ?? 0).toBeLessThan(6_000_000);
  }, 120_000);

  it('db-xact-rollback/xact-lock+fencing: the nextval token of the next holder is higher: safe', async () => {
    const r = await agree(dbXactRollback, 'xact-lock+fencing', 16_000, 'safe');
    expect(r.stats.writesRefused).toBeGreaterThan(0);
  }, 120_000);

  it('db-pool-keeps-lock/returned-to-pool: the pool keeps the session and its lock: stuck', async () => {
    await agree(dbPoolKeepsLock, 'returned-to-pool', 40_000, 'stuck');
  }, 120_000);
});
