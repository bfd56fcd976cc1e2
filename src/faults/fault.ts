import type { DelayModel, LinkMode } from '../sim/network.ts';

/**
 * The fault vocabulary. Every fault is a plain serialisable value with a true time `at` in
 * milliseconds; a `durationMs` makes it heal itself (a partition that lasts 5 s). A schedule is
 * a list of faults; a `heal` heals everything (network, pauses, crashed processes, drift), and
 * the liveness phase starts after the last one.
 */
export type Fault =
  | { readonly kind: 'partition'; readonly at: number; readonly groups: readonly (readonly string[])[]; readonly mode?: LinkMode; readonly durationMs?: number }
  | { readonly kind: 'cut'; readonly at: number; readonly from: readonly string[]; readonly to: readonly string[]; readonly mode?: LinkMode; readonly durationMs?: number }
  | { readonly kind: 'delay'; readonly at: number; readonly from: readonly string[]; readonly to: readonly string[]; readonly delay: DelayModel; readonly durationMs?: number }
  | { readonly kind: 'loss'; readonly at: number; readonly from: readonly string[]; readonly to: readonly string[]; readonly probability: number; readonly durationMs?: number }
  | { readonly kind: 'drift'; readonly at: number; readonly process: string; readonly ppm: number; readonly durationMs?: number }
  | { readonly kind: 'jump'; readonly at: number; readonly process: string; readonly deltaMs: number }
  | { readonly kind: 'pause'; readonly at: number; readonly process: string; readonly durationMs: number }
  | {
      readonly kind: 'crash';
      readonly at: number;
      readonly process: string;
      readonly restartAfterMs?: number;
      /**
       * A machine crash (power loss) instead of a process crash (SIGKILL). A killed Redis keeps
       * what it already handed to the operating system (every AOF write); a machine that loses
       * power also loses what was not fsynced (with `appendfsync everysec`, about the last second).
       */
      readonly machine?: boolean;
    }
  | { readonly kind: 'failover'; readonly at: number; readonly replica: string }
  | { readonly kind: 'heal'; readonly at: number };

export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = ['partition', 'cut', 'delay', 'loss', 'drift', 'jump', 'pause', 'crash', 'failover', 'heal'];

const list = (names: readonly string[]): string => (names.length === 1 ? (names[0] as string) : `{${names.join(',')}}`);
const forMs = (ms: number | undefined): string => (ms === undefined ? '' : ` for ${ms}ms`);
const delayText = (d: DelayModel): string => (d.kind === 'fixed' ? `${d.ms}ms` : `${d.minMs}-${d.maxMs}ms`);

/** A readable one-liner: `@2000ms pause client-1 for 15000ms`. */
export function describeFault(f: Fault): string {
  const at = `@${f.at}ms`;
  switch (f.kind) {
    case 'partition':
      return `${at} partition ${f.groups.map(list).join(' | ')}${f.mode === 'hold' ? ' (hold)' : ''}${forMs(f.durationMs)}`;
    case 'cut':
      return `${at} cut ${list(f.from)} -> ${list(f.to)}${f.mode === 'hold' ? ' (hold)' : ''}${forMs(f.durationMs)}`;
    case 'delay':
      return `${at} delay ${list(f.from)} -> ${list(f.to)} by ${delayText(f.delay)}${forMs(f.durationMs)}`;
    case 'loss':
      return `${at} lose ${Math.round(f.probability * 100)}% ${list(f.from)} -> ${list(f.to)}${forMs(f.durationMs)}`;
    case 'drift':
      return `${at} drift ${f.process} ${f.ppm >= 0 ? '+' : ''}${f.ppm}ppm${forMs(f.durationMs)}`;
    case 'jump':
      return `${at} jump ${f.process} wall clock ${f.deltaMs >= 0 ? '+' : ''}${f.deltaMs}ms`;
    case 'pause':
      return `${at} pause ${f.process}${forMs(f.durationMs)}`;
    case 'crash':
      return `${at} ${f.machine === true ? 'power loss of' : 'crash'} ${f.process}${f.restartAfterMs === undefined ? '' : `, restart after ${f.restartAfterMs}ms`}`;
    case 'failover':
      return `${at} failover to ${f.replica}`;
    case 'heal':
      return `${at} heal all`;
  }
}

