import { createHash } from 'node:crypto';
import {
  CACHE_DEFAULTS,
  cacheKeyProblem,
  dataSourceOptionsSchema,
  parseRedisAddresses,
  SECURE_KEYS,
  type CacheMode,
  type DataSourceOptions,
  type RedisAddress,
} from '../../../common/settings';
import { parseDuration } from '../../../common/validation';
import type { DataSourceSettings } from '../../grafana/context';
import { deriveCacheKeys, type CacheKeys } from './codec';

/** The results cache's settings of one data source, read from jsonData and secureJsonData. */

export interface RedisConfig {
  nodes: RedisAddress[];
  cluster: boolean;
  tls: boolean;
  username?: string;
  password?: string;
  db: number;
  /** absent when the encryption key is missing or too short (then `problem` says so) */
  keys?: CacheKeys;
  problem?: string;
}

export interface CacheConfig {
  mode: CacheMode;
  settledTtlMs: number;
  recentTtlMs: number;
  maxBytes: number;
  redis?: RedisConfig;
  /** changes whenever anything above does: the cache instance is rebuilt then */
  fingerprint: string;
}

export function cacheConfigFromSettings(ds: DataSourceSettings | undefined): CacheConfig {
  const parsed = dataSourceOptionsSchema.safeParse(ds?.jsonData ?? {});
  // Unusable settings fail the queries with their own message (sources/resolve.ts); the cache
  // then simply runs with its defaults.
  const options: Partial<DataSourceOptions> = parsed.success ? parsed.data : {};
  const duration = (text: string | undefined, fallback: string) => parseDuration(text?.trim() || fallback) ?? parseDuration(fallback)!;
  const mode: CacheMode = options.cacheMode ?? CACHE_DEFAULTS.mode;
  const config: Omit<CacheConfig, 'fingerprint'> = {
    mode,
    settledTtlMs: duration(options.cacheSettledTtl, CACHE_DEFAULTS.settledTtl),
    recentTtlMs: duration(options.cacheRecentTtl, CACHE_DEFAULTS.recentTtl),
    maxBytes: Math.round((options.cacheMaxMemoryMB ?? CACHE_DEFAULTS.maxMemoryMB) * 1024 * 1024),
  };
  let secrets = '';
  if (mode === 'redis') {
    const secure = ds?.secureJsonData ?? {};
    const key = secure[SECURE_KEYS.cacheEncryptionKey] ?? '';
    const password = secure[SECURE_KEYS.cacheRedisPassword] || undefined;
    const redis: RedisConfig = {
      nodes: parseRedisAddresses(options.cacheRedisAddress ?? '') ?? [],
      cluster: options.cacheRedisCluster ?? false,
      tls: options.cacheRedisTls ?? false,
      username: options.cacheRedisUser || undefined,
      password,
      db: options.cacheRedisDb ?? 0,
    };
    if (redis.nodes.length === 0) redis.problem = 'jsonData.cacheRedisAddress: required when cacheMode is "redis"';
    else redis.problem = cacheKeyProblem(key);
    if (!redis.problem) redis.keys = deriveCacheKeys(key);
    config.redis = redis;
    secrets = createHash('sha256').update(`${key}\u0000${password ?? ''}`).digest('base64url');
  }
  const { keys: _keys, ...redisShape } = config.redis ?? {};
  const fingerprint = JSON.stringify([config.mode, config.settledTtlMs, config.recentTtlMs, config.maxBytes, { ...redisShape, password: undefined }, secrets]);
  return { ...config, fingerprint };
}
