/**
 * Progress on stderr for long runs: rows read and points analysed, at most one line a second,
 * the first after a second of work, so runs that finish quickly (most) print nothing. Shown on
 * a terminal unless --quiet; elsewhere (a CI log, a pipe) only with --progress.
 */

export interface ProgressOptions {
  enabled: boolean;
  write?: (text: string) => void;
  /** milliseconds, monotonic */
  now?: () => number;
  everyMs?: number;
}

export class Progress {
  rows = 0;
  points = 0;
  written = 0;
  private file = '';
  private last: number;
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly everyMs: number;
  readonly enabled: boolean;

  constructor(options: ProgressOptions) {
    this.enabled = options.enabled;
    this.write = options.write ?? ((text) => void process.stderr.write(text));
    this.now = options.now ?? (() => performance.now());
    this.everyMs = options.everyMs ?? 1000;
    this.last = this.now();
  }

  /** Whether progress shows, from the flags and where stderr goes. */
  static wanted(flags: { quiet: boolean; progress: boolean }, stderrIsTty = process.stderr.isTTY === true): boolean {
    return flags.progress || (!flags.quiet && stderrIsTty);
  }

  startFile(name: string): void {
    this.file = name;
  }

  addRows(n: number): void {
    this.rows += n;
    this.tick();
  }

  addPoints(n: number): void {
    this.points += n;
    this.tick();
  }

  addWritten(n: number): void {
    this.written += n;
    this.tick();
  }

  private tick(): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.last < this.everyMs) return;
    this.last = t;
    const where = this.file ? ` (${this.file})` : '';
    const written = this.written > 0 ? `, ${this.written.toLocaleString('en-US')} rows written` : '';
    this.write(`encore: ${this.rows.toLocaleString('en-US')} rows read, ${this.points.toLocaleString('en-US')} points analysed${written}${where}\n`);
  }
}
