import { STREAMING_METRICS, type GaugeKey, type StreamingMetricKey } from '../../common/streaming-metrics';
import { labelKey, type Labels, type MetricSink } from '../../collector/aggregation/aggregate';

/**
 * The collector's metrics as a backfill: the same series aggregateEvent() makes (it writes here
 * instead of to prom-client), sampled at scrape times and written as OpenMetrics text that
 * `promtool tsdb create-blocks-from openmetrics` loads.
 *
 * Samples are kept in memory for one chunk of time and written per family, then per series,
 * because OpenMetrics wants the points of one series together and families not interleaved.
 * Each chunk is a file of its own; a series' cumulative value carries on across chunks.
 */

interface CounterSeries {
  labels: Labels;
  labelText: string;
  value: number;
  /** sampled values in this chunk, NaN before the series existed */
  points: number[];
  /** a 0 to write at this time first: the series began after the previous chunk's last sample */
  zeroAtMs?: number;
}

interface HistogramSeries {
  labels: Labels;
  labelText: string;
  counts: Float64Array;
  sum: number;
  count: number;
  /** per sample: cumulative bucket counts (+Inf last), count, sum */
  points: Array<Float64Array | undefined>;
  zeroAtMs?: number;
}

type GaugeReading = Iterable<{ labels: Labels; value: number }>;

export class OpenMetricsSink implements MetricSink {
  private readonly counters = new Map<StreamingMetricKey, Map<string, CounterSeries>>();
  private readonly histograms = new Map<StreamingMetricKey, Map<string, HistogramSeries>>();
  private readonly gauges = new Map<GaugeKey, Map<string, CounterSeries>>();
  private times: number[] = [];
  /** time of the latest sample, in this chunk or an earlier one */
  private lastSampleMs: number | undefined;
  private readonly extraLabels: string;

  /** `extraLabels` go on every series (the scrape's job and instance, which a backfill has not got). */
  constructor(extraLabels: Readonly<Record<string, string>> = {}) {
    this.extraLabels = Object.entries(extraLabels)
      .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
      .join(',');
  }

  inc(metric: StreamingMetricKey, labels: Labels, value = 1): void {
    let family = this.counters.get(metric);
    if (!family) this.counters.set(metric, (family = new Map()));
    const key = labelKey(labels);
    let series = family.get(key);
    if (!series) {
      series = { labels, labelText: this.labelText(labels), value: 0, points: new Array(this.times.length).fill(NaN) };
      this.startAtZero(series, 0);
      family.set(key, series);
    }
    series.value += value;
  }

