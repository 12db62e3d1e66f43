import { z } from 'zod';
import { limitOptionsShape } from './settings-limits';
import { parseDuration } from './validation';

/**
 * Data source settings: the non-secret part (jsonData) and the names of the secret keys
 * (secureJsonData), shared by the config editor and the backend.
 * Auth, header and TLS key names follow Grafana's own HTTP data sources so that provisioning
 * files look familiar.
 */

export const SOURCE_KINDS = ['demo', 'prometheus'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const AUTH_TYPES = ['none', 'basic', 'bearer'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Custom headers are jsonData.httpHeaderName<N> with secureJsonData.httpHeaderValue<N>. */
export const HEADER_NAME_PREFIX = 'httpHeaderName';
export const HEADER_VALUE_PREFIX = 'httpHeaderValue';

// ---- results cache (src/backend/query/cache/, docs/cache.md) ---------------------------------

export const CACHE_MODES = ['memory', 'redis', 'off'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export const CACHE_DEFAULTS = {
  mode: 'memory',
  /** how long an extent in the settled past is kept */
  settledTtl: '24h',
  /** how long samples of the last minutes (which may still change) are served from the cache */
  recentTtl: '30s',
  /** the in-process cache's budget, per data source */
  maxMemoryMB: 256,
} as const;

/** Minimum length of secureJsonData.cacheEncryptionKey. */
export const CACHE_KEY_MIN_LENGTH = 16;

/** What is wrong with a cache encryption key, worded for backend and editor alike; undefined when it will do. */
export function cacheKeyProblem(key: string): string | undefined {
  if (key.length >= CACHE_KEY_MIN_LENGTH) return undefined;
  const what = key === '' ? 'required' : `too short (${key.length} characters)`;
  return `secureJsonData.cacheEncryptionKey: ${what}; everything written to Redis is encrypted with it, so it needs at least ${CACHE_KEY_MIN_LENGTH} characters`;
}

/** `host:port`, `[v6]:port`; a bare host means the default port (6379; 26379 for Sentinels). */
const REDIS_ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/;
/** `redis://` (plaintext) or `rediss://` (TLS) in front of an address, as Redis URLs write it. */
const REDIS_SCHEME = /^(rediss?):\/\//i;

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;

export interface RedisAddress {
  host: string;
  port: number;
  /** the scheme written: true for rediss://, false for redis://, absent for a bare host:port */
  tls?: boolean;
}

/** Parses `[rediss://]host:port[, ...]`; undefined when an entry is not an address. */
export function parseRedisAddresses(text: string, defaultPort = REDIS_PORT): RedisAddress[] | undefined {
  const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const out: RedisAddress[] = [];
  for (const written of entries) {
    const scheme = REDIS_SCHEME.exec(written)?.[1]?.toLowerCase();
    const entry = (scheme ? written.slice(scheme.length + 3) : written).replace(/\/+$/, '');
    const match = REDIS_ADDRESS.exec(entry);
    const port = match?.[1] === undefined ? defaultPort : Number(match[1]);
    if (!match || port < 1 || port > 65535) return undefined;
    const host = match[1] === undefined ? entry : entry.slice(0, entry.length - match[1].length - 1);
    out.push({ host: host.replace(/^\[|\]$/g, ''), port, ...(scheme ? { tls: scheme === 'rediss' } : {}) });
  }
  return out;
}

/**
 * Whether the cache connects to Redis with TLS (cacheRedisTls, or rediss:// addresses), or what is
 * contradictory about it. Shared by the schema (the editor's messages) and the backend.
 */
export function redisTlsProblem(options: { cacheRedisAddress?: string; cacheRedisTls?: boolean }): string | undefined {
  // Checked on every parse of the settings: nothing to do (the common case) costs nothing.
  if (!options.cacheRedisAddress?.includes('://')) return undefined;
  const nodes = parseRedisAddresses(options.cacheRedisAddress ?? '') ?? [];
  const schemes = new Set(nodes.map((n) => n.tls).filter((tls) => tls !== undefined));
  if (schemes.size > 1) return 'expected the same scheme for every address: all rediss:// (TLS) or all redis:// (no TLS)';
  if (schemes.has(false) && options.cacheRedisTls === true) return 'redis:// means no TLS, but cacheRedisTls is on; write rediss:// (or host:port) or turn TLS off';
  if (schemes.has(true) && options.cacheRedisTls === false) return 'rediss:// means TLS, but cacheRedisTls is off; write redis:// (or host:port) or turn TLS on';
  return undefined;
}

export function redisUsesTls(options: { cacheRedisAddress?: string; cacheRedisTls?: boolean }): boolean {
  return options.cacheRedisTls === true || (parseRedisAddresses(options.cacheRedisAddress ?? '') ?? []).some((n) => n.tls === true);
}

const ttl = (what: string, minMs: number, maxMs: number, range: string) =>
  z
    .string()
    .trim()
    .refine((text) => text === '' || ((parseDuration(text) ?? -1) >= minMs && parseDuration(text)! <= maxMs), {
      message: `expected a duration ${range} such as ${what}`,
    })
    .optional();

/** The cache's jsonData keys (the config editor's Cache section). */
export const CACHE_FIELDS = [
  'cacheMode',
  'cacheRedisAddress',
  'cacheRedisCluster',
  'cacheRedisTls',
  'cacheRedisTlsSkipVerify',
  'cacheRedisTlsWithCACert',
  'cacheRedisTlsAuth',
  'cacheRedisTlsServerName',
  'cacheRedisSentinelMaster',
  'cacheRedisUser',
  'cacheRedisDb',
  'cacheSettledTtl',
  'cacheRecentTtl',
  'cacheMaxMemoryMB',
] as const satisfies ReadonlyArray<keyof ReturnType<typeof cacheOptionsShape>>;

/** The cache's jsonData fields; every one optional, defaults in CACHE_DEFAULTS. */
function cacheOptionsShape() {
  return {
    /** `memory` (default): in-process LRU; `redis`: Redis or Redis Cluster, memory as the near cache and fallback; `off` */
    cacheMode: z.enum(CACHE_MODES).optional(),
    /** one `host:port` (`rediss://host:port` for TLS), or a comma-separated list of cluster nodes or Sentinels */
    cacheRedisAddress: z
      .string({ error: 'expected host:port as text' })
      .trim()
      .refine((text) => !text.includes('@'), {
        message: 'must not contain a user or password; use cacheRedisUser and the Redis password (secureJsonData.cacheRedisPassword)',
      })
      .refine((text) => text === '' || text.includes('@') || (parseRedisAddresses(text)?.length ?? 0) > 0, {
        message: 'expected host:port, or a comma-separated list of them for a cluster or Sentinels (e.g. redis-1:6379, redis-2:6379); rediss:// in front for TLS',
      })
      .optional(),
    cacheRedisCluster: z.boolean({ error: 'expected true or false' }).optional(),
    /** TLS to Redis (rediss:// addresses turn it on too); the server certificate is verified against the system roots or the CA below */
    cacheRedisTls: z.boolean({ error: 'expected true or false' }).optional(),
    /** accept any server certificate (testing only); never on unless set */
    cacheRedisTlsSkipVerify: z.boolean({ error: 'expected true or false' }).optional(),
    /** verify the server against secureJsonData.cacheRedisTlsCACert instead of the system roots */
    cacheRedisTlsWithCACert: z.boolean({ error: 'expected true or false' }).optional(),
    /** present a client certificate (secureJsonData.cacheRedisTlsClientCert / cacheRedisTlsClientKey): Redis' tls-auth-clients */
    cacheRedisTlsAuth: z.boolean({ error: 'expected true or false' }).optional(),
    /** the name the server certificate must carry (and SNI), when it is not the address' host */
    cacheRedisTlsServerName: z
      .string({ error: 'expected a host name as text' })
      .trim()
      .refine((text) => text === '' || /^[A-Za-z0-9.*-]+$/.test(text), { message: 'expected a host name such as redis.example.com' })
      .optional(),
    /**
     * Redis Sentinel: the name of the master set (sentinel.conf's `sentinel monitor <name> ...`); when
     * set, cacheRedisAddress lists the Sentinels (default port 26379) and Encore asks them for the master.
     */
    cacheRedisSentinelMaster: z
      .string({ error: 'expected the master name as text' })
      .trim()
      .refine((text) => text === '' || /^[A-Za-z0-9._-]+$/.test(text), { message: 'expected a master name such as mymaster (letters, digits, . _ -)' })
      .optional(),
    /** Redis ACL user (Redis 6+); the password is secureJsonData.cacheRedisPassword */
    cacheRedisUser: z.string().trim().optional(),
    cacheRedisDb: z.number().int().min(0).max(15).optional(),
    cacheSettledTtl: ttl('24h', 60_000, 90 * 86_400_000, 'between 1m and 90d'),
    cacheRecentTtl: ttl('30s', 0, 3_600_000, 'between 0s and 1h'),
    cacheMaxMemoryMB: z.number().positive().max(65_536).optional(),
  };
}

export const dataSourceOptionsSchema = z
  .object({
    /** empty/absent: `prometheus` when the data source has a URL, `demo` otherwise */
    sourceKind: z.enum(SOURCE_KINDS).optional(),
    authType: z.enum(AUTH_TYPES).default('none'),
    httpMethod: z.enum(['GET', 'POST']).default('POST'),
    timeoutSeconds: z.number().positive().max(600).default(30),
    tlsSkipVerify: z.boolean().default(false),
    tlsAuth: z.boolean().default(false),
    tlsAuthWithCACert: z.boolean().default(false),
    serverName: z.string().optional(),
    /**
     * How often the store scrapes the collector (Grafana's Prometheus data source calls it
     * "Scrape interval"): KPI queries never step finer than it, and their rate() windows cover
     * at least four scrapes.
     */
    scrapeInterval: z
      .string()
      .trim()
      .refine((text) => text === '' || (parseDuration(text) ?? 0) > 0, { message: 'expected a duration such as 15s or 1m' })
      .optional(),
    ...cacheOptionsShape(),
    /** limits, rate limits, retries, circuit breaker, link-local policy (settings-limits.ts) */
    ...limitOptionsShape,
  })
  .loose()
  .superRefine((options, ctx) => {
    if (options.cacheMode === 'redis' && (options.cacheRedisAddress ?? '').trim() === '') {
      ctx.addIssue({ code: 'custom', path: ['cacheRedisAddress'], message: 'required when cacheMode is "redis"; expected host:port, e.g. redis:6379' });
    }
    const tlsProblem = redisTlsProblem(options);
    if (tlsProblem) ctx.addIssue({ code: 'custom', path: ['cacheRedisAddress'], message: tlsProblem });
    if (options.cacheRedisSentinelMaster && options.cacheRedisCluster) {
      ctx.addIssue({
        code: 'custom',
        path: ['cacheRedisSentinelMaster'],
        message: 'a Redis Cluster has no Sentinels; clear the Sentinel master name or turn Redis Cluster off',
      });
    }
  });

export type DataSourceOptions = z.infer<typeof dataSourceOptionsSchema>;

/** The scrape interval assumed when the settings name none: 15 s, as in Prometheus' example configuration and Grafana's Prometheus data source. */
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;

export function scrapeIntervalMs(options: Pick<DataSourceOptions, 'scrapeInterval'>): number {
  const text = options.scrapeInterval?.trim();
  return (text ? parseDuration(text) : undefined) ?? DEFAULT_SCRAPE_INTERVAL_MS;
}

export const SECURE_KEYS = {
  basicAuthPassword: 'basicAuthPassword',
  bearerToken: 'bearerToken',
  tlsCACert: 'tlsCACert',
  tlsClientCert: 'tlsClientCert',
  tlsClientKey: 'tlsClientKey',
  /** password of the Redis (or Redis Cluster) the results cache uses */
  cacheRedisPassword: 'cacheRedisPassword',
  /** secret the Redis cache keys and encrypts its values with (AES-256-GCM); at least 16 characters */
  cacheEncryptionKey: 'cacheEncryptionKey',
  /** PEM CA certificate(s) the Redis server certificate is verified against (with cacheRedisTlsWithCACert) */
  cacheRedisTlsCACert: 'cacheRedisTlsCACert',
  /** PEM client certificate and key for Redis (with cacheRedisTlsAuth) */
  cacheRedisTlsClientCert: 'cacheRedisTlsClientCert',
  cacheRedisTlsClientKey: 'cacheRedisTlsClientKey',
  /** password of the Redis Sentinels (sentinel.conf's requirepass), when they have one */
  cacheRedisSentinelPassword: 'cacheRedisSentinelPassword',
} as const;

export type SecureKey = keyof typeof SECURE_KEYS;

