import type { FaultKindSpec } from '../kind.ts';
import type { RealClient, RealFaultContext, RealServerProcess } from '../real-context.ts';

/**
 * Heals everything faults are still doing (network, pauses, crashed processes, drift), and
 * nothing else: a node's declared drift, a client that died of its own error and the world's
 * delays stay as the scenario made them. The liveness phase starts after the last heal.
 */
export const heal: FaultKindSpec<'heal'> = {
  describe: () => 'heal all',
  end: (f) => f.at,
  validate() {},
  outsideModel: () => null,
  generate: null,
  simulate(_f, sim) {
    let healed = 0;
    sim.begin(() => (healed > 0 ? `${healed} things healed` : null));
    healed = sim.ledger.endAll();
    sim.endOpen();
    sim.instant();
  },
  real: {
    // Every toxic removed, the resource's links healed, paused processes resumed, crashed ones
    // restarted, every clock back to its declared rate.
    async apply(_f, real) {
      let healed = await real.network.healAll();
      for (const link of real.resource.faultyLinks()) {
        link.heal();
        healed++;
      }
      const nodesDown: RealServerProcess[] = [];
      for (const node of real.nodes.values()) {
        const server = node.process;
        if (server === undefined) continue;
        if (server.state === 'paused') {
          server.resume();
          healed++;
        } else if (server.state === 'stopped') {
          nodesDown.push(server);
        }
        if (server.clock !== undefined && restoreRate(real, node.name, server.clock.rate(), (r) => server.clock?.setRate(r))) healed++;
      }
      const clientsDown: RealClient[] = [];
      for (const client of real.clients.values()) {
        if (client.state === 'paused') {
          client.resume();
          healed++;
        } else if (client.state === 'crashed') {
          clientsDown.push(client);
        }
        if (restoreRate(real, client.name, client.rate, (r) => client.setRate(r))) healed++;
      }
      if (real.resource.state === 'paused') {
        real.resource.resume();
        healed++;
      } else if (real.resource.state === 'crashed') {
        real.resource.restart();
        healed++;
      }
      healed += clientsDown.length + nodesDown.length;
      real.begin(() => (healed > 0 ? `${healed} things healed` : null));
      real.endOpen();
      real.instant();
      // Restarts take a while (a node: tens of ms; a client: its standby process).
      for (const client of clientsDown) void client.restart();
      for (const server of nodesDown) await server.restart();
    },
  },
  report: { colour: '#2b9348', instant: true },
};

/** Puts a process's clock back to its rate before its first drift fault; whether that changed it. */
function restoreRate(real: RealFaultContext, process: string, rate: number, set: (rate: number) => void): boolean {
  const base = real.baseRates.get(process) ?? rate;
  if (rate === base) return false;
  set(base);
  return true;
}
