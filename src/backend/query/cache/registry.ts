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
 *
 * Each cache is bounded by its data source's budget, and the registry bounds them together: a
 * cache unused for IDLE_CACHE_MS is dropped (a deleted data source leaves no memory behind), and
 * when the caches together hold more than the process budget, those of the data sources used
 * least recently are dropped first. A dropped cache is rebuilt empty on its next query.
 */

/** A data source's cache unused this long is dropped. */
export const IDLE_CACHE_MS = 3_600_000;
/** What the in-process caches of all data sources may hold together (Redis is not counted). */
export const PROCESS_CACHE_BYTES = 1024 * 1024 * 1024;

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
  lastUsedMs: number;
}

export interface CacheRegistryDeps {
  metrics?: CacheMetrics;
  logger: Logger;
  /** the clock of idleness (tests move it) */
  now?: () => number;
  /** PROCESS_CACHE_BYTES unless given (tests lower it) */
  processBytes?: number;
}

export class CacheRegistry {
  /** in order of last use, the least recent first */
  private readonly instances = new Map<string, Instance>();
  private readonly now: () => number;
  private readonly processBytes: number;

  constructor(private readonly deps: CacheRegistryDeps) {
    this.now = deps.now ?? Date.now;
    this.processBytes = deps.processBytes ?? PROCESS_CACHE_BYTES;
    deps.metrics?.observe(() => this.snapshot());
  }

  /** The cache and data scope for queries of this data source. */
  forDataSource(orgId: number, ds: DataSourceSettings | undefined): { cache: ResultsCache; scope: string } {
    const instance = this.instance(orgId, ds);
    return { cache: instance.cache, scope: instance.scope };
  }

  private instance(orgId: number, ds: DataSourceSettings | undefined): Instance {
    const id = `${orgId}/${ds?.uid ?? ''}`;
    const instance = this.current(id, orgId, ds);
    instance.lastUsedMs = this.now();
    // Re-inserted: the map's order is the order of last use.
    this.instances.delete(id);
    this.instances.set(id, instance);
    this.bound(id);
    return instance;
  }

  private current(id: string, orgId: number, ds: DataSourceSettings | undefined): Instance {
    const version = ds?.lastUpdatedMS ?? 0;
    const existing = this.instances.get(id);
    if (existing && existing.version === version) return existing;
    const config = cacheConfigFromSettings(ds);
    const scope = dataScope(orgId, ds);
    if (existing && existing.config.fingerprint === config.fingerprint) return { ...existing, version, scope, config };
    if (existing) void existing.redis?.close();
    return this.build(config, scope, version, ds?.uid ?? '');
  }

  /** Drops idle caches, then the least recently used ones while all of them hold too much; never `keep`. */
  private bound(keep: string): void {
    const now = this.now();
    let bytes = 0;
    for (const instance of this.instances.values()) bytes += memoryStats(instance.cache).bytes;
    for (const [id, instance] of this.instances) {
      if (id === keep) continue;
      const idle = now - instance.lastUsedMs >= IDLE_CACHE_MS;
      if (!idle && bytes <= this.processBytes) break;
      const held = memoryStats(instance.cache).bytes;
      bytes -= held;
      this.instances.delete(id);
      void instance.redis?.close();
      this.deps.logger.info('cache: dropped the in-process cache of a data source', {
        datasource: instance.uid,
        reason: idle ? `unused for ${IDLE_CACHE_MS / 60_000} min` : `the caches together held more than ${mb(this.processBytes)} MB`,
        freedMB: mb(held),
      });
    }
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
    return { version, config, cache, redis, scope, uid, lastUsedMs: this.now() };
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
