/**
 * Hand-built runs for the report tests, shaped like a real gc-pause run: two clients, five
 * Redis nodes, client-1 paused for 15 s right after acquiring, a node whose wall clock jumps,
 * a node that drifts 2 % fast, a node crash and restart, and client-2's own clock drifting and
 * stepped back. The history is made by a tiny deterministic model of the client loop; the
 * violations come from the real checkers; the clock readings (in the history and the trace)
 * come from one clock model per process, so the report's reconstruction can be checked.
 */
import { EvidenceTally } from '../../src/check/evidence.ts';
import { checkFencing } from '../../src/check/fencing.ts';
import { checkLostUpdates } from '../../src/check/damage.ts';
import { emptyHistory, type FaultRecord, type History, type HistoryEvent, type ResourceWrite } from '../../src/check/history.ts';
import { checkMutex } from '../../src/check/mutex.ts';
import { describeFault, type Fault } from '../../src/faults/fault.ts';
import { fencing, redlock } from '../../src/locks/index.ts';
import type { KeyLifetime } from '../../src/report/svg.ts';
import type { RunResult, Violation } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { DEFAULT_EPOCH_MS } from '../../src/sim/world.ts';
import type { TraceEntry, TraceKind } from '../../src/sim/trace.ts';

const us = (ms: number): number => Math.round(ms * 1000);

/** A process clock as a list of changes: piecewise linear in true time. */
class FixtureClock {
  private readonly changes: Array<{ at: number; ppm?: number; jumpMs?: number }> = [];
  constructor(
    private readonly wallOffsetMs: number,
    private readonly ppm: number,
  ) {}
  drift(atMs: number, ppm: number): this {
    this.changes.push({ at: us(atMs), ppm });
    return this;
  }
  jump(atMs: number, deltaMs: number): this {
    this.changes.push({ at: us(atMs), jumpMs: deltaMs });
    return this;
  }
  /** Wall (ms since the epoch) and monotonic (ms) readings at true time `t` µs. */
  read(t: number): { wallMs: number; monoMs: number } {
    let base = 0;
    let wall = (DEFAULT_EPOCH_MS + this.wallOffsetMs) * 1000;
    let mono = 0;
    let rate = 1 + this.ppm / 1e6;
    for (const c of [...this.changes].sort((a, b) => a.at - b.at)) {
      if (c.at > t) break;
      wall += (c.at - base) * rate;
      mono += (c.at - base) * rate;
      base = c.at;
      if (c.ppm !== undefined) rate = 1 + c.ppm / 1e6;
      if (c.jumpMs !== undefined) wall += c.jumpMs * 1000;
    }
    return { wallMs: (wall + (t - base) * rate) / 1000, monoMs: (mono + (t - base) * rate) / 1000 };
  }
}

export const FAULTS: readonly Fault[] = [
  { kind: 'pause', at: 100, process: 'client-1', durationMs: 15_000 },
  { kind: 'drift', at: 5_000, process: 'redis-3', ppm: 20_000, durationMs: 10_000 },
  { kind: 'jump', at: 8_000, process: 'redis-2', deltaMs: 5_000 },
  { kind: 'jump', at: 12_000, process: 'client-2', deltaMs: -1_500 },
  { kind: 'crash', at: 16_000, process: 'redis-4', restartAfterMs: 1_000 },
];

export const SCENARIO: Scenario = {
  name: 'fixture-pause',
  title: 'Holder paused longer than its lease (hand-built fixture)',
  explanation:
    'client-1 acquires the lock and is frozen for 15 s. Its lease expires on the nodes, client-2 acquires and works; ' +
    'client-1 resumes & writes a stale value <inside> client-2\'s section.',
  tags: ['pause'],
  world: {
    nodes: 5,
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000, driftPpm: 50 },
    ],
    durationMs: 20_000,
  },
  workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 300, max: 300 }, thinkMs: { min: 100, max: 100 } },
  faults: FAULTS,
  variants: [
    { name: 'redlock', lock: redlock(), expected: 'unsafe', note: 'Redlock checks elapsed time before the pause, not after' },
    { name: 'redlock+fencing', lock: fencing(redlock()), resource: 'fenced', expected: 'safe', note: 'the resource refuses the write whose token is lower than one it has seen' },
    { name: 'redlock(checkValidity=false),x', lock: redlock({ checkValidity: false }), expected: 'safe', note: 'a name with characters a file system dislikes' },
  ],
};

const CLIENTS = ['client-1', 'client-2'] as const;
const NODES = ['redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5'] as const;

function clocks(): Map<string, FixtureClock> {
  return new Map<string, FixtureClock>([
    ['client-1', new FixtureClock(0, 0)],
    ['client-2', new FixtureClock(0, 50).jump(12_000, -1_500)],
    ['redis-1', new FixtureClock(0, 0)],
    ['redis-2', new FixtureClock(0, 0).jump(8_000, 5_000)],
    ['redis-3', new FixtureClock(0, 0).drift(5_000, 20_000).drift(15_000, 0)],
    ['redis-4', new FixtureClock(0, 0)],
    ['redis-5', new FixtureClock(0, 0)],
    ['resource', new FixtureClock(0, 0)],
  ]);
}

