import { renameSync, writeFileSync } from 'node:fs';

/**
 * `--status-file FILE`: a small JSON file the simulator rewrites while it runs (at every progress
 * report and at least every `heartbeatMs`), so that a container health check, or the native stack,
 * can tell a working simulator from a stuck or failed one without parsing its log:
 *
 *   {"command":"live","state":"running","pid":12,"updated":"2026-11-24T10:00:05.000Z","updatedMs":…, …progress}
 *
 * `state` is `running`, then `done` or `failed` (`skipped` for a backfill that found its data
 * already loaded). Each write goes to a temporary file renamed over FILE, so a reader never sees
 * half a file. `src/stack/health.ts` reads it.
 */
export type RunState = 'running' | 'done' | 'failed' | 'skipped';

export interface StatusFileContent {
  command: string;
  state: RunState;
  pid: number;
  updated: string;
  updatedMs: number;
  [field: string]: unknown;
}

export class StatusFile {
  private fields: Record<string, unknown> = {};
  private state: RunState = 'running';
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly command: string,
    heartbeatMs = 5000,
  ) {
    if (!path) return;
    this.write();
    this.timer = setInterval(() => this.write(), heartbeatMs);
    this.timer.unref();
  }

  /** Merges `fields` into the file's content and rewrites it. */
  update(fields: Record<string, unknown>): void {
    this.fields = { ...this.fields, ...fields };
    this.write();
  }

  /** The final state; the heartbeat stops. */
  finish(state: Exclude<RunState, 'running'>, fields: Record<string, unknown> = {}): void {
    if (this.timer) clearInterval(this.timer);
    this.state = state;
    this.update(fields);
  }

  private write(): void {
    if (!this.path) return;
    const now = Date.now();
    const content: StatusFileContent = { ...this.fields, command: this.command, state: this.state, pid: process.pid, updated: new Date(now).toISOString(), updatedMs: now };
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(content)}\n`);
      renameSync(temporary, this.path);
    } catch (error) {
      // A status file is a convenience: never let it stop the simulation.
      process.stderr.write(`encore simulate: cannot write the status file ${this.path}: ${(error as Error).message}\n`);
    }
  }
}

/**
 * What a backfill with --promtool-data leaves in the data directory: written as `loading` before
 * the first block, `done` after the last, so `--once` never loads the same window twice
 * (Prometheus ignores files that are not blocks).
 */
export const BACKFILL_MARKER = 'encore-backfill.json';

export interface BackfillMarker {
  state: 'loading' | 'done';
  from: string;
  to: string;
  [field: string]: unknown;
}
