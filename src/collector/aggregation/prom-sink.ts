import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { STREAMING_METRICS, type GaugeKey, type StreamingMetricKey } from '../../common/streaming-metrics';
import { labelKey, type Labels, type MetricSink } from './aggregate';

/**
 * The streaming metrics in a prom-client registry: registers exactly STREAMING_METRICS (names,
 * help, labels, buckets from the one definition) and implements the MetricSink aggregateEvent()
 * writes to.
 *
 * Counter increments are summed per series in a plain Map and handed to prom-client by flush(),
 * once per series per batch, instead of once per event: prom-client hashes and validates the
 * label object on every call, which was the hot spot at 100k events/s. The server flushes before
 * it answers a batch, so a scrape never misses an event that was acknowledged.
 */
type Metric = Counter | Histogram | Gauge;

/** Gauges are read at scrape time: the current value of every series. */
export type GaugeReaders = Record<GaugeKey, () => Iterable<{ labels: Labels; value: number }>>;

interface Pending {
  labels: Labels;
  value: number;
}

export class PromSink implements MetricSink {
  private readonly metrics = new Map<StreamingMetricKey, Metric>();
  private readonly pending = new Map<StreamingMetricKey, Map<string, Pending>>();

  constructor(registry: Registry, gauges: GaugeReaders) {
    for (const [key, definition] of Object.entries(STREAMING_METRICS) as Array<[StreamingMetricKey, (typeof STREAMING_METRICS)[StreamingMetricKey]]>) {
      const common = { name: definition.name, help: definition.help, labelNames: [...definition.labels], registers: [registry] };
      switch (definition.type) {
        case 'counter':
          this.metrics.set(key, new Counter(common));
          this.pending.set(key, new Map());
          break;
        case 'histogram':
          this.metrics.set(key, new Histogram({ ...common, buckets: [...('buckets' in definition ? definition.buckets : [])] }));
          break;
        case 'gauge': {
          const read = gauges[key as GaugeKey];
          this.metrics.set(
            key,
            new Gauge({
              ...common,
              collect(this: Gauge) {
                this.reset();
                for (const { labels, value } of read()) this.set({ ...labels }, value);
              },
            }),
          );
          break;
        }
      }
    }
  }

  inc(metric: StreamingMetricKey, labels: Labels, value = 1): void {
    const series = this.pending.get(metric);
    if (series === undefined) throw new Error(`${metric} is not a counter`);
    const key = labelKey(labels);
    const entry = series.get(key);
    if (entry === undefined) series.set(key, { labels, value });
    else entry.value += value;
  }

  observe(metric: StreamingMetricKey, labels: Labels, value: number): void {
    const histogram = this.metrics.get(metric);
    if (!(histogram instanceof Histogram)) throw new Error(`${metric} is not a histogram`);
    histogram.observe(labels, value);
  }

  /** Hands the summed counter increments to prom-client. */
  flush(): void {
    for (const [metric, series] of this.pending) {
      if (series.size === 0) continue;
      const counter = this.metrics.get(metric) as Counter;
      for (const { labels, value } of series.values()) counter.inc(labels, value);
      series.clear();
    }
  }
}
