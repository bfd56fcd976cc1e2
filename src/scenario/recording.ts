import { emptyHistory, type FaultRecord, type History, type HistoryEvent, type LockWord, type ResourceWrite } from '../check/history.ts';
import type { KeySample } from '../check/keys.ts';
import { KeyCommandLog, type KeyCommandSample } from '../check/key-commands.ts';
import type { NodeObserver } from '../services/service.ts';
import { OnlineJudge, type Judgement, type Property } from '../check/online.ts';
import { HistoryRecorder, type HistoryWindow } from '../check/recorder.ts';
import { Tally, type WorkCounts } from '../check/tally.ts';
import { EvidenceTally } from '../check/evidence.ts';
import type { Micros } from '../sim/time.ts';

export interface RecordingSetup {
  readonly properties: readonly Property[];
  /** Every node, in the order the history lists their key lifetimes. */
  readonly nodes: readonly string[];
  readonly lockNodes: readonly string[];
  /** What each node's lock is called, where it is not a key (the history's `lockWords`). */
  readonly lockWords?: Readonly<Record<string, LockWord>>;
  readonly boundMs: number;
  /** Keep only this window of the history (default: all of it); `'nothing'`: keep none of it, nor the key-command log. */
  readonly window?: HistoryWindow | 'nothing';
  /** When the faults last healed so far (the nemesis's), µs; polled before each item. */
  readonly lastHealAt: () => Micros | null;
  /** The clients, for the per-client evidence (default: those that appear in the history). */
  readonly clients?: readonly string[];
}

/** How a run ended, for the judge. */
export interface RecordingEnd {
  readonly endedAt: Micros;
  readonly faults: readonly FaultRecord[];
  readonly blocked: (process: string) => boolean;
  readonly stillTrying: (process: string) => boolean;
}

/**
 * A run's history as it is recorded: every item goes, in true-time order, to the online judge,
 * to the work tally and to the recorder (which keeps all of it or a window). Nothing here is
 * part of the simulation: it reads what happened and never schedules anything.
 */
export class RunRecording implements NodeObserver {
  private readonly judge: OnlineJudge;
  private readonly recorder: HistoryRecorder;
  private readonly tally = new Tally();
  /** The commands on the lock key, with the key's state before and after each (for the reports). */
  private readonly commands: KeyCommandLog | null;
  /** What the verdict rests on, per client (the whole run's, whatever the window keeps). */
  readonly evidence: EvidenceTally;
  private nextIndex = 0;
  private healedAt: Micros | null = null;
  private now: Micros = 0;

  constructor(private readonly setup: RecordingSetup) {
    this.evidence = new EvidenceTally(setup.clients ?? []);
    this.judge = new OnlineJudge({
      properties: setup.properties,
      lockNodes: setup.lockNodes,
      boundMs: setup.boundMs,
      onFound: (span) => this.recorder.violationFound(span),
      onKeyLifetime: (lifetime, seq) => this.recorder.keyLifetime(lifetime, seq, this.now),
    });
    this.recorder = new HistoryRecorder(setup.window, () => this.judge.referencedFrom());
    // The key-command log feeds only the history (the reports): a run that keeps none skips it.
    this.commands = setup.window === 'nothing' ? null : new KeyCommandLog((c) => this.recorder.keyCommand(c));
  }

  /** The index the next event takes: its place in the whole history, kept or not. */
  nextEventIndex(): number {
    return this.nextIndex;
  }

  /** Records an event; its `index` must be {@link nextEventIndex}. */
  event(event: HistoryEvent): void {
    if (event.index !== this.nextIndex) throw new Error(`RunRecording: event index ${event.index}, expected ${this.nextIndex}`);
    this.nextIndex++;
    this.advance(event.at);
    this.judge.event(event);
    this.tally.event(event);
    this.evidence.event(event);
    this.recorder.event(event);
  }

  write(write: ResourceWrite): void {
    this.advance(write.at);
    this.judge.write(write);
    this.tally.write(write);
    this.evidence.write(write);
    this.recorder.write(write);
  }

  keySample(node: string, sample: KeySample): void {
    this.advance(sample.at);
    this.judge.keySample(node, sample);
    this.commands?.sample(node, sample);
  }

  /** A command that may have touched the lock key on `node`, right after the key sample it caused. */
  keyCommand(node: string, command: KeyCommandSample): void {
    this.commands?.command(node, command);
  }

  finish(end: RecordingEnd): { history: History; judgement: Judgement; counts: WorkCounts } {
    this.advance(end.endedAt);
    const judgement = this.judge.finish(end);
    const history = emptyHistory();
    history.lockNodes = this.setup.lockNodes;
    if (this.setup.lockWords !== undefined) history.lockWords = this.setup.lockWords;
    history.endedAt = end.endedAt;
    history.healedAt = this.healedAt;
    history.faults.push(...end.faults);
    this.recorder.finish(history, this.setup.nodes);
    return { history, judgement, counts: this.tally.counts() };
  }

  /** Tells the judge about a heal before anything recorded after it. */
  private advance(at: Micros): void {
    this.now = at;
    const healedAt = this.setup.lastHealAt();
    if (healedAt !== this.healedAt) {
      this.healedAt = healedAt;
      if (healedAt !== null) this.judge.heal(healedAt);
    }
  }
}
