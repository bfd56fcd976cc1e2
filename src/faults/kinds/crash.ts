import fc from 'fast-check';
import type { FaultKindSpec, FaultOf } from '../kind.ts';
import type { RealFaultContext, RealNode, RealClient } from '../real-context.ts';

/**
 * A process dies (SIGKILL; `machine: true`, a power loss) and, with `restartAfterMs`, starts
 * again: a node with what its persistence kept, a client as a new incarnation.
 */
export const crash: FaultKindSpec<'crash'> = {
  describe: (f) => `${f.machine === true ? 'power loss of' : 'crash'} ${f.process}${f.restartAfterMs === undefined ? '' : `, restart after ${f.restartAfterMs}ms`}`,
  end: (f) => (f.restartAfterMs === undefined ? undefined : f.at + f.restartAfterMs),
  validate(check) {
    check.process('process');
    check.number('restartAfterMs', true);
    if (check.fault.machine !== undefined && typeof check.fault.machine !== 'boolean') check.problem('machine', 'must be true (a power loss: unsynced writes are lost) or false (a process crash, the default)');
  },
  outsideModel(f, world) {
    if (world.clients.includes(f.process)) return null;
    const persistence = world.persistence.get(f.process);
    if (persistence === undefined || persistence === 'aof-always') return null;
    if (persistence === 'aof-everysec' && f.machine !== true) return null; // a process crash loses nothing acknowledged
    if (f.restartAfterMs !== undefined && f.restartAfterMs < world.ttlMs) return `${f.process} restarted after ${f.restartAfterMs}ms with persistence ${persistence}: before its keys would have expired`;
    return null;
  },
  generate: {
    onProcess: true,
    arbitrary: (d) =>
      fc
        .record({ kind: fc.constant('crash' as const), at: d.at, process: d.target('crash'), restartAfterMs: d.dwell })
        .map((f) => (d.delayedRestart.includes(f.process) && f.restartAfterMs < d.ttlMs + 10 ? { ...f, restartAfterMs: d.readable(d.ttlMs + 10 + f.restartAfterMs) } : f)),
    // The client, or the turn's node, dead just after the turn and back soon (a node that loses keys, past the TTL).
    single: (turn, s) =>
      [turn.client, turn.peer]
        .filter((p): p is string => p !== undefined && s.allows('crash', p))
        .map((process) => ({ kind: 'crash' as const, at: turn.atMs + 0.5, process, restartAfterMs: s.delayedRestart.includes(process) ? s.pastTtlMs : s.minDwellMs })),
  },
  simulate(f, sim) {
    // A node's service says what its crash does and loses (src/services/); any other process just dies.
    const crash = sim.nodes.get(f.process)?.faults.crash(f.machine === true);
    const record = sim.begin(() => crash?.effect() ?? `${f.process} died`, { measuredAtNext: `crash ${f.process}` });
    crash?.dying();
    const effect = sim.ledger.crash(f.process);
    if (sim.isClient(f.process)) sim.clientCrashed(f.process);
    sim.endAfter(record, f.restartAfterMs, effect);
  },
  real: {
    async apply(f, real) {
      const node = real.nodes.get(f.process);
      const client = real.clients.get(f.process);
      if (node !== undefined) await crashNode(f, node, real);
      else if (client !== undefined) crashClient(f, client, real);
      else if (f.process === 'resource') {
        const did = real.resource.crash();
        const record = real.begin(() => (did ? 'resource down: requests vanish' : null), { measuredAtNext: `crash ${f.process}` });
        real.endAfter(record, f.restartAfterMs, () => {
          real.resource.restart();
        });
      }
    },
    // SIGKILL keeps what redis-server handed to the kernel: a power loss needs a machine to switch off.
    refused: (f, isNode) =>
      f.machine === true && isNode(f.process)
        ? "a machine crash (power loss) cannot be made on this machine: SIGKILL keeps what redis-server handed to the kernel; use a process crash (drop 'machine: true') or run this fault in simulation"
        : null,
    actsOn: (f) => f.process,
  },
  report: { colour: '#6c757d', instant: false, stops: (f) => ({ process: f.process, what: 'crashed' }) },
};

/** SIGKILL of a redis-server, restarted on the same port and folder: its persistence decides what survives. */
async function crashNode(f: FaultOf<'crash'>, node: RealNode, real: RealFaultContext): Promise<void> {
  const redis = node.process;
  if (redis === undefined) return;
  const keysBefore = redis.state === 'stopped' ? null : await node.keys();
  const wasUp = redis.state !== 'stopped';
  // SIGKILL is sent at once (the node is gone from then on); its exit is reaped after.
  const killing = redis.kill();
  let keysAfter: number | null = null;
  let restarted = false;
  const record = real.begin(
    () => {
      if (!wasUp) return null;
      if (!restarted) return `${f.process} SIGKILLed with ${keysBefore ?? '?'} keys, down`;
      const lost = keysBefore === null || keysAfter === null ? '?' : String(Math.max(0, keysBefore - keysAfter));
      return `${keysBefore ?? '?'} keys at crash (SIGKILL), ${lost} lost on restart (persistence ${redis.persistence})`;
    },
    { measuredAtNext: `crash ${f.process}` },
  );
  await killing;
  real.endAfter(record, f.restartAfterMs, async () => {
    if (redis.state === 'stopped') await redis.restart();
    restarted = true;
    keysAfter = await node.keys();
  });
}

/** SIGKILL of a client process (its history records the crash), restarted as a new process. */
function crashClient(f: FaultOf<'crash'>, client: RealClient, real: RealFaultContext): void {
  const killed = client.crash();
  if (killed) real.clientCrashed(f.process);
  let startupMs: number | null = null;
  const record = real.begin(() => (!killed ? null : `${f.process} SIGKILLed${startupMs === null ? '' : `; restarted as a new process ${startupMs.toFixed(1)} ms after its time`}`), {
    measuredAtNext: `crash ${f.process}`,
  });
  const restartAfterMs = f.restartAfterMs;
  if (restartAfterMs === undefined) return;
  real.at(f.at + restartAfterMs, async () => {
    if (client.state !== 'crashed') return;
    // A standby process is usually ready (the client started one at the crash); if not, the
    // restart completes later and the faults that follow do not wait for it.
    await real.briefly(
      client.restart().then((ms) => {
        startupMs = ms;
        if (ms !== null && !real.over()) real.ended(record);
      }),
    );
  });
}
