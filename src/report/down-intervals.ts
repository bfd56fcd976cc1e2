import { kindOf } from '../faults/table.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Micros } from '../sim/time.ts';

/** A stretch of true time a process was paused or crashed (hatched on its lane). */
export interface DownInterval {
  readonly from: Micros;
  readonly to: Micros;
  readonly what: 'paused' | 'crashed';
}

/**
 * When a process was paused or crashed. From the trace (exact) when there is one; otherwise
 * from the fault schedule (an approximation: a `heal` that ends a fault early is not seen).
 */
export function downIntervals(process: string, result: RunResult): DownInterval[] {
  const end = result.history.endedAt;
  const out: DownInterval[] = [];
  if (result.trace !== null) {
    let open: { at: Micros; what: 'paused' | 'crashed' } | null = null;
    for (const e of result.trace) {
      if (e.process !== process) continue;
      if (e.kind === 'pause' && open === null) open = { at: e.at, what: 'paused' };
      else if (e.kind === 'crash') {
        if (open !== null) out.push({ from: open.at, to: e.at, what: open.what });
        open = { at: e.at, what: 'crashed' };
      } else if ((e.kind === 'resume' && open?.what === 'paused') || (e.kind === 'restart' && open?.what === 'crashed')) {
        out.push({ from: open.at, to: e.at, what: open.what });
        open = null;
      }
    }
    if (open !== null) out.push({ from: open.at, to: end, what: open.what });
    return out;
  }
  for (const f of result.faults) {
    const kind = kindOf(f);
    const stops = kind.report.stops?.(f);
    if (stops?.process !== process) continue;
    const until = kind.end(f);
    out.push({ from: f.at * 1000, to: until === undefined ? end : Math.min(end, until * 1000), what: stops.what });
  }
  return out;
}
