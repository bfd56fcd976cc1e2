/**
 * The report's node lane for database locks: the PostgreSQL and SQL Server nodes report who
 * holds the lock on the server (the holding session, named as the lease names it), from when to
 * when, and what ended it (a release, the server ending a session). The recording turns that into
 * key lifetimes and key commands, as for a Redis key.
 */
import { describe, expect, it } from 'vitest';
import dbSessionPartition from '../../scenarios/db-session-partition.ts';
import dbXactRollback from '../../scenarios/db-xact-rollback.ts';
import matrixDelayedWrite from '../../scenarios/matrix/delayed-write.ts';
import { readKeyCommands } from '../../src/check/key-commands.ts';
import { runScenario } from '../../src/scenario/run.ts';

const ms = (micros: number | null): number | null => (micros === null ? null : Math.round(micros / 1000));

describe("the node lane shows a database lock's life on the server", () => {
  it('PostgreSQL: client-1 holds it until the server ends its silent session (keepalive, 8 s after the cut), then client-2', async () => {
    const r = await runScenario(dbSessionPartition, { seed: 1, variant: 'session-lock' });
    const lifetimes = r.history.keys.filter((k) => k.node === 'postgres-1');
    expect(lifetimes.slice(0, 2).map((k) => ({ holder: k.holder, endedBy: k.endedBy }))).toEqual([
      { holder: 'client-1', endedBy: 'deleted' },
      { holder: 'client-2', endedBy: 'deleted' },
    ]);
    const first = lifetimes[0];
    // The cut at 500 ms, the lock's last traffic a few ms in: 5 s idle + 3 probes a second apart.
    expect(ms(first?.to ?? null)).toBeGreaterThan(8_000);
    expect(ms(first?.to ?? null)).toBeLessThan(8_010);
    const ended = (r.history.commands ?? []).find((c) => c.command === 'SESSION-END');
    expect(ended).toMatchObject({ from: 'postgres-1', reply: 'keepalive', node: 'postgres-1', after: null });
    expect(ended?.before).toMatch(/^pid-\d+@postgres-1$/);
  });

  it('PostgreSQL: a transaction lock ended by idle_in_transaction_session_timeout is the server ending the session', async () => {
    const r = await runScenario(dbXactRollback, { seed: 1, variant: 'xact-lock' });
    const ended = (r.history.commands ?? []).find((c) => c.command === 'SESSION-END');
    expect(ended).toMatchObject({ from: 'postgres-1', reply: 'idle-in-transaction' });
    expect(r.history.keys.find((k) => k.node === 'postgres-1')?.holder).toBe('client-1');
  });

  it("a session ended by the holder's own pool (mssql closes an idle connection) is not read as the holder renewing", async () => {
    const r = await runScenario(matrixDelayedWrite, { seed: 1, variant: 'sqlserver' });
    const ended = readKeyCommands(r.history).filter((c) => c.command.command === 'SESSION-END' && c.command.from.startsWith('client'));
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.map((c) => c.renewal)).toEqual(ended.map(() => false));
  });

  it('SQL Server: the same lane, the holding session named by its @@SPID', async () => {
    const r = await runScenario(dbSessionPartition, { seed: 1, variant: 'sqlserver-session-lock(keepalive-1s)' });
    const lifetimes = r.history.keys.filter((k) => k.node === 'sqlserver-1');
    expect(lifetimes.slice(0, 2).map((k) => k.holder)).toEqual(['client-1', 'client-2']);
    const ended = (r.history.commands ?? []).find((c) => c.command === 'SESSION-END');
    expect(ended).toMatchObject({ from: 'sqlserver-1', reply: 'keepalive' });
    expect(ended?.before).toMatch(/^spid-\d+@sqlserver-1$/);
    // The release that follows, and the grant it lets in, are two changes, not one overwrite.
    const release = (r.history.commands ?? []).find((c) => c.command === 'SP_RELEASEAPPLOCK');
    expect(release).toMatchObject({ after: null });
  });
});
