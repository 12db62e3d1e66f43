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
 * it answers a batch, so a scrape after the answer includes the batch.
 *
 * Newborn series start at zero. rate() needs two samples of a series, so the first increments of
 * a series a scrape has never seen would be invisible: the first fatal error of a small market,
 * the first failed payment, every series after a restart. So a series' first values are held
 * back: it is exported at 0 until one scrape has read it (`scraped()`), then with its count. The
 * only cost is that a brand-new series shows its first events one scrape later.
 */
type Metric = Counter | Histogram | Gauge;

/** Gauges are read at scrape time: the current value of every series. */
export type GaugeReaders = Record<GaugeKey, () => Iterable<{ labels: Labels; value: number }>>;

interface Pending {
  labels: Labels;
  value: number;
}

type Held = Map<string, { labels: Labels; values: number[] }>;

export class PromSink implements MetricSink {
  private readonly metrics = new Map<StreamingMetricKey, Metric>();
  private readonly pending = new Map<StreamingMetricKey, Map<string, Pending>>();
  /** series prom-client has, by metric */
  private readonly born = new Map<StreamingMetricKey, Set<string>>();
  /** series exported at 0 that no scrape has read yet, with their held increments/observations */
  private holding = new Map<StreamingMetricKey, Held>();
  private holdNewborn = true;

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
    const key = labelKey(labels);
    if (this.hold(metric, key, labels, value)) return;
    if (this.isBorn(metric, key) || !this.holdNewborn) return histogram.observe(labels, value);
    histogram.zero(labels);
    this.startHolding(metric, key, labels, value);
  }

  /** Hands the summed counter increments to prom-client. */
  flush(): void {
    for (const [metric, series] of this.pending) {
      if (series.size === 0) continue;
      const counter = this.metrics.get(metric) as Counter;
      for (const [key, { labels, value }] of series) {
        if (this.hold(metric, key, labels, value)) continue;
        if (this.isBorn(metric, key) || !this.holdNewborn) {
          counter.inc(labels, value);
          continue;
        }
        counter.inc(labels, 0);
        this.startHolding(metric, key, labels, value);
      }
      series.clear();
    }
  }

  /**
   * Call as a scrape starts reading the registry; call what it returns once the scrape has its
   * text. The series the scrape saw at 0 then get their held values; series born meanwhile wait
   * for the next scrape.
   */
  beginScrape(): () => void {
    const released = this.holding;
    this.holding = new Map();
    return () => {
      for (const [metric, series] of released) {
        const target = this.metrics.get(metric)!;
        for (const { labels, values } of series.values()) {
          if (target instanceof Histogram) for (const value of values) target.observe(labels, value);
          else (target as Counter).inc(labels, values.reduce((a, b) => a + b, 0));
        }
      }
    };
  }

  /**
   * From now on every value is exported at once, and what was held is released: for a collector
   * that is shutting down, whose last scrapes must show everything it accepted.
   */
  stopHolding(): void {
    this.holdNewborn = false;
    this.beginScrape()();
  }

  /** Series exported at 0 whose first values wait for a scrape. */
  get held(): number {
    let count = 0;
    for (const series of this.holding.values()) count += series.size;
    return count;
  }

  /** Adds to a series that is being held at 0; false when the series is not held. */
  private hold(metric: StreamingMetricKey, key: string, labels: Labels, value: number): boolean {
    const entry = this.holding.get(metric)?.get(key);
    if (!entry) return false;
    entry.values.push(value);
    return true;
  }

  private startHolding(metric: StreamingMetricKey, key: string, labels: Labels, value: number): void {
    let series = this.holding.get(metric);
    if (!series) this.holding.set(metric, (series = new Map()));
    series.set(key, { labels, values: [value] });
  }

  /** Whether prom-client already has the series; marks it born either way. */
  private isBorn(metric: StreamingMetricKey, key: string): boolean {
    let keys = this.born.get(metric);
    if (!keys) this.born.set(metric, (keys = new Set()));
    if (keys.has(key)) return true;
    keys.add(key);
    return false;
  }
}
