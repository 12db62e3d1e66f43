import { formatDuration } from '../../common/validation';
import { rateWindowMs } from './kpi';

/**
 * Grafana's interval macros in a PromQL expression, replaced in the backend as Grafana's own
 * Prometheus backend does: alert rules reach the backend without the browser's interpolation,
 * and `$__rate_interval` is a Prometheus-data-source variable that Grafana's template service
 * leaves alone for other data sources. `$__interval` is the query's step; `$__rate_interval` is
 * the rate() window KPI queries use, max(step + scrape interval, 4 x scrape interval).
 * `$name` and `${name}` are both accepted; `_ms` variants are whole milliseconds.
 */
const MACRO = /\$(?:\{(__(?:rate_)?interval(?:_ms)?)\}|(__(?:rate_)?interval(?:_ms)?)(?![A-Za-z0-9_]))/g;

export function expandIntervalMacros(expr: string, stepMs: number, scrapeIntervalMs: number): string {
  if (!expr.includes('$')) return expr;
  return expr.replace(MACRO, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const ms = name.startsWith('__rate_interval') ? rateWindowMs(stepMs, scrapeIntervalMs) : stepMs;
    return name.endsWith('_ms') ? String(Math.round(ms)) : formatDuration(ms);
  });
}