/** When a fault's effect ends on its own (ms), if it does. */
export function faultEnd(f: Fault): number | undefined {
  switch (f.kind) {
    case 'pause':
      return f.at + f.durationMs;
    case 'crash':
      return f.restartAfterMs === undefined ? undefined : f.at + f.restartAfterMs;
    case 'jump':
    case 'failover':
    case 'heal':
      return f.at;
    default:
      return f.durationMs === undefined ? undefined : f.at + f.durationMs;
  }
}

/**
 * Checks a fault against the world's process names; returns problems that name the field and
 * the fix (an empty list when it is fine).
 */
export function validateFault(f: unknown, where: string, processes: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (typeof f !== 'object' || f === null) return [`${where}: a fault must be an object like { kind: 'pause', at: 1000, process: 'client-1', durationMs: 500 }`];
  const fault = f as Record<string, unknown>;
  const kind = fault.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    return [`${where}.kind: unknown fault kind ${JSON.stringify(kind)} (known: ${FAULT_KINDS.join(', ')})`];
  }
  const number = (field: string, optional = false, min = 0): void => {
    const v = fault[field];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) problems.push(`${where}.${field}: must be a number >= ${min}, got ${JSON.stringify(v)}`);
  };
  const proc = (field: string): void => {
    const v = fault[field];
    if (typeof v !== 'string' || !processes.has(v)) problems.push(`${where}.${field}: ${JSON.stringify(v)} is not a process of this world (processes: ${[...processes].join(', ')})`);
  };
  const procs = (field: string): void => {
    const v = fault[field];
    if (!Array.isArray(v) || v.length === 0) problems.push(`${where}.${field}: must be a non-empty list of process names`);
    else for (const p of v) if (typeof p !== 'string' || !processes.has(p)) problems.push(`${where}.${field}: ${JSON.stringify(p)} is not a process of this world (processes: ${[...processes].join(', ')})`);
  };
  const mode = (): void => {
    const v = fault.mode;
    if (v !== undefined && v !== 'drop' && v !== 'hold') problems.push(`${where}.mode: must be 'drop' or 'hold', got ${JSON.stringify(v)}`);
  };
  number('at');
  switch (kind) {
    case 'partition': {
      const groups = fault.groups;
      if (!Array.isArray(groups) || groups.length < 2) problems.push(`${where}.groups: a partition needs at least two groups, e.g. [['client-1','redis-1'], ['client-2','redis-2']]`);
      else groups.forEach((g, i) => {
        if (!Array.isArray(g)) problems.push(`${where}.groups[${i}]: must be a list of process names`);
        else for (const p of g) if (typeof p !== 'string' || !processes.has(p)) problems.push(`${where}.groups[${i}]: ${JSON.stringify(p)} is not a process of this world`);
      });
      mode();
      number('durationMs', true);
      break;
    }
    case 'cut':
      procs('from');
      procs('to');
      mode();
      number('durationMs', true);
      break;
    case 'delay': {
      procs('from');
      procs('to');
      const d = fault.delay as Record<string, unknown> | undefined;
      const ok = d !== undefined && ((d.kind === 'fixed' && typeof d.ms === 'number') || (d.kind === 'uniform' && typeof d.minMs === 'number' && typeof d.maxMs === 'number'));
      if (!ok) problems.push(`${where}.delay: must be { kind: 'fixed', ms } or { kind: 'uniform', minMs, maxMs }`);
      number('durationMs', true);
      break;
    }
    case 'loss':
      procs('from');
      procs('to');
      if (typeof fault.probability !== 'number' || fault.probability < 0 || fault.probability > 1) problems.push(`${where}.probability: must be a number from 0 to 1`);
      number('durationMs', true);
      break;
    case 'drift':
      proc('process');
      if (typeof fault.ppm !== 'number' || !Number.isFinite(fault.ppm) || fault.ppm <= -1_000_000) problems.push(`${where}.ppm: must be a number > -1000000 (parts per million; 20000 = 2 % fast)`);
      number('durationMs', true);
      break;
    case 'jump':
      proc('process');
      if (typeof fault.deltaMs !== 'number' || !Number.isFinite(fault.deltaMs)) problems.push(`${where}.deltaMs: must be a number of milliseconds (negative: backwards)`);
      break;
    case 'pause':
      proc('process');
      number('durationMs', false, 0);
      break;
    case 'crash':
      proc('process');
      number('restartAfterMs', true);
      if (fault.machine !== undefined && typeof fault.machine !== 'boolean') problems.push(`${where}.machine: must be true (a power loss: unsynced writes are lost) or false (a process crash, the default)`);
      break;
    case 'failover':
      proc('replica');
      break;
    case 'heal':
      break;
  }
  return problems;
}
