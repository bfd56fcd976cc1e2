import { ALL_FAULTS } from '../src/faults/model.ts';
import type { Scenario } from '../src/index.ts';
import { blobLeaseLock } from '../src/services/blob/locks/index.ts';

const ttlMs = 15_000;
/** Renew 1 s before the lease ends, as measured on the holder's own clock. */
const late = blobLeaseLock({ renewFraction: 14 / 15 });

/** Issue #19: the holder renews on its clock, the service expires on its own. */
const scenario: Scenario = {
  name: 'blob-slow-client-clock',
  title: 'A blob lease renewed on a client clock that runs slow',
  explanation:
    'client-1 holds a 15 s Azure blob lease for a long job and renews it in the background; client-2 keeps trying to take it. ' +
    'The lease ends on the Blob service\'s clock 15 s after the last renewal; the holder schedules its next renewal on its own ' +
    'clock. client-1\'s clock runs 10 % slow (a VM whose timers fire late under CPU steal). Renewing a third of the way in ' +
    '(every 5 s of its clock, 5.6 s of the service\'s) leaves plenty of room. Renewing 1 s before the end (14 s of its ' +
    'clock) reaches the service after 15.6 s: the lease lapsed half a second earlier, client-2 took it, and client-1 ' +
    'learns so only when the renewal is refused, inside client-2\'s section. The same renewal schedule is safe when the ' +
    'clocks agree, and unsafe again when it is the service\'s clock that runs fast: the service\'s clock decides.',
  tags: ['clock', 'blob'],
  world: {
    nodes: [{ name: 'blob-1', service: 'blob' }],
    clients: [
      { name: 'client-1', startMs: 0 },
      { name: 'client-2', startMs: 1_000 },
    ],
    durationMs: 60_000,
  },
  workload: { resource: 'lock:counter', ttlMs, workMs: { min: 25_000, max: 26_000 }, thinkMs: { min: 100, max: 200 } },
  explore: ALL_FAULTS,
  faults: [{ kind: 'drift', at: 0, process: 'client-1', ppm: -100_000 }],
  variants: [
    {
      name: 'blob-lease(renew-at=14s)',
      breaks: ['mutex'],
      lock: late,
      nodes: ['blob-1'],
      expected: 'unsafe',
      note: "client-1's renewal at 14 s of its slow clock is 15.6 s of the service's: client-2 took the lapsed lease first",
    },
    {
      name: 'blob-lease',
      lock: blobLeaseLock(),
      nodes: ['blob-1'],
      expected: 'safe',
      note: 'a renewal every 5 s of a clock 10 % slow still comes every 5.6 s: the lease never lapses',
    },
    {
      name: 'blob-lease(renew-at=14s),clocks-agree',
      lock: late,
      nodes: ['blob-1'],
      faults: [],
      expected: 'safe',
      note: 'without the drift the renewal comes a second before the end',
    },
    {
      name: 'blob-lease(renew-at=14s),service-fast',
      breaks: ['mutex'],
      lock: late,
      nodes: ['blob-1'],
      faults: [{ kind: 'drift', at: 0, process: 'blob-1', ppm: 100_000 }],
      expected: 'unsafe',
      note: "the lease lasts 13.6 s of true time on a fast service clock: the holder's true clock renews too late",
    },
  ],
};

export default scenario;
