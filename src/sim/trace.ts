import type { Micros } from './time.ts';

/** What the kernel records. Each kind has a fixed code that goes into the hash. */
export const TRACE_KINDS = [
  'spawn', 'timer', 'send', 'deliver', 'drop', 'hold', 'pause', 'resume', 'crash', 'restart',
  'drift', 'jump', 'link', 'error', 'note', 'fault',
] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];
const KIND_CODE: Record<TraceKind, number> = Object.fromEntries(TRACE_KINDS.map((k, i) => [k, i + 1])) as Record<
  TraceKind,
  number
>;

/** Codes of the kinds the network folds per message: hot paths pass these, not the names. */
export const KIND_SEND = KIND_CODE.send;
export const KIND_DELIVER = KIND_CODE.deliver;

/** The code folded into the hash for `kind`. */
export function codeOfKind(kind: TraceKind): number {
  return KIND_CODE[kind];
}

/** One recorded kernel event (kept only when the world keeps its trace). */
export interface TraceEntry {
  /** True time, µs. */
  readonly at: Micros;
  readonly kind: TraceKind;
  /** The process it happened to (or `-` for the kernel itself). */
  readonly process: string;
  /** That process's wall clock then, ms since the epoch (NaN for the kernel). */
  readonly wallMs: number;
  /** That process's monotonic clock then, ms (NaN for the kernel). */
  readonly monoMs: number;
  /** A short human detail: `to=node-1 #12`, `+10000ms`. */
  readonly detail: string;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * The running trace hash: every kernel event is folded into two 32-bit lanes (murmur-style
 * mixing of each number's IEEE-754 bits, so it is the same on every machine). Recording the
 * entries themselves is optional, so that long runs keep memory flat.
 */
export class Trace {
  private h1 = 0x9e3779b9;
  private h2 = 0x85ebca6b;
  private count = 0;
  readonly entries: TraceEntry[] | null;

  constructor(keepEntries: boolean) {
    this.entries = keepEntries ? [] : null;
  }

  /** Events folded so far. */
  get length(): number {
    return this.count;
  }

  /** True when entries are being kept (so callers can skip building detail strings). */
  get keeping(): boolean {
    return this.entries !== null;
  }

  /** Folds one event into the hash (numbers only: cheap enough for every event). */
  fold(kind: TraceKind, at: Micros, processId: number, a: number, b: number): void {
    this.foldCode(KIND_CODE[kind], at, processId, a, b);
  }

  /**
   * {@link Trace.fold} by kind code (see {@link codeOfKind}): the per-message path. When every
   * number is an int32 (the usual case: times, ids), the lanes stay in locals; the result is
   * exactly that of mixing the four numbers one after another.
   */
  foldCode(code: number, at: Micros, processId: number, a: number, b: number): void {
    this.count++;
    const head = (code << 24) ^ processId;
    if ((at | 0) === at && (a | 0) === a && (b | 0) === b) {
      let h1 = this.h1;
      let h2 = this.h2;
      for (let i = 0; i < 4; i++) {
        const value = i === 0 ? head : i === 1 ? at : i === 2 ? a : b;
        let k = Math.imul(value, 0xcc9e2d51);
        k = (k << 15) | (k >>> 17);
        k = Math.imul(k, 0x1b873593);
        let h = h1 ^ k;
        h = (h << 13) | (h >>> 19);
        h1 = (Math.imul(h, 5) + 0xe6546b64) | 0;
        let g = h2 ^ Math.imul(value ^ (value >>> 16), 0x85ebca6b);
        g = (g << 17) | (g >>> 15);
        h2 = (Math.imul(g, 0xc2b2ae35) + h1) | 0;
      }
      this.h1 = h1;
      this.h2 = h2;
      return;
    }
    this.mixInt(head);
    this.mixNumber(at);
    this.mixNumber(a);
    this.mixNumber(b);
  }

  /** Folds a string (a note, a command name) into the hash. */
  foldText(text: string): void {
    for (let i = 0; i < text.length; i++) this.mixInt(text.charCodeAt(i));
  }

  /** Keeps an entry for the human timeline (no-op unless entries are kept). */
  keep(entry: TraceEntry): void {
    this.entries?.push(entry);
  }

  /** The hash as 16 hex digits. */
  hash(): string {
    const a = fmix(this.h1 ^ this.count);
    const b = fmix(this.h2 ^ Math.imul(this.count, 0x27d4eb2d));
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }

  private mixNumber(value: number): void {
    if ((value | 0) === value) {
      this.mixInt(value);
    } else {
      f64[0] = value;
      this.mixInt(u32[0] as number);
      this.mixInt(u32[1] as number);
    }
  }

  private mixInt(value: number): void {
    let k = Math.imul(value, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.h1 ^ k;
    h = (h << 13) | (h >>> 19);
    this.h1 = (Math.imul(h, 5) + 0xe6546b64) | 0;
    let g = this.h2 ^ Math.imul(value ^ (value >>> 16), 0x85ebca6b);
    g = (g << 17) | (g >>> 15);
    this.h2 = (Math.imul(g, 0xc2b2ae35) + this.h1) | 0;
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
