// Synthetic daily-seasonal series for the CLI tests (unit and integration): a sine over the day
// with deterministic noise, and the incidents, gaps and flatlines a test asks for.

export const STEP_MS = 300_000;
export const DAY_POINTS = 288;
export const START_MS = Date.UTC(2026, 0, 1);

export interface SyntheticOptions {
  days?: number;
  /** points (from, to) where the value is multiplied by `factor` */
  incident?: { from: number; to: number; factor: number };
  /** points (from, to) that are left out of the file */
  gap?: { from: number; to: number };
  /** points (from, to) stuck at the value of `from` */
  flatline?: { from: number; to: number };
  seed?: number;
}

export interface Row {
  t: number;
  v: number;
}

export function syntheticRows(options: SyntheticOptions = {}): Row[] {
  const n = (options.days ?? 14) * DAY_POINTS;
  let seed = options.seed ?? 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: Row[] = [];
  let stuck = NaN;
  for (let i = 0; i < n; i++) {
    const phase = (i % DAY_POINTS) / DAY_POINTS;
    let v = Math.round((1000 + 400 * Math.sin(2 * Math.PI * (phase - 0.25)) + (random() - 0.5) * 40) * 100) / 100;
    const { incident, gap, flatline } = options;
    if (incident && i >= incident.from && i < incident.to) v = Math.round(v * incident.factor * 100) / 100;
    if (flatline && i >= flatline.from && i < flatline.to) {
      if (i === flatline.from) stuck = v;
      v = stuck;
    }
    if (gap && i >= gap.from && i < gap.to) continue;
    rows.push({ t: START_MS + i * STEP_MS, v });
  }
  return rows;
}

/** Noon of day `day` (0-based), as a point index. */
export const noonOf = (day: number) => day * DAY_POINTS + DAY_POINTS / 2;

export function toCsv(rows: readonly Row[], time: 'iso' | 'seconds' = 'iso'): string {
  const stamp = (t: number) => (time === 'iso' ? new Date(t).toISOString() : String(t / 1000));
  return `timestamp,value\n${rows.map((r) => `${stamp(r.t)},${r.v}`).join('\n')}\n`;
}

export function toNdjson(rows: readonly Row[]): string {
  return rows.map((r) => JSON.stringify({ timestamp: r.t, value: r.v })).join('\n') + '\n';
}

/** Rows of a CSV file as objects keyed by the header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [names[i]!, cell])));
}
