import {
  dataSourceOptionsSchema,
  HEADER_NAME_PREFIX,
  HEADER_VALUE_PREFIX,
  SECURE_KEYS,
} from '../../../common/settings';
import { describeIssues } from '../../../common/validation';
import { SettingsError, type DataSourceSettings } from '../../grafana/context';
import { outboundPolicy, type OutboundPolicy } from '../../security/ssrf';
import { checkCertificates, checkClientPair } from '../../security/tls';
import type { BreakerConfig } from '../resilience/circuit-breaker';

/**
 * Everything the Prometheus client needs, checked once when the data source is (re)configured so
 * that a bad setting fails with a message naming the field instead of failing every query.
 * Secret values are carried here but never written into a message.
 */

export type PrometheusAuth =
  | { type: 'none' }
  | { type: 'basic'; user: string; password: string }
  | { type: 'bearer'; token: string };

export interface PrometheusTls {
  skipVerify: boolean;
  /** PEM; replaces the system roots, as in Grafana's own HTTP data sources */
  caCert?: string;
  /** PEM client certificate and key for mutual TLS */
  clientCert?: string;
  clientKey?: string;
  /** name checked against the server certificate (and sent as SNI) instead of the URL's host */
  serverName?: string;
}

export interface PrometheusConfig {
  /** base URL without a trailing slash; the API lives under `${url}/api/v1` */
  url: string;
  auth: PrometheusAuth;
  /** extra request headers; values may be secrets (tenant ids, API keys) */
  headers: Record<string, string>;
  tls: PrometheusTls;
  timeoutMs: number;
  httpMethod: 'GET' | 'POST';
  /** answers larger than this (after decompression) fail with kind `limit` */
  maxResponseBytes: number;
  /** extra attempts for calls that failed in a way worth retrying (all calls are idempotent reads) */
  retries: number;
  breaker: BreakerConfig;
  /** link-local / metadata destinations (security/ssrf.ts) */
  outbound: OutboundPolicy;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Headers Encore sets itself; letting users override them would break framing or decoding. */
const MANAGED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'accept-encoding']);
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** The characters Node accepts in a header value (no CR/LF, which would allow header injection). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HEADER_KEY = new RegExp(`^${HEADER_NAME_PREFIX}(\\d+)$`);

/** `env`: the process environment, where the Grafana server admin's outbound policy is (security/ssrf.ts). */
export function prometheusConfigFromSettings(ds: DataSourceSettings, env: NodeJS.ProcessEnv = process.env): PrometheusConfig {
  const parsed = dataSourceOptionsSchema.safeParse(ds.jsonData);
  if (!parsed.success) throw new SettingsError(`data source settings: ${describeIssues(parsed.error)}`);
  const options = parsed.data;
  const problems: string[] = [];
  const secure = ds.secureJsonData;
  const secret = (key: string): string | undefined => {
    const value = secure[key];
    return value === undefined || value === '' ? undefined : value;
  };

  const url = normaliseUrl(ds.url, problems);

  let auth: PrometheusAuth = { type: 'none' };
  const wantsBasic = ds.basicAuthEnabled || options.authType === 'basic';
  if (wantsBasic && options.authType === 'bearer') {
    problems.push('authType: "bearer" conflicts with basic auth being enabled; choose one');
  } else if (wantsBasic) {
    const user = ds.basicAuthUser.trim();
    const password = secret(SECURE_KEYS.basicAuthPassword);
    if (user === '') problems.push('basicAuthUser: required when basic auth is enabled');
    if (password === undefined) problems.push(`secureJsonData.${SECURE_KEYS.basicAuthPassword}: required when basic auth is enabled`);
    if (user.includes(':')) problems.push('basicAuthUser: must not contain ":" (it separates user and password in basic auth)');
    if (password !== undefined) auth = { type: 'basic', user, password };
  } else if (options.authType === 'bearer') {
    const token = secret(SECURE_KEYS.bearerToken);
    if (token === undefined) problems.push(`secureJsonData.${SECURE_KEYS.bearerToken}: required when authType is "bearer"`);
    else if (INVALID_HEADER_VALUE.test(token)) problems.push(`secureJsonData.${SECURE_KEYS.bearerToken}: contains characters not allowed in an HTTP header (e.g. a line break)`);
    else auth = { type: 'bearer', token: token.trim() };
  }

  const headers = customHeaders(ds.jsonData, secure, auth.type !== 'none', problems);

  const tls: PrometheusTls = { skipVerify: options.tlsSkipVerify };
  const serverName = options.serverName?.trim();
  if (serverName) tls.serverName = serverName;
  if (options.tlsAuthWithCACert) {
    const ca = secret(SECURE_KEYS.tlsCACert);
    if (ca === undefined) problems.push(`secureJsonData.${SECURE_KEYS.tlsCACert}: required when tlsAuthWithCACert is on`);
    else if (checkCertificates(ca, `secureJsonData.${SECURE_KEYS.tlsCACert}`, problems)) tls.caCert = ca;
  }
  if (options.tlsAuth) {
    const cert = secret(SECURE_KEYS.tlsClientCert);
    const key = secret(SECURE_KEYS.tlsClientKey);
    if (cert === undefined) problems.push(`secureJsonData.${SECURE_KEYS.tlsClientCert}: required when tlsAuth (client certificate) is on`);
    if (key === undefined) problems.push(`secureJsonData.${SECURE_KEYS.tlsClientKey}: required when tlsAuth (client certificate) is on`);
    if (cert !== undefined && key !== undefined && checkClientPair(cert, key, { cert: `secureJsonData.${SECURE_KEYS.tlsClientCert}`, key: `secureJsonData.${SECURE_KEYS.tlsClientKey}` }, problems)) {
      tls.clientCert = cert;
      tls.clientKey = key;
    }
  }

  if (problems.length > 0) throw new SettingsError(`data source settings: ${problems.join('; ')}`);
  return {
    url,
    auth,
    headers,
    tls,
    timeoutMs: Math.round(options.timeoutSeconds * 1000),
    httpMethod: options.httpMethod,
    maxResponseBytes: Math.round(options.maxResponseMB * 1024 * 1024),
    retries: options.retries,
    breaker: { failureThreshold: options.circuitBreakerFailures, cooldownMs: Math.round(options.circuitBreakerCooldownSeconds * 1000) },
    outbound: outboundPolicy(options.allowLinkLocal, env),
  };
}