  observe(metric: StreamingMetricKey, labels: Labels, value: number): void {
    const buckets = bucketsOf(metric);
    let family = this.histograms.get(metric);
    if (!family) this.histograms.set(metric, (family = new Map()));
    const key = labelKey(labels);
    let series = family.get(key);
    if (!series) {
      series = { labels, labelText: this.labelText(labels), counts: new Float64Array(buckets.length + 1), sum: 0, count: 0, points: new Array(this.times.length).fill(undefined) };
      this.startAtZero(series, new Float64Array(buckets.length + 3));
      family.set(key, series);
    }
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  /** Records every series' current value at `timeMs`; gauges are read now. */
  sample(timeMs: number, gauges: Readonly<Record<GaugeKey, () => GaugeReading>>): void {
    this.readGauges(gauges);
    this.times.push(timeMs);
    this.lastSampleMs = timeMs;
    this.recordPoints();
  }

  /**
   * A series that begins after sampling started is given a 0 at the previous sample, as a
   * collector that had exported it from the start would show. Without it Prometheus' rate()
   * could not see the series' first increments (it needs two samples), and sparse series, a
   * market's rare errors, would lose part of their count.
   */
  private startAtZero<T>(series: { points: T[]; zeroAtMs?: number }, zero: T): void {
    if (this.times.length > 0) series.points[this.times.length - 1] = zero;
    else if (this.lastSampleMs !== undefined) series.zeroAtMs = this.lastSampleMs;
  }

  /** Sets the gauges to their current readings (sample() does this too). */
  readGauges(gauges: Readonly<Record<GaugeKey, () => GaugeReading>>): void {
    for (const [key, read] of Object.entries(gauges) as Array<[GaugeKey, () => GaugeReading]>) {
      let family = this.gauges.get(key);
      if (!family) this.gauges.set(key, (family = new Map()));
      for (const { labels, value } of read()) {
        const seriesKey = labelKey(labels);
        let series = family.get(seriesKey);
        if (!series) family.set(seriesKey, (series = { labels, labelText: this.labelText(labels), value, points: new Array(this.times.length).fill(NaN) }));
        series.value = value;
      }
    }
  }

  private recordPoints(): void {
    for (const family of [...this.counters.values(), ...this.gauges.values()]) {
      for (const series of family.values()) series.points.push(series.value);
    }
    for (const family of this.histograms.values()) {
      for (const series of family.values()) {
        const snapshot = new Float64Array(series.counts.length + 2);
        let cumulative = 0;
        for (let i = 0; i < series.counts.length; i++) snapshot[i] = cumulative += series.counts[i]!;
        snapshot[series.counts.length] = series.count;
        snapshot[series.counts.length + 1] = series.sum;
        series.points.push(snapshot);
      }
    }
  }

  /**
   * Every series' current value by exposition name (`_bucket` series with `le`), without the
   * extra labels: what a scrape would read now, for predictions (see predict.ts).
   */
  current(): Map<string, Array<{ labels: Labels; value: number }>> {
    const out = new Map<string, Array<{ labels: Labels; value: number }>>();
    const add = (name: string, labels: Labels, value: number) => {
      let list = out.get(name);
      if (!list) out.set(name, (list = []));
      list.push({ labels, value });
    };
    for (const [metric, family] of [...this.counters, ...this.gauges]) {
      for (const series of family.values()) add(STREAMING_METRICS[metric].name, series.labels, series.value);
    }
    for (const [metric, family] of this.histograms) {
      const { name } = STREAMING_METRICS[metric];
      const bounds = [...bucketsOf(metric).map(String), '+Inf'];
      for (const series of family.values()) {
        let cumulative = 0;
        bounds.forEach((le, i) => add(`${name}_bucket`, { ...series.labels, le }, (cumulative += series.counts[i]!)));
        add(`${name}_count`, series.labels, series.count);
        add(`${name}_sum`, series.labels, series.sum);
      }
    }
    return out;
  }

  /** Samples held for the current chunk. */
  get samples(): number {
    return this.times.length;
  }

  /**
   * Writes the chunk as one OpenMetrics document through `write` (called with pieces of text, in
   * order) and starts the next chunk. Returns the number of sample lines.
   */
  writeChunk(write: (text: string) => void): number {
    let lines = 0;
    let buffer = '';
    const out = (line: string) => {
      buffer += line;
      lines++;
      if (buffer.length > 1 << 20) {
        write(buffer);
        buffer = '';
      }
    };
    const times = this.times.map((ms) => (ms / 1000).toFixed(3));
    for (const [metric, family] of this.counters) {
      const { name, help } = STREAMING_METRICS[metric];
      const familyName = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
      buffer += `# TYPE ${familyName} counter\n# HELP ${familyName} ${help}\n`;
      for (const series of family.values()) {
        if (series.zeroAtMs !== undefined) out(`${name}${series.labelText} 0 ${(series.zeroAtMs / 1000).toFixed(3)}\n`);
        series.points.forEach((value, i) => {
          if (!Number.isNaN(value)) out(`${name}${series.labelText} ${value} ${times[i]}\n`);
        });
      }
    }
    for (const [metric, family] of this.gauges) {
      const { name, help } = STREAMING_METRICS[metric];
      buffer += `# TYPE ${name} gauge\n# HELP ${name} ${help}\n`;
      for (const series of family.values()) {
        series.points.forEach((value, i) => {
          if (!Number.isNaN(value)) out(`${name}${series.labelText} ${value} ${times[i]}\n`);
        });
      }
    }
    for (const [metric, family] of this.histograms) {
      const { name, help } = STREAMING_METRICS[metric];
      const bounds = [...bucketsOf(metric).map(String), '+Inf'];
      buffer += `# TYPE ${name} histogram\n# HELP ${name} ${help}\n`;
      for (const series of family.values()) {
        const inner = series.labelText.slice(1, -1);
        const withLe = (le: string) => `{${inner}${inner ? ',' : ''}le="${le}"}`;
        // Each bucket, the count and the sum are series of their own: all points of one, then the next.
        const column = (prefix: string, index: number) => {
          if (series.zeroAtMs !== undefined) out(`${prefix} 0 ${(series.zeroAtMs / 1000).toFixed(3)}\n`);
          series.points.forEach((snapshot, i) => {
            if (snapshot) out(`${prefix} ${snapshot[index]} ${times[i]}\n`);
          });
        };
        bounds.forEach((le, b) => column(`${name}_bucket${withLe(le)}`, b));
        column(`${name}_count${series.labelText}`, bounds.length);
        column(`${name}_sum${series.labelText}`, bounds.length + 1);
      }
    }
    buffer += '# EOF\n';
    write(buffer);
    this.startChunk();
    return lines;
  }

  private startChunk(): void {
    this.times = [];
    for (const family of [...this.counters.values(), ...this.gauges.values(), ...this.histograms.values()]) {
      for (const series of family.values()) {
        series.points = [];
        series.zeroAtMs = undefined;
      }
    }
  }

  private labelText(labels: Labels): string {
    const own = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
    const all = this.extraLabels ? [...own, this.extraLabels] : own;
    return `{${all.join(',')}}`;
  }
}

function bucketsOf(metric: StreamingMetricKey): readonly number[] {
  const definition = STREAMING_METRICS[metric];
  if (!('buckets' in definition)) throw new Error(`${metric} is not a histogram`);
  return definition.buckets;
}

/** OpenMetrics label value escaping: backslash, double quote, line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
