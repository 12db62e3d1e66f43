import { createHash } from 'node:crypto';
import {
  CACHE_DEFAULTS,
  cacheKeyProblem,
  dataSourceOptionsSchema,
  parseRedisAddresses,
  redisUsesTls,
  SECURE_KEYS,
  SENTINEL_PORT,
  type CacheMode,
  type DataSourceOptions,
  type RedisAddress,
} from '../../../common/settings';
import { parseDuration } from '../../../common/validation';
import type { DataSourceSettings } from '../../grafana/context';
import { checkCertificates, checkClientPair } from '../../security/tls';
import { deriveCacheKeys, type CacheKeys } from './codec';

/** The results cache's settings of one data source, read from jsonData and secureJsonData. */

export interface RedisTls {
  /** PEM; replaces the system roots */
  ca?: string;
  /** PEM client certificate and key (Redis' tls-auth-clients) */
  cert?: string;
  key?: string;
  /** checked against the server certificate (and sent as SNI) instead of the address' host */
  serverName?: string;
  /** accept any certificate: only when cacheRedisTlsSkipVerify says so */
  skipVerify: boolean;
}

export interface RedisSentinel {
  /** the master set's name; `nodes` are then the Sentinels */
  name: string;
  password?: string;
}

export interface RedisConfig {
  /** the Redis server, the cluster's seed nodes, or the Sentinels */
  nodes: RedisAddress[];
  cluster: boolean;
  /** absent: plaintext */
  tls?: RedisTls;
  /** absent: no Sentinel, `nodes` are Redis itself */
  sentinel?: RedisSentinel;
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
    const secret = (name: string): string | undefined => secure[name] || undefined;
    const key = secure[SECURE_KEYS.cacheEncryptionKey] ?? '';
    const password = secret(SECURE_KEYS.cacheRedisPassword);
    const sentinelName = options.cacheRedisSentinelMaster?.trim() || undefined;
    const redis: RedisConfig = {
      nodes: parseRedisAddresses(options.cacheRedisAddress ?? '', sentinelName ? SENTINEL_PORT : undefined) ?? [],
      cluster: options.cacheRedisCluster ?? false,
      username: options.cacheRedisUser || undefined,
      password,
      db: options.cacheRedisDb ?? 0,
    };
    if (sentinelName) redis.sentinel = { name: sentinelName, password: secret(SECURE_KEYS.cacheRedisSentinelPassword) };
    const problems: string[] = [];
    if (redis.nodes.length === 0) problems.push('jsonData.cacheRedisAddress: required when cacheMode is "redis"');
    const keyProblem = cacheKeyProblem(key);
    if (keyProblem) problems.push(keyProblem);
    if (redisUsesTls(options)) redis.tls = redisTls(options, secret, problems);
    if (problems.length > 0) redis.problem = problems.join('; ');
    else redis.keys = deriveCacheKeys(key);
    config.redis = redis;
    const secretParts = [key, password ?? '', redis.tls?.key ?? '', redis.sentinel?.password ?? ''];
    secrets = createHash('sha256').update(secretParts.join('\u0000')).digest('base64url');
  }
  // Secrets enter the fingerprint only through the digest above.
  const redis = config.redis;
  const shape = redis && {
    ...redis,
    keys: undefined,
    password: undefined,
    tls: redis.tls && { ...redis.tls, key: undefined },
    sentinel: redis.sentinel && { ...redis.sentinel, password: undefined },
  };
  const fingerprint = JSON.stringify([config.mode, config.settledTtlMs, config.recentTtlMs, config.maxBytes, shape, secrets]);
  return { ...config, fingerprint };
}

/** TLS towards Redis; problems name the field (secureJsonData ones included) and what was expected. */
function redisTls(options: Partial<DataSourceOptions>, secret: (name: string) => string | undefined, problems: string[]): RedisTls {
  const tls: RedisTls = { skipVerify: options.cacheRedisTlsSkipVerify === true };
  const serverName = options.cacheRedisTlsServerName?.trim();
  if (serverName) tls.serverName = serverName;
  if (options.cacheRedisTlsWithCACert) {
    const field = `secureJsonData.${SECURE_KEYS.cacheRedisTlsCACert}`;
    const ca = secret(SECURE_KEYS.cacheRedisTlsCACert);
    if (ca === undefined) problems.push(`${field}: required when cacheRedisTlsWithCACert is on; expected the PEM certificate of the CA that signed the Redis server's certificate`);
    else if (checkCertificates(ca, field, problems)) tls.ca = ca;
  }
  if (options.cacheRedisTlsAuth) {
    const fields = { cert: `secureJsonData.${SECURE_KEYS.cacheRedisTlsClientCert}`, key: `secureJsonData.${SECURE_KEYS.cacheRedisTlsClientKey}` };
    const cert = secret(SECURE_KEYS.cacheRedisTlsClientCert);
    const key = secret(SECURE_KEYS.cacheRedisTlsClientKey);
    if (cert === undefined) problems.push(`${fields.cert}: required when cacheRedisTlsAuth (client certificate) is on`);
    if (key === undefined) problems.push(`${fields.key}: required when cacheRedisTlsAuth (client certificate) is on`);
    if (cert !== undefined && key !== undefined && checkClientPair(cert, key, fields, problems)) {
      tls.cert = cert;
      tls.key = key;
    }
  }
  return tls;
}
