import { CACHE_FIELDS, cacheKeyProblem, dataSourceOptionsSchema, SECURE_KEYS } from '../../common/settings';
import { LIMIT_FIELDS } from '../../common/settings-limits';
import { groupIssues, type GroupedProblems } from '../problems';
import { effectiveSourceKind, type Settings } from './settings-edit';

/** The Limits section's fields (settings-limits.ts), as a tuple type for SETTINGS_FIELDS. */
const LIMIT_FIELDS_LIST = LIMIT_FIELDS as readonly (typeof LIMIT_FIELDS)[number][];

export const SETTINGS_FIELDS = [
  'url',
  'sourceKind',
  'authType',
  'httpMethod',
  'timeoutSeconds',
  'tlsSkipVerify',
  'tlsAuth',
  'tlsAuthWithCACert',
  'serverName',
  ...LIMIT_FIELDS_LIST,
  ...CACHE_FIELDS,
  'cacheEncryptionKey',
] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

/**
 * What is wrong with the settings, per field: jsonData checked by the backend's schema, plus the
 * URL, which a Prometheus source cannot do without. The health check ("Save & test") reports
 * the rest, such as a missing secret, from the backend.
 */
export function settingsProblems(settings: Settings): GroupedProblems<SettingsField> {
  const parsed = dataSourceOptionsSchema.safeParse(settings.jsonData);
  const problems: GroupedProblems<SettingsField> = parsed.success ? { fields: {} } : groupIssues(parsed.error, SETTINGS_FIELDS);
  if (effectiveSourceKind(settings) === 'prometheus') {
    const urlProblem = checkUrl(settings.url);
    if (urlProblem) problems.fields.url = `url: ${urlProblem}`;
  }
  if (settings.jsonData.cacheMode === 'redis') {
    const keyProblem = checkCacheKey(settings);
    if (keyProblem) problems.fields.cacheEncryptionKey = keyProblem;
  }
  return problems;
}

/** The key Redis values are encrypted with: a saved one is fine (Grafana never sends it back), a typed one is checked. */
function checkCacheKey(settings: Settings): string | undefined {
  const typed = settings.secureJsonData?.[SECURE_KEYS.cacheEncryptionKey];
  if (typed === undefined || typed === '') return settings.secureJsonFields?.[SECURE_KEYS.cacheEncryptionKey] ? undefined : cacheKeyProblem('');
  return cacheKeyProblem(typed);
}

/** The backend's URL rules and wording (src/backend/sources/prometheus/config.ts), checked as you type. */
function checkUrl(raw: string): string | undefined {
  const text = raw.trim();
  const expected = 'expected an http(s) URL such as http://prometheus:9090';
  if (text === '') return `required; ${expected}`;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return expected;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return expected;
  if (parsed.username !== '' || parsed.password !== '') {
    return 'must not contain a user or password; use basic auth below instead';
  }
  if (parsed.search !== '') return 'must not contain a query string; the API parameters are added per request';
  return undefined;
}
