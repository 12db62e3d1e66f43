import type { DataSourceSettings } from '@grafana/data';
import { HEADER_NAME_PREFIX, HEADER_VALUE_PREFIX, type SourceKind } from '../../common/settings';
import type { EncoreJsonData, EncoreSecureJsonData } from '../types';

/**
 * Immutable edits of the data source settings the config editor works on. Kept apart from the
 * components so each section stays about layout, and the rules (secrets, header numbering,
 * the demo/prometheus default) live in one place.
 */

export type Settings = DataSourceSettings<EncoreJsonData, EncoreSecureJsonData>;

export function withJsonData(settings: Settings, patch: Partial<EncoreJsonData>): Settings {
  return { ...settings, jsonData: { ...settings.jsonData, ...patch } };
}

/** A secret typed by the user; Grafana encrypts it on save and never sends it back. */
export function withSecret(settings: Settings, key: string, value: string): Settings {
  return { ...settings, secureJsonData: { ...settings.secureJsonData, [key]: value } };
}

/**
 * Clears a saved secret: Grafana only reports that it is configured, so "reset" means marking
 * it unconfigured and sending an empty value that replaces the stored one on save.
 */
export function withSecretReset(settings: Settings, key: string): Settings {
  return {
    ...settings,
    secureJsonFields: { ...settings.secureJsonFields, [key]: false },
    secureJsonData: { ...settings.secureJsonData, [key]: '' },
  };
}

export function isSecretConfigured(settings: Settings, key: string): boolean {
  return settings.secureJsonFields?.[key] === true;
}

/** The same default as the backend: a data source with a URL reads Prometheus, else the demo. */
export function effectiveSourceKind(settings: Pick<Settings, 'jsonData' | 'url'>): SourceKind {
  return settings.jsonData.sourceKind ?? (settings.url.trim() !== '' ? 'prometheus' : 'demo');
}

export interface HeaderRow {
  /** the N of httpHeaderName<N> / httpHeaderValue<N> */
  index: number;
  name: string;
  /** a value is saved (and hidden) */
  configured: boolean;
  /** a value typed in this editing session */
  value?: string;
}

const HEADER_NAME_KEY = new RegExp(`^${HEADER_NAME_PREFIX}(\\d+)$`);

/** Custom headers in their saved order. Numbers may have gaps: removal never renumbers. */
export function headerRows(settings: Settings): HeaderRow[] {
  const rows: HeaderRow[] = [];
  for (const [key, name] of Object.entries(settings.jsonData)) {
    const match = HEADER_NAME_KEY.exec(key);
    if (!match || typeof name !== 'string') continue;
    const index = Number(match[1]);
    const valueKey = `${HEADER_VALUE_PREFIX}${index}`;
    const typed = settings.secureJsonData?.[valueKey];
    rows.push({ index, name, configured: isSecretConfigured(settings, valueKey), ...(typed !== undefined ? { value: typed } : {}) });
  }
  return rows.sort((a, b) => a.index - b.index);
}

export function withHeaderAdded(settings: Settings): Settings {
  const next = Math.max(0, ...headerRows(settings).map((row) => row.index)) + 1;
  return withJsonData(settings, { [`${HEADER_NAME_PREFIX}${next}`]: '' });
}

export function withHeaderName(settings: Settings, index: number, name: string): Settings {
  return withJsonData(settings, { [`${HEADER_NAME_PREFIX}${index}`]: name });
}

export function withHeaderValue(settings: Settings, index: number, value: string): Settings {
  return withSecret(settings, `${HEADER_VALUE_PREFIX}${index}`, value);
}

/**
 * Removes header N and clears its secret value. The others keep their numbers: their saved
 * values cannot be read back, so they could not be moved to another number.
 */
export function withHeaderRemoved(settings: Settings, index: number): Settings {
  const jsonData = { ...settings.jsonData };
  delete jsonData[`${HEADER_NAME_PREFIX}${index}`];
  return withSecretReset({ ...settings, jsonData }, `${HEADER_VALUE_PREFIX}${index}`);
}
