/**
 * The write effects of the command being run, on their way to replicas and the AOF: recorded as
 * the command makes them (each with the database it was made in), then emitted as Redis 7.0's
 * `propagatePendingCommands` does: one effect as is, several wrapped in MULTI/EXEC, and a SELECT
 * before any effect made in another database than the stream's.
 */
export class EffectStream {
  /** Where effects go (null: nobody listens, and commands skip building them). */
  sink: ((command: string[]) => void) | null;
  /**
   * The database the stream's receiver is in. A stream starts in database 0, as a fresh engine
   * does (Redis begins every new stream with an explicit SELECT; replaying comes out the same).
   */
  db = 0;
  private readonly commands: string[][] = [];
  private readonly dbs: number[] = [];

  constructor(sink: ((command: string[]) => void) | null) {
    this.sink = sink;
  }

  /** Effects recorded for the current command so far. */
  get length(): number {
    return this.commands.length;
  }

  /** Records an effect made in database `db` (only while someone listens). */
  record(db: number, command: string[]): void {
    if (this.sink === null) return;
    this.commands.push(command);
    this.dbs.push(db);
  }

  /** Forgets the effects recorded after the first `length` (a script that turned replication off). */
  truncate(length: number): void {
    this.commands.length = length;
    this.dbs.length = length;
  }

  /** Emits the current command's effects; MULTI takes the first effect's database, EXEC the last one's. */
  flush(): void {
    const n = this.commands.length;
    if (n === 0) return;
    if (this.sink === null) {
      this.truncate(0);
      return;
    }
    const commands = this.commands.splice(0);
    const dbs = this.dbs.splice(0);
    if (n === 1) {
      this.emit(dbs[0] as number, commands[0] as string[]);
      return;
    }
    this.emit(dbs[0] as number, ['MULTI']);
    for (let i = 0; i < n; i++) this.emit(dbs[i] as number, commands[i] as string[]);
    this.emit(dbs[n - 1] as number, ['EXEC']);
  }

  private emit(db: number, command: string[]): void {
    const sink = this.sink as (command: string[]) => void;
    if (db !== this.db) {
      this.db = db;
      sink(['SELECT', String(db)]);
    }
    sink(command);
  }
}
