import { createHash } from 'node:crypto';
import { HEADER_NAME_PREFIX, HEADER_VALUE_PREFIX, SECURE_KEYS } from '../../../common/settings';
import type { DataSourceSettings } from '../../grafana/context';
import { hashName, type CacheKeys } from './codec';

/**
 * Cache keys. An entry is the answer of one expression at one step in one extent, for one
 * *data scope*: the organisation, the data source and everything in its settings that changes
 * what the upstream answers (URL, source kind, credentials, custom headers such as a tenant id).
 * Settings that do not change the data (timeouts, TLS, the cache's own options) keep the cache.
 */

const REDIS_PREFIX = 'encore:rc1:';

/** A short, stable digest of what decides the data a query sees. Secrets go in hashed only. */
export function dataScope(orgId: number, ds: DataSourceSettings | undefined): string {
  if (!ds) return sha(`${orgId}\u0000demo`);
  const secret = ds.secureJsonData;
  const headers = Object.keys(ds.jsonData)
    .filter((key) => key.startsWith(HEADER_NAME_PREFIX))
    .sort()
    .map((key) => [ds.jsonData[key], secret[`${HEADER_VALUE_PREFIX}${key.slice(HEADER_NAME_PREFIX.length)}`] ?? '']);
  return sha(
    JSON.stringify([
      orgId,
      ds.uid,
      ds.url.trim(),
      ds.jsonData.sourceKind ?? '',
      ds.jsonData.authType ?? '',
      ds.basicAuthEnabled,
      ds.basicAuthUser,
      secret[SECURE_KEYS.basicAuthPassword] ?? '',
      secret[SECURE_KEYS.bearerToken] ?? '',
      headers,
    ]),
  );
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** All entries of one expression at one step for one data scope. */
export function seriesKey(scope: string, expr: string, stepMs: number): string {
  return `${scope}\u0000${stepMs}\u0000${expr}`;
}

export function memoryKey(series: string, extentIndex: number): string {
  return `${series}\u0000${extentIndex}`;
}

/**
 * The Redis key of an extent: the HMAC of the series key as a hash tag, so that in a Redis
 * Cluster all extents of one query live in one slot and are read with one MGET.
 */
export function redisKey(keys: CacheKeys, series: string, extentIndex: number): string {
  return `${REDIS_PREFIX}{${hashName(keys, series)}}:${extentIndex}`;
}

export function redisKeyPattern(): string {
  return `${REDIS_PREFIX}*`;
}
