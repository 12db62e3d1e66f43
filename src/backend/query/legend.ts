/**
 * Series naming as in Grafana's Prometheus data source: `{{label}}` placeholders in the legend
 * format, otherwise `metric{a="b", c="d"}`.
 */
export function formatLegend(legendFormat: string, labels: Record<string, string>): string {
  return legendFormat.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '');
}

export function seriesName(labels: Record<string, string>): string {
  const { __name__: metric = '', ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((key) => `${key}="${rest[key]}"`);
  if (pairs.length === 0) return metric || '{}';
  return `${metric}{${pairs.join(', ')}}`;
}
