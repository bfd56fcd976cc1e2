import fc from 'fast-check';
import type { FaultKindSpec } from '../kind.ts';

/**
 * A replica becomes the primary (as Sentinel promotes one), and the clients of its primary are
 * pointed at it: what had not reached it is lost.
 */
export const failover: FaultKindSpec<'failover'> = {
  describe: (f) => `failover to ${f.replica}`,
  end: (f) => f.at,
  validate(check) {
    check.process('replica');
  },
  outsideModel: () => 'failover to an asynchronous replica: acknowledged writes can be lost',
  generate: {
    onProcess: false,
    possible: (d) => d.replicas.length > 0,
    arbitrary: (d) => fc.record({ kind: fc.constant('failover' as const), at: d.at, replica: fc.constantFrom(...d.replicas) }),
    // Just after a grant, before the replica has it: the promoted replica never saw the key.
    single: (turn, s) => (turn.peer === undefined ? [] : s.replicas.map((replica) => ({ kind: 'failover' as const, at: turn.atMs + 0.5, replica }))),
  },
  simulate(f, sim) {
    const failover = sim.nodes.get(f.replica)?.faults.failover?.();
    if (failover === undefined) throw new Error(`failover: '${f.replica}' is not a Redis node`);
    // The clients of its primary reach it from now on, as after Sentinel's announcement.
    if (failover.primary !== undefined) sim.redirect(failover.primary, f.replica);
    sim.begin(() => (failover.wasReplica ? `${f.replica} promoted to primary` : null));
    failover.promote();
    sim.instant();
  },
  real: {
    // REPLICAOF NO ONE on the replica; every client link to its primary re-pointed at it (Toxiproxy
    // restarts those proxies, so clients reconnect).
    async apply(f, real) {
      const node = real.nodes.get(f.replica);
      const primary = node?.primary;
      let effect: string | null = null;
      if (node?.process !== undefined && primary !== undefined) {
        await node.promote();
        const keys = await node.keys();
        const moved = await real.network.redirect(primary, f.replica);
        effect = `${f.replica} promoted (REPLICAOF NO ONE) holding ${keys ?? '?'} keys; ${moved} client link(s) to ${primary} now lead to it`;
      }
      real.begin(() => effect);
      real.instant();
    },
    actsOn: (f) => f.replica,
  },
  report: { colour: '#a0522d', instant: true },
};
