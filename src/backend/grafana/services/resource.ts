import type * as grpc from '@grpc/grpc-js';
import { decodePluginContext, type WirePluginContext } from '../context';
import type { Logger } from '../logger';
import { onClientCancel } from './cancellation';
import type { BackendMetrics } from '../../metrics';
import { describeFailure } from '../../query/failure';
import { limitsFromJsonData, type RateLimiter } from '../../query/limits';
import { routeResource } from '../../resources/routes';
import { processSecrets, type SecretRedactor } from '../../security/secrets';
import type { SourceRegistry } from '../../sources/resolve';

/** pluginv2.Resource: one JSON answer per call; Grafana needs at least one message. */

interface CallResourceRequest {
  pluginContext?: WirePluginContext;
  path?: string;
  method?: string;
  url?: string;
}

const JSON_HEADERS = { 'Content-Type': { values: ['application/json'] } };

export function resourceService(deps: {
  sources: SourceRegistry;
  metrics: BackendMetrics;
  logger: Logger;
  secrets?: SecretRedactor;
  /** resource calls take tokens from the same per-org and per-user buckets as queries */
  rateLimiter?: RateLimiter;
}): grpc.UntypedServiceImplementation {
  const secrets = deps.secrets ?? processSecrets;
  return {
    CallResource: (call: grpc.ServerWritableStream<CallResourceRequest, unknown>) => {
      const abort = new AbortController();
      const answered = onClientCancel(call, () => abort.abort());
      const request = call.request ?? {};
      const path = request.path ?? '';
      const reply = (status: number, body: unknown): void => {
        deps.metrics.resourceCalls.inc({ path: metricPath(path), status: String(status) });
        answered();
        // Bodies carry the upstream's answers and messages: no secret leaves in them.
        call.write({ code: status, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(secrets.redactDeep(body)), 'utf8') });
        call.end();
      };
      (async () => {
        const ctx = decodePluginContext(request.pluginContext);
        secrets.observe(ctx);
        deps.rateLimiter?.admit({ dataSource: ctx.dataSource?.uid ?? '', orgId: ctx.orgId, user: ctx.user?.login }, limitsFromJsonData(ctx.dataSource?.jsonData));
        const source = deps.sources.forSettings(ctx.orgId, ctx.dataSource);
        const { status, body } = await routeResource(
          { path, method: (request.method || 'GET').toUpperCase(), url: request.url || path },
          source,
          abort.signal,
        );
        reply(status, body);
      })().catch((error: unknown) => {
        const failure = describeFailure(error);
        if (failure.kind === 'internal') deps.logger.error('CallResource failed', { path, error });
        reply(failure.status, { error: failure.message });
      });
    },
  };
}

/** Bounded label values for the counter: label names in paths are user input. */
function metricPath(path: string): string {
  if (path.startsWith('labels/')) return 'labels/:name/values';
  return ['metrics', 'labels'].includes(path) ? path : 'other';
}
