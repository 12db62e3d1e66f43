import { dataSourceOptionsSchema } from '../../common/settings';
import { groupIssues, type GroupedProblems } from '../problems';
import { effectiveSourceKind, type Settings } from './settings-edit';

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
  return problems;
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
