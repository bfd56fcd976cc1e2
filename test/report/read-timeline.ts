/**
 * Reads a text timeline as a user does: the header names the columns, and each line is either
 * a row of cells under them (`true ms | client-1 | … | redis-1`) or a full-width line (`!!`,
 * `##`, `XX`, `EE`). Cells are found by the header's column positions, so a test that reads
 * "client-1's column says DEL →" fails if the text only happens to contain the words elsewhere.
 */
export interface TimelineRow {
  readonly at: number;
  /** Column name → its text (only the cells that say something). */
  readonly cells: Readonly<Record<string, string>>;
}

export interface TimelineLine {
  readonly at: number;
  /** `!!`, `##`, `XX`, `EE`, `??` */
  readonly mark: string;
  readonly text: string;
}

export interface ReadTimeline {
  readonly columns: readonly string[];
  readonly rows: readonly TimelineRow[];
  readonly lines: readonly TimelineLine[];
}

export function readTimeline(text: string): ReadTimeline {
  const [header = '', , ...body] = text.split('\n');
  const starts: Array<{ name: string; at: number }> = [];
  const re = /\| (\S+)/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) starts.push({ name: m[1] as string, at: m.index + 2 });
  const rows: TimelineRow[] = [];
  const lines: TimelineLine[] = [];
  for (const line of body) {
    const time = /^\s*(\d+\.\d{3}) (\||!!|##|XX|EE|\?\?) ?/.exec(line);
    if (time === null) continue;
    const at = Number(time[1]);
    if (time[2] !== '|') {
      lines.push({ at, mark: time[2] as string, text: line.slice(time[0].length) });
      continue;
    }
    const cells: Record<string, string> = {};
    starts.forEach((c, i) => {
      const next = starts[i + 1];
      const cell = line.slice(c.at, next === undefined ? line.length : next.at - 2).trim();
      if (cell !== '') cells[c.name] = cell;
    });
    rows.push({ at, cells });
  }
  return { columns: starts.map((s) => s.name), rows, lines };
}
