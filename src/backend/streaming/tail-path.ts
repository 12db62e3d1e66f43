import { promqlQuerySchema, type PromqlQuery } from '../../common/query';

/**
 * A live tail is addressed by its Grafana Live channel path: `tail/<query>`, the query's
 * defining fields as base64url JSON. The path alone describes the stream, so any backend
 * instance (or a restarted one) can serve a subscriber without shared state.
 * base64url only uses characters Grafana accepts in channel paths.
 */
const PREFIX = 'tail/';

/** What a tail needs: the PromQL to poll (a KPI query's compiled expression), legend and step. */
export interface TailEssentials {
  expr: string;
  legendFormat?: string;
  step?: string;
}

export function tailChannelPath(query: TailEssentials): string {
  const essentials: TailEssentials = { expr: query.expr, legendFormat: query.legendFormat, step: query.step };
  return PREFIX + Buffer.from(JSON.stringify(essentials), 'utf8').toString('base64url');
}

/** The query a tail path stands for, or undefined when the path is not one of ours. */
export function queryFromTailPath(path: string): PromqlQuery | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const encoded = path.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = promqlQuerySchema.safeParse({ ...(body as object), queryType: 'promql', refId: 'tail', live: true });
  return parsed.success ? parsed.data : undefined;
}
