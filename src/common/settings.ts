import { z } from 'zod';

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
  })
  .loose();

export type DataSourceOptions = z.infer<typeof dataSourceOptionsSchema>;

export const SECURE_KEYS = {
  basicAuthPassword: 'basicAuthPassword',
  bearerToken: 'bearerToken',
  tlsCACert: 'tlsCACert',
  tlsClientCert: 'tlsClientCert',
  tlsClientKey: 'tlsClientKey',
} as const;

export type SecureKey = keyof typeof SECURE_KEYS;
