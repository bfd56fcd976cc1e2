/**
 * The checks a fault's fields go through when a scenario, a token or the library API hands one
 * in: each names the field and what it must be (a fault kind's `validate` uses them).
 */
export class FieldCheck {
  readonly problems: string[] = [];

  constructor(
    /** The fault as given (an object; its `kind` is known). */
    readonly fault: Readonly<Record<string, unknown>>,
    /** Where it is, for messages: `faults[2]`. */
    readonly where: string,
    /** The processes of the world. */
    readonly processes: ReadonlySet<string>,
  ) {}

  /** Records a problem with `field`. */
  problem(field: string, message: string): void {
    this.problems.push(`${this.where}.${field}: ${message}`);
  }

  /** A finite number >= `min` (or absent, when optional). */
  number(field: string, optional = false, min = 0): void {
    const v = this.fault[field];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.problem(field, `must be a number >= ${min}, got ${JSON.stringify(v)}`);
  }

  /** The name of a process of the world. */
  process(field: string): void {
    const v = this.fault[field];
    if (typeof v !== 'string' || !this.processes.has(v)) this.problem(field, `${JSON.stringify(v)} is not a process of this world (processes: ${this.known()})`);
  }

  /** A non-empty list of process names. */
  processList(field: string): void {
    const v = this.fault[field];
    if (!Array.isArray(v) || v.length === 0) this.problem(field, 'must be a non-empty list of process names');
    else for (const p of v) if (typeof p !== 'string' || !this.processes.has(p)) this.problem(field, `${JSON.stringify(p)} is not a process of this world (processes: ${this.known()})`);
  }

  /** A link mode, if given: 'drop' or 'hold'. */
  mode(): void {
    const v = this.fault.mode;
    if (v !== undefined && v !== 'drop' && v !== 'hold') this.problem('mode', `must be 'drop' or 'hold', got ${JSON.stringify(v)}`);
  }

  private known(): string {
    return [...this.processes].join(', ');
  }
}
