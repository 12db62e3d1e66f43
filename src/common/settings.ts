import { z } from 'zod';
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
  })
  .loose();

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
} as const;

export type SecureKey = keyof typeof SECURE_KEYS;