export interface FixtureOptions {
  readonly fenced: boolean;
  readonly keepTrace?: boolean;
}

/** A run like gc-pause: unguarded (`fenced: false`, unsafe) or with a fencing resource (safe). */
export function fixtureRun(options: FixtureOptions): RunResult {
  const clockOf = clocks();
  const endedAt = us(20_000);
  const history: History = emptyHistory();
  const trace: TraceEntry[] = [];
  const tr = (atMs: number, kind: TraceKind, process: string, detail = ''): void => {
    const t = us(atMs);
    const c = clockOf.get(process)?.read(t) ?? { wallMs: Number.NaN, monoMs: Number.NaN };
    trace.push({ at: t, kind, process, wallMs: c.wallMs, monoMs: c.monoMs, detail });
  };
  const raw: Array<Omit<HistoryEvent, 'index'>> = [];
  const ev = (process: string, kind: HistoryEvent['kind'], phase: HistoryEvent['phase'], atMs: number, extra: Partial<HistoryEvent> = {}): void => {
    const t = us(atMs);
    const c = (clockOf.get(process) as FixtureClock).read(t);
    raw.push({ process, kind, phase, at: t, wallMs: Math.floor(c.wallMs), monoMs: c.monoMs, ...extra });
  };
  const resource = 'lock:counter';
  let value = 0;
  let highestToken = Number.NEGATIVE_INFINITY;
  let nextToken = 1;
  const write = (process: string, atMs: number, v: number, readValue: number, token: number | undefined): ResourceWrite => {
    let reason: string | undefined;
    if (options.fenced && token !== undefined && token < highestToken) reason = `stale token ${token} < ${highestToken}`;
    const accepted = reason === undefined;
    const w: ResourceWrite = { at: us(atMs), process, value: v, readValue, token: options.fenced ? token : undefined, accepted, before: value, reason };
    history.writes.push(w);
    if (accepted) {
      value = v;
      if (token !== undefined) highestToken = Math.max(highestToken, token);
    }
    return w;
  };
  const sendAll = (process: string, atMs: number): void => {
    for (const n of NODES) {
      tr(atMs, 'send', process, `${process}->${n}`);
      tr(atMs + 0.8, 'deliver', n, `${process}->${n}`);
    }
  };

  for (const p of [...CLIENTS, ...NODES, 'resource']) tr(0, 'spawn', p, 'incarnation 0');

  // client-1: acquires at once, reads, and is paused (100 ms → 15 100 ms) before its write.
  ev('client-1', 'acquire', 'invoke', 0, { resource });
  sendAll('client-1', 0);
  const token1 = nextToken++;
  ev('client-1', 'acquire', 'ok', 4.21, { resource, lease: { value: 'c1-0001', validUntil: 10_000 - 102, timeSource: 'monotonic', fencingToken: options.fenced ? token1 : undefined } });
  ev('client-1', 'read', 'invoke', 4.3);
  ev('client-1', 'read', 'ok', 5.9, { value: 0 });

  // The lock key is free on a quorum again when the last of three nodes expires it (10 002 ms).
  let lockFreeAt = 10_002;
  const next = new Map<string, number>([['client-2', 1_000], ['client-1', 15_100]]);
  let c1Resumed = false;
  while (true) {
    const [p, t] = [...next.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0] as [string, number];
    if (t >= 19_400) break;
    if (p === 'client-1' && !c1Resumed) {
      // The work timer fires late, on resume: the stale write, then the release.
      c1Resumed = true;
      ev('client-1', 'write', 'invoke', 15_100, { value: 1, readValue: 0, token: options.fenced ? token1 : undefined });
      const w = write('client-1', 15_101, 1, 0, token1);
      ev('client-1', 'write', w.accepted ? 'ok' : 'fail', 15_102, { value: 1, accepted: w.accepted, reason: w.reason });
      ev('client-1', 'release', 'invoke', 15_102.1, { resource });
      ev('client-1', 'release', 'fail', 15_105, { resource, reason: 'the lock was not held' });
      next.set('client-1', 15_205);
      continue;
    }
    ev(p, 'acquire', 'invoke', t, { resource });
    sendAll(p, t);
    const done = t + 4;
    if (done >= lockFreeAt) {
      const token = nextToken++;
      const monoStart = (clockOf.get(p) as FixtureClock).read(us(t)).monoMs;
      ev(p, 'acquire', 'ok', done, { resource, lease: { value: `${p === 'client-1' ? 'c1' : 'c2'}-${String(token).padStart(4, '0')}`, validUntil: monoStart + 10_000 - 102, timeSource: 'monotonic', fencingToken: options.fenced ? token : undefined } });
      ev(p, 'read', 'invoke', done + 0.1);
      const readValue = value;
      ev(p, 'read', 'ok', done + 2, { value: readValue });
      ev(p, 'write', 'invoke', done + 302, { value: readValue + 1, readValue, token: options.fenced ? token : undefined });
      const w = write(p, done + 303, readValue + 1, readValue, token);
      ev(p, 'write', w.accepted ? 'ok' : 'fail', done + 304, { value: readValue + 1, accepted: w.accepted, reason: w.reason });
      ev(p, 'release', 'invoke', done + 304.2, { resource });
      ev(p, 'release', 'ok', done + 307, { resource });
      lockFreeAt = done + 307;
      next.set(p, done + 407);
    } else {
      ev(p, 'acquire', 'fail', done, { resource, reason: 'not acquired' });
      next.set(p, done + 100);
    }
  }
  raw.sort((a, b) => a.at - b.at);
  raw.forEach((e, index) => history.events.push({ index, ...e }));
  history.writes.sort((a, b) => a.at - b.at);

  // Kernel entries of the faults, with the clock readings of the process they touch.
  const records: FaultRecord[] = [];
  const rec = (f: Fault, endedAtMs: number | undefined, effect: string): void => {
    tr(f.at, 'note', '-', `fault ${describeFault(f)}`);
    records.push({ at: us(f.at), description: describeFault(f), kind: f.kind, endedAt: endedAtMs === undefined ? undefined : us(endedAtMs), fired: true, effect });
  };
  rec(FAULTS[0] as Fault, 15_100, '1 timer firing or message waited until resume');
  tr(100, 'pause', 'client-1');
  tr(15_100, 'resume', 'client-1', '1 waiting');
  rec(FAULTS[1] as Fault, 15_000, 'every TTL on redis-3 shortened by 2%');
  tr(5_000, 'drift', 'redis-3', '20000ppm');
  tr(15_000, 'drift', 'redis-3', '0ppm');
  rec(FAULTS[2] as Fault, undefined, '1 keys on redis-2 expire 5000ms early');
  tr(8_000, 'jump', 'redis-2', '+5000ms');
  rec(FAULTS[3] as Fault, undefined, "client-2's wall clock stepped -1500ms");
  tr(12_000, 'jump', 'client-2', '-1500ms');
  rec(FAULTS[4] as Fault, 17_000, '1 keys at crash, 1 lost on restart');
  tr(16_000, 'crash', 'redis-4', '');
  tr(17_000, 'restart', 'redis-4', 'incarnation 1');
  tr(17_000, 'spawn', 'redis-4', 'incarnation 1');
  for (const p of [...CLIENTS, ...NODES]) tr(19_999, 'timer', p, '');
  trace.sort((a, b) => a.at - b.at);
  history.faults.push(...records.sort((a, b) => a.at - b.at));
  history.endedAt = endedAt;
  history.healedAt = us(17_000);

  const violations: Violation[] = options.fenced ? [...checkFencing(history), ...checkLostUpdates(history)] : [...checkMutex(history), ...checkLostUpdates(history)];
  const accepted = history.writes.filter((w) => w.accepted);
  return {
    scenario: SCENARIO.name,
    variant: options.fenced ? 'redlock+fencing' : 'redlock',
    lockName: options.fenced ? 'fencing(redlock)' : 'redlock',
    seed: 1,
    verdict: violations.length > 0 ? 'unsafe' : 'safe',
    expected: options.fenced ? 'safe' : 'unsafe',
    invalid: null,
    outsideModel: [],
    evidence: EvidenceTally.of(history, [...CLIENTS]).evidence(999),
    properties: options.fenced ? ['fencing', 'lost-updates', 'liveness'] : ['mutex', 'lost-updates', 'liveness'],
    violations,
    traceHash: options.fenced ? '0123456789abcdef' : 'fedcba9876543210',
    events: 123_456,
    faults: FAULTS,
    faultsFired: history.faults,
    history,
    trace: options.keepTrace === false ? null : trace,
    stats: {
      acquired: history.events.filter((e) => e.kind === 'acquire' && e.phase === 'ok').length,
      acquireFailures: history.events.filter((e) => e.kind === 'acquire' && e.phase === 'fail').length,
      writesAccepted: accepted.length,
      writesRefused: history.writes.length - accepted.length,
      finalValue: accepted[accepted.length - 1]?.value ?? 0,
      redisCommands: 999,
      messages: 2_000,
      simulatedMs: 20_000,
    },
    processErrors: [],
    processes: { clients: [...CLIENTS], nodes: [...NODES] },
  };
}

/** Key lifetimes for the `keyLifetimes` hook: client-1's key on each node (where it expired when). */
export function fixtureKeyLifetimes(): KeyLifetime[] {
  const expiry: Record<string, number> = { 'redis-1': 10_002, 'redis-2': 8_000, 'redis-3': 9_904, 'redis-4': 10_002, 'redis-5': 10_002 };
  return NODES.map((node) => ({ node, key: 'lock:counter', holder: 'client-1', from: us(1), to: us(expiry[node] as number), endedBy: 'expired' as const }));
}

/** The clock model the fixture used, to check the report's reconstruction against. */
export function fixtureClockReading(process: string, atMs: number): { wallMs: number; monoMs: number } {
  return (clocks().get(process) as FixtureClock).read(us(atMs));
}
