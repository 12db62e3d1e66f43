/**
 * The data source health check as the overview shows it. Grafana's
 * `GET /api/datasources/uid/<uid>/health` runs the backend's CheckHealth and answers
 * `{ status, message, details }`: HTTP 200 when the status is OK, HTTP 400 with the same body
 * when the plugin said ERROR, and other codes (403, 404, 500) with `{ message }` when the check
 * could not run at all. These helpers turn any of those into one shape; no React, no Grafana
 * runtime, so they are unit-tested on their own.
 */

export type HealthStatus = 'OK' | 'ERROR' | 'UNKNOWN';

export interface HealthResult {
  status: HealthStatus;
  message: string;
  /** the backend's jsonDetails (source kind, Prometheus version, demo series, ...) */
  details: Record<string, unknown>;
  /** HTTP status of the answer, when there was one */
  httpStatus?: number;
  /** the check did not run (no permission, plugin not installed, network): not the plugin's verdict */
  unreachable?: boolean;
}

const STATUSES: readonly HealthStatus[] = ['OK', 'ERROR', 'UNKNOWN'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One health answer from the HTTP status and body Grafana sent. A body with a known `status`
 * is the plugin's verdict whatever the HTTP code; anything else means the check never reached
 * the plugin, and the message says why.
 */
export function parseHealthResponse(httpStatus: number | undefined, body: unknown): HealthResult {
  const record = isRecord(body) ? body : {};
  const rawStatus = typeof record.status === 'string' ? record.status.toUpperCase() : undefined;
  const message = typeof record.message === 'string' ? record.message.trim() : typeof body === 'string' ? body.trim() : '';
  const details = isRecord(record.details) ? record.details : {};
  const withCode = httpStatus === undefined ? {} : { httpStatus };
  if (rawStatus !== undefined && (STATUSES as readonly string[]).includes(rawStatus)) {
    return { status: rawStatus as HealthStatus, message: message || defaultMessage(rawStatus as HealthStatus), details, ...withCode };
  }
  return { status: 'UNKNOWN', message: unreachableMessage(httpStatus, message), details, unreachable: true, ...withCode };
}

function defaultMessage(status: HealthStatus): string {
  if (status === 'OK') return 'Data source is working';
  if (status === 'ERROR') return 'The health check failed without a message';
  return 'The data source did not report its health';
}

function unreachableMessage(httpStatus: number | undefined, message: string): string {
  const why =
    httpStatus === 403
      ? 'you may not query this data source'
      : httpStatus === 404
        ? 'Grafana does not know this data source, or its plugin is not installed'
        : httpStatus === undefined || httpStatus === 0
          ? 'Grafana did not answer'
          : `Grafana answered HTTP ${httpStatus}`;
  return message ? `Health check could not run (${why}): ${message}` : `Health check could not run: ${why}`;
}

/** What a Badge shows for a health state (Badge colours of @grafana/ui). */
export interface HealthBadge {
  text: string;
  color: 'green' | 'red' | 'orange' | 'blue' | 'darkgrey';
  icon: 'check-circle' | 'exclamation-triangle' | 'question-circle' | 'sync';
  /** full sentence for screen readers and the tooltip */
  label: string;
}

/** `undefined` means the check is still running. */
export function healthBadge(health: HealthResult | undefined): HealthBadge {
  if (health === undefined) return { text: 'Checking', color: 'blue', icon: 'sync', label: 'Health check running' };
  if (health.status === 'OK') return { text: 'Healthy', color: 'green', icon: 'check-circle', label: `Healthy: ${health.message}` };
  if (health.status === 'ERROR') return { text: 'Failing', color: 'red', icon: 'exclamation-triangle', label: `Health check failed: ${health.message}` };
  if (health.unreachable) return { text: 'Not checked', color: 'orange', icon: 'question-circle', label: health.message };
  return { text: 'Unknown', color: 'darkgrey', icon: 'question-circle', label: health.message };
}

export interface DetailRow {
  key: string;
  label: string;
  value: string;
}

/** Keys the backends report, in the order a person wants them; others follow alphabetically. */
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  source: 'Source',
  url: 'URL',
  version: 'Version',
  revision: 'Revision',
  branch: 'Branch',
  goVersion: 'Go version',
  series: 'Series',
  metrics: 'Metrics',
  markets: 'Markets',
  platforms: 'Platforms',
  sampleIntervalSeconds: 'Sample interval',
  activeIncidents: 'Active incidents',
  seed: 'Seed',
  errorKind: 'Error kind',
};
const DETAIL_ORDER = Object.keys(DETAIL_LABELS);
const MAX_LISTED = 12;
const MAX_TEXT = 200;

/** The details as label/value rows, values as short readable text. */
export function healthDetails(details: Record<string, unknown>): DetailRow[] {
  const keys = Object.keys(details).filter((key) => details[key] !== undefined && details[key] !== null && details[key] !== '');
  keys.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return keys.map((key) => ({ key, label: DETAIL_LABELS[key] ?? humanise(key), value: formatDetail(key, details[key]) }));
}

function rank(key: string): number {
  const index = DETAIL_ORDER.indexOf(key);
  return index === -1 ? DETAIL_ORDER.length : index;
}

/** `sampleIntervalSeconds` → "Sample interval seconds", `error_kind` → "Error kind". */
function humanise(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function formatDetail(key: string, value: unknown): string {
  if (key === 'sampleIntervalSeconds' && typeof value === 'number') return `${value} s`;
  if (key === 'source' && typeof value === 'string') return value === 'demo' ? 'Demo (built in)' : value === 'prometheus' ? 'Prometheus' : value;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    const shown = value.slice(0, MAX_LISTED).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
    return value.length > MAX_LISTED ? `${shown.join(', ')} and ${value.length - MAX_LISTED} more` : shown.join(', ');
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}
