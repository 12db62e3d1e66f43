import { deepFreeze, derivedOncePerShared } from '../../common/freeze';

/**
 * The plugin context as Encore uses it, decoded from the wire form (int64 strings, jsonData bytes).
 * Every handler gets one of these; nothing else reads the raw proto objects.
 */

export interface GrafanaUser {
  login: string;
  name: string;
  email: string;
  role: string;
}

export interface DataSourceSettings {
  uid: string;
  name: string;
  /** empty string when the data source has no URL (Encore then serves the demo source) */
  url: string;
  basicAuthEnabled: boolean;
  basicAuthUser: string;
  /** parsed jsonData; {} when absent. Raw object: validate before use. */
  jsonData: Record<string, unknown>;
  /** decrypted secrets: never log, never return them */
  secureJsonData: Record<string, string>;
  /** epoch ms of the last settings change; part of instance cache keys */
  lastUpdatedMS: number;
}

export interface PluginContext {
  orgId: number;
  pluginId: string;
  pluginVersion: string;
  user?: GrafanaUser;
  dataSource?: DataSourceSettings;
  grafanaConfig: Record<string, string>;
  userAgent: string;
}

interface WireSettings {
  uid?: string;
  name?: string;
  url?: string;
  basicAuthEnabled?: boolean;
  basicAuthUser?: string;
  jsonData?: Buffer | Uint8Array;
  decryptedSecureJsonData?: Record<string, string>;
  lastUpdatedMS?: string | number;
}

export interface WirePluginContext {
  orgId?: string | number;
  pluginId?: string;
  pluginVersion?: string;
  user?: GrafanaUser | null;
  dataSourceInstanceSettings?: WireSettings | null;
  grafanaConfig?: Record<string, string>;
  userAgent?: string;
}

/** Thrown for settings Grafana sent that cannot be read (e.g. jsonData that is not a JSON object). */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

function parseJsonData(bytes: Buffer | Uint8Array | undefined): Record<string, unknown> {
  if (!bytes || bytes.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new SettingsError('data source jsonData: expected a JSON object, got text that is not JSON');
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SettingsError('data source jsonData: expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Frozen wire contexts, which the server's deserializer shares between requests with the same
 * context bytes (context-reuse.ts), are decoded once, and frozen in turn.
 */
const decodedOnce = derivedOncePerShared((wire: WirePluginContext) => {
  const decoded = decodeContext(wire);
  return Object.isFrozen(wire) ? deepFreeze(decoded) : decoded;
});

export function decodePluginContext(wire: WirePluginContext | null | undefined): PluginContext {
  return wire ? decodedOnce(wire) : decodeContext(wire);
}

function decodeContext(wire: WirePluginContext | null | undefined): PluginContext {
  const w = wire ?? {};
  const ds = w.dataSourceInstanceSettings;
  return {
    orgId: Number(w.orgId ?? 0),
    pluginId: w.pluginId ?? '',
    pluginVersion: w.pluginVersion ?? '',
    user: w.user ?? undefined,
    grafanaConfig: w.grafanaConfig ?? {},
    userAgent: w.userAgent ?? '',
    dataSource: ds
      ? {
          uid: ds.uid ?? '',
          name: ds.name ?? '',
          url: ds.url ?? '',
          basicAuthEnabled: Boolean(ds.basicAuthEnabled),
          basicAuthUser: ds.basicAuthUser ?? '',
          jsonData: parseJsonData(ds.jsonData),
          secureJsonData: ds.decryptedSecureJsonData ?? {},
          lastUpdatedMS: Number(ds.lastUpdatedMS ?? 0),
        }
      : undefined,
  };
}