function normaliseUrl(raw: string, problems: string[]): string {
  const text = raw.trim();
  // Credentials in the URL would end up in messages and in Grafana's unencrypted settings.
  const shown = text.includes('@') ? '' : ` (got "${text}")`;
  if (text === '') {
    problems.push('url: required; expected an http(s) URL such as http://prometheus:9090');
    return '';
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    problems.push(`url: expected an http(s) URL such as http://prometheus:9090${shown}`);
    return '';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    problems.push(`url: expected an http(s) URL such as http://prometheus:9090${shown}`);
    return '';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    problems.push('url: must not contain a user or password; use basic auth in the data source settings instead');
    return '';
  }
  if (parsed.search !== '') {
    problems.push(`url: must not contain a query string; the API parameters are added per request${shown}`);
    return '';
  }
  // Keep a path prefix (Mimir's /prometheus, a reverse proxy's /prom) but drop trailing slashes
  // and the fragment, so that `${url}/api/v1/...` is always well formed.
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.protocol}//${parsed.host}${path}`;
}

function customHeaders(
  jsonData: Record<string, unknown>,
  secure: Record<string, string>,
  authConfigured: boolean,
  problems: string[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  const indexes = Object.keys(jsonData)
    .map((key) => HEADER_KEY.exec(key)?.[1])
    .filter((index): index is string => index !== undefined)
    .sort((a, b) => Number(a) - Number(b));
  for (const index of indexes) {
    const field = `${HEADER_NAME_PREFIX}${index}`;
    const rawName = jsonData[field];
    if (typeof rawName !== 'string') {
      problems.push(`${field}: expected a header name (text)`);
      continue;
    }
    const name = rawName.trim();
    // The editor leaves an empty row behind when a header is removed; that is not an error.
    if (name === '') continue;
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      problems.push(`${field}: "${name}" is not a valid HTTP header name`);
      continue;
    }
    if (MANAGED_HEADERS.has(lower)) {
      problems.push(`${field}: "${name}" is set by Encore and cannot be overridden`);
      continue;
    }
    if (lower === 'authorization' && authConfigured) {
      problems.push(`${field}: "Authorization" conflicts with the configured basic/bearer auth; remove one of them`);
      continue;
    }
    const duplicate = seen.get(lower);
    if (duplicate !== undefined) {
      problems.push(`${field}: "${name}" is already set by ${duplicate}`);
      continue;
    }
    const value = secure[`${HEADER_VALUE_PREFIX}${index}`] ?? '';
    if (INVALID_HEADER_VALUE.test(value)) {
      problems.push(`secureJsonData.${HEADER_VALUE_PREFIX}${index}: contains characters not allowed in an HTTP header (e.g. a line break)`);
      continue;
    }
    seen.set(lower, field);
    headers[name] = value;
  }
  return headers;
}
