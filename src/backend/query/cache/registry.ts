import type { DataSourceSettings } from '../../grafana/context';
import type { Logger } from '../../grafana/logger';
import type { CacheMetrics } from '../../metrics';
import { cacheConfigFromSettings, type CacheConfig } from './config';
import { dataScope } from './keys';
import { RedisStore } from './redis';
import { ResultsCache } from './results';

/**
 * One results cache per data source, built from its settings and rebuilt when the cache settings
 * change (Grafana bumps lastUpdatedMS on every save, like the source registry's instances). The
 * registry also answers the cache part of the health check and feeds the cache gauges.
 */

export type CacheStatus = 'ok' | 'degraded' | 'off';

export interface CacheHealth {
  status: CacheStatus;
  message: string;
  details: Record<string, unknown>;
}

interface Instance {
  version: number;
  config: CacheConfig;
  cache: ResultsCache;
  redis?: RedisStore;
  scope: string;
  uid: string;
}

export class CacheRegistry {
  private readonly instances = new Map<string, Instance>();

  constructor(private readonly deps: { metrics?: CacheMetrics; logger: Logger }) {
    deps.metrics?.observe(() => this.snapshot());
  }

  /** The cache and data scope for queries of this data source. */
  forDataSource(orgId: number, ds: DataSourceSettings | undefined): { cache: ResultsCache; scope: string } {
    const instance = this.instance(orgId, ds);
    return { cache: instance.cache, scope: instance.scope };
  }

  private instance(orgId: number, ds: DataSourceSettings | undefined): Instance {
    const id = `${orgId}/${ds?.uid ?? ''}`;
    const version = ds?.lastUpdatedMS ?? 0;
    const existing = this.instances.get(id);
    if (existing && existing.version === version) return existing;
    const config = cacheConfigFromSettings(ds);
    const scope = dataScope(orgId, ds);
    if (existing && existing.config.fingerprint === config.fingerprint) {
      const kept = { ...existing, version, scope, config };
      this.instances.set(id, kept);
      return kept;
    }
    if (existing) void existing.redis?.close();
    const instance = this.build(config, scope, version, ds?.uid ?? '');
    this.instances.set(id, instance);
    return instance;
  }

  private build(config: CacheConfig, scope: string, version: number, uid: string): Instance {
    const { logger, metrics } = this.deps;
    let redis: RedisStore | undefined;
    const redisConfig = config.redis;
    if (redisConfig?.keys) {
      redis = new RedisStore({ ...redisConfig, logger: logger.with({ datasource: uid }) });
    } else if (redisConfig?.problem) {
      logger.warn('cache: Redis not used; queries use the in-process cache', { datasource: uid, problem: redisConfig.problem });
    }
    const cache = new ResultsCache({
      enabled: config.mode !== 'off',
      settledTtlMs: config.settledTtlMs,
      recentTtlMs: config.recentTtlMs,
      maxBytes: config.maxBytes,
      metrics,
      ...(redis && redisConfig?.keys ? { redis: { store: redis, keys: redisConfig.keys } } : {}),
    });
    return { version, config, cache, redis, scope, uid };
  }

  /** The cache's part of CheckHealth: degraded (never an error) when Redis is configured but not usable. */
  async health(orgId: number, ds: DataSourceSettings | undefined): Promise<CacheHealth> {
    const { config, cache, redis } = this.instance(orgId, ds);
    const memory = memoryStats(cache);
    const memoryDetails = { entries: memory.entries, bytes: memory.bytes, maxBytes: memory.maxBytes };
    if (config.mode === 'off') return { status: 'off', message: 'Results cache off', details: { mode: 'off', status: 'off' } };
    if (config.mode === 'memory') {
      return {
        status: 'ok',
        message: `Results cache in memory (${mb(memory.bytes)} of ${mb(memory.maxBytes)} MB used)`,
        details: { mode: 'memory', status: 'ok', memory: memoryDetails },
      };
    }
    const base = { mode: 'redis', memory: memoryDetails };
    if (!redis) {
      const problem = config.redis?.problem ?? 'Redis is not configured';
      return { status: 'degraded', message: `Results cache degraded to memory: ${problem}`, details: { ...base, status: 'degraded', problem } };
    }
    const ping = await redis.ping();
    const state = redis.health();
    const redisDetails = {
      address: redis.address,
      cluster: config.redis?.cluster ?? false,
      tls: config.redis?.tls !== undefined,
      ...(config.redis?.sentinel ? { sentinelMaster: config.redis.sentinel.name, ...(state.master ? { master: state.master } : {}) } : {}),
      state: state.state,
    };
    const tls = config.redis?.tls ? (config.redis.tls.skipVerify ? 'TLS without certificate verification, ' : 'TLS, ') : '';
    if (ping.ok) {
      const where = state.master ? `${redis.address} (now ${state.master})` : redis.address;
      return {
        status: 'ok',
        message: `Results cache in Redis at ${where} (${tls}ping ${ping.latencyMs} ms) with an in-process near cache`,
        details: { ...base, status: 'ok', redis: { ...redisDetails, pingMs: ping.latencyMs } },
      };
    }
    return {
      status: 'degraded',
      message: `Results cache degraded to memory: Redis at ${redis.address} is not answering (${ping.error ?? state.state}); queries are unaffected`,
      details: { ...base, status: 'degraded', redis: { ...redisDetails, error: ping.error } },
    };
  }

  private snapshot() {
    let memoryBytes = 0;
    let memoryEntries = 0;
    const redisUp: Array<{ datasource: string; up: number }> = [];
    for (const instance of this.instances.values()) {
      const stats = memoryStats(instance.cache);
      memoryBytes += stats.bytes;
      memoryEntries += stats.entries;
      if (instance.config.mode === 'redis') redisUp.push({ datasource: instance.uid, up: instance.redis?.available ? 1 : 0 });
    }
    return { memoryBytes, memoryEntries, redisUp };
  }

  async close(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => i.redis?.close()));
    this.instances.clear();
  }
}

/** Extents and finished answers together: the data source's memory budget. */
function memoryStats(cache: ResultsCache) {
  const extents = cache.memory.stats();
  const answers = cache.answers?.stats();
  return {
    entries: extents.entries + (answers?.entries ?? 0),
    bytes: extents.bytes + (answers?.bytes ?? 0),
    maxBytes: extents.maxBytes + (answers?.maxBytes ?? 0),
  };
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
