import { dataSourceOptionsSchema, type SourceKind } from '../../common/settings';
import { describeIssues } from '../../common/validation';
import { SettingsError, type DataSourceSettings } from '../grafana/context';
import type { BackendMetrics, BreakerGaugeSample } from '../metrics';
import { createDemoSource } from './demo/source';
import { UpstreamError } from './errors';
import { createPrometheusSource, type PrometheusSource } from './prometheus/source';
import { prometheusConfigFromSettings } from './prometheus/config';
import type { Source } from './source';

/**
 * Maps a data source's settings to its Source, one instance per settings version (Grafana bumps
 * lastUpdatedMS on every save), so connection pools survive between requests. The live Prometheus
 * sources feed the circuit-breaker gauge; their retries and breaker changes go to the counters,
 * labelled with the data source uid and the upstream's URL.
 *
 * A data source not asked for in IDLE_SOURCE_MS is forgotten, so a deleted one leaves no
 * connections or breaker gauge behind; if it comes back it starts afresh (a closed breaker).
 * Queries that hold its Source meanwhile finish with it.
 */
export const IDLE_SOURCE_MS = 3_600_000;
/** How often the registry looks for idle data sources: a sweep reads every entry. */
const SWEEP_EVERY_MS = 60_000;

export class SourceRegistry {
  private readonly instances = new Map<string, { source: Source; lastUsedMs: number }>();
  private readonly upstreams = new Map<string, { datasource: string; source: PrometheusSource }>();
  private nextSweepMs = 0;

  constructor(
    private readonly metrics: BackendMetrics,
    private readonly now: () => number = Date.now,
  ) {
    metrics.resilience.observeBreakers(() => this.breakerStates());
  }

  /**
   * The source of a data source of organisation `orgId`. UIDs are unique within an organisation
   * only: provisioning often gives the same uid to the data source of every organisation, and
   * those must not take each other's place (their breakers and connections would start over on
   * every query). Throws SettingsError when the settings cannot be used.
   */
  forSettings(orgId: number, settings: DataSourceSettings | undefined): Source {
    const id = `${orgId}/${settings?.uid ?? ''}`;
    const key = settings ? `${id}@${settings.lastUpdatedMS}` : 'no-datasource';
    const nowMs = this.now();
    if (nowMs >= this.nextSweepMs) this.forgetIdle(nowMs, key);
    const existing = this.instances.get(key);
    if (existing) {
      existing.lastUsedMs = nowMs;
      return existing.source;
    }
    const built = this.build(settings);
    const source = instrument(built, this.metrics);
    // Older versions of the same data source are dropped so the map stays bounded.
    if (settings) {
      for (const old of this.instances.keys()) {
        if (!old.startsWith(`${id}@`)) continue;
        this.instances.delete(old);
        this.upstreams.delete(old);
      }
    }
    this.instances.set(key, { source, lastUsedMs: nowMs });
    if (settings && 'breakerSnapshot' in built) this.upstreams.set(key, { datasource: settings.uid, source: built });
    return source;
  }

  /** The breakers of the Prometheus sources in use, for encore_circuit_breaker_state. */
  breakerStates(): BreakerGaugeSample[] {
    return [...this.upstreams.values()].map(({ datasource, source }) => ({ datasource, upstream: source.url, state: source.breakerSnapshot().state }));
  }

  /** How many data sources are held (settings versions in use). */
  get size(): number {
    return this.instances.size;
  }

  private forgetIdle(nowMs: number, keep: string): void {
    this.nextSweepMs = nowMs + SWEEP_EVERY_MS;
    for (const [key, instance] of this.instances) {
      if (key === keep || nowMs - instance.lastUsedMs < IDLE_SOURCE_MS) continue;
      this.instances.delete(key);
      this.upstreams.delete(key);
    }
  }

  private build(settings: DataSourceSettings | undefined): Source | PrometheusSource {
    if (!settings) return createDemoSource();
    const parsed = dataSourceOptionsSchema.safeParse(settings.jsonData);
    if (!parsed.success) throw new SettingsError(`data source settings: ${describeIssues(parsed.error)}`);
    const kind: SourceKind = parsed.data.sourceKind ?? (settings.url.trim() !== '' ? 'prometheus' : 'demo');
    if (kind === 'demo') return createDemoSource();
    const config = prometheusConfigFromSettings(settings);
    const labels = { datasource: settings.uid, upstream: config.url };
    const { resilience } = this.metrics;
    return createPrometheusSource(config, {
      retried: (reason) => resilience.retries.inc({ ...labels, reason }),
      shortCircuited: () => resilience.shortCircuited.inc(labels),
      breakerMoved: (to) => resilience.transitions.inc({ ...labels, to }),
    });
  }
}

/** Wraps every upstream call with the latency histogram. */
function instrument(source: Source, metrics: BackendMetrics): Source {
  const timed =
    <A extends unknown[], R>(operation: string, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const end = metrics.upstreamDuration.startTimer({ source: source.kind, operation });
      try {
        const result = await call(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        end({ outcome: error instanceof UpstreamError ? error.kind : 'error' });
        throw error;
      }
    };
  return {
    kind: source.kind,
    queryRange: timed('query_range', (q) => source.queryRange(q)),
    queryInstant: timed('query', (q) => source.queryInstant(q)),
    metricNames: timed('metric_names', (q) => source.metricNames(q)),
    labelNames: timed('label_names', (q) => source.labelNames(q)),
    labelValues: timed('label_values', (l, q) => source.labelValues(l, q)),
    health: timed('health', (s) => source.health(s)),
  };
}
