import type { PromqlQuery } from '../../common/query';
import { parseDuration } from '../../common/validation';
import type { Field, Frame } from '../grafana/frames/frame';
import { formatLegend, seriesName } from '../query/legend';
import type { Series, Source } from '../sources/source';

/**
 * A live tail of a query for Grafana Live: polls the source once per step and pushes only the
 * samples the subscriber has not seen. Packets are one wide frame (time + one value per series);
 * the schema is re-sent whenever the set of series changes, as Grafana's streaming frames expect.
 */

export interface TailPacket {
  frame: Frame;
  /** 'all' = schema + data (first packet, or the series changed); 'data' = new rows only */
  include: 'all' | 'data';
}

export interface TailOptions {
  query: PromqlQuery;
  source: Source;
  send: (packet: TailPacket) => Promise<void> | void;
  signal: AbortSignal;
  now?: () => number;
  /** how many steps of history the first packet carries */
  backfillSteps?: number;
}

export const DEFAULT_TAIL_STEP_MS = 10_000;
const MIN_TAIL_STEP_MS = 1_000;

export function tailStepMs(query: Pick<PromqlQuery, 'step'>): number {
  const configured = query.step ? parseDuration(query.step) : undefined;
  return Math.max(MIN_TAIL_STEP_MS, configured ?? DEFAULT_TAIL_STEP_MS);
}

export async function runTail(options: TailOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const step = tailStepMs(options.query);
  const backfill = options.backfillSteps ?? 60;
  let lastSent = -Infinity;
  let schemaKey = '';
  while (!options.signal.aborted) {
    const end = Math.floor(now() / step) * step;
    const start = Number.isFinite(lastSent) ? lastSent : end - backfill * step;
    const series = await options.source.queryRange({
      expr: options.query.expr,
      start,
      end,
      stepMs: step,
      signal: options.signal,
    });
    const key = series.map((s) => seriesName(s.labels)).join('\n');
    const include = key === schemaKey ? 'data' : 'all';
    const frame = wideFrame(series, options.query, include === 'all' ? -Infinity : lastSent);
    if (include === 'all' || frame.fields[0]!.values.length > 0) {
      await options.send({ frame, include });
      schemaKey = key;
      const times = frame.fields[0]!.values as number[];
      if (times.length > 0) lastSent = Math.max(lastSent, times[times.length - 1]!);
    }
    await sleep(step - (now() % step), options.signal);
  }
}

/** Rows strictly after `after`, aligned on the union of the series' timestamps. */
export function wideFrame(series: Series[], query: PromqlQuery, after: number): Frame {
  const times = [...new Set(series.flatMap((s) => s.timestamps))].filter((t) => t > after).sort((a, b) => a - b);
  const fields: Field[] = [{ name: 'Time', type: 'time', values: times }];
  for (const s of series) {
    const byTime = new Map(s.timestamps.map((t, i) => [t, s.values[i]!]));
    const { __name__: _metric, ...labels } = s.labels;
    fields.push({
      name: 'Value',
      type: 'float64',
      nullable: true,
      values: times.map((t) => byTime.get(t) ?? null),
      labels,
      config: { displayNameFromDS: query.legendFormat ? formatLegend(query.legendFormat, s.labels) : seriesName(s.labels) },
    });
  }
  return { name: 'tail', fields };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
