import type * as grpc from '@grpc/grpc-js';
import { decodePluginContext, type WirePluginContext } from '../context';
import type { Logger } from '../logger';
import { onClientCancel } from './cancellation';
import type { BackendMetrics } from '../../metrics';
import type { SourceRegistry } from '../../sources/resolve';
import type { CacheRegistry } from '../../query/cache/registry';
import { describeFailure } from '../../query/failure';
import { processSecrets } from '../../security/secrets';

/** pluginv2.Diagnostics: CheckHealth (the data source's "Save & test") and CollectMetrics. */

const HEALTH_OK = 1;
const HEALTH_ERROR = 2;

interface CheckHealthRequest {
  pluginContext?: WirePluginContext;
}

export function diagnosticsService(deps: {
  sources: SourceRegistry;
  metrics: BackendMetrics;
  logger: Logger;
  caches?: CacheRegistry;
}): grpc.UntypedServiceImplementation {
  return {
    CheckHealth: (call: grpc.ServerUnaryCall<CheckHealthRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const abort = new AbortController();
      const answered = onClientCancel(call, () => abort.abort());
      checkHealth(call.request, deps, abort.signal).then(
        (response) => {
          answered();
          callback(null, response);
        },
        (error: unknown) => {
          deps.logger.error('CheckHealth failed', { error });
          answered();
          callback(null, healthResponse(HEALTH_ERROR, 'Encore backend: internal error during the health check', {}));
        },
      );
    },
    CollectMetrics: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      deps.metrics.registry.metrics().then(
        (text) => callback(null, { metrics: { prometheus: Buffer.from(text, 'utf8') } }),
        (error: unknown) => {
          deps.logger.error('CollectMetrics failed', { error });
          callback(null, { metrics: { prometheus: Buffer.alloc(0) } });
        },
      );
    },
  };
}

async function checkHealth(
  request: CheckHealthRequest,
  deps: { sources: SourceRegistry; caches?: CacheRegistry },
  signal: AbortSignal,
): Promise<unknown> {
  try {
    const ctx = decodePluginContext(request?.pluginContext);
    processSecrets.observe(ctx);
    const source = deps.sources.forSettings(ctx.orgId, ctx.dataSource);
    const [health, cache] = await Promise.all([source.health(signal), deps.caches?.health(ctx.orgId, ctx.dataSource)]);
    // A cache without its Redis still answers every query: that is worth saying, not a failure.
    // Redis, when configured, is named either way, so "Save & test" confirms it works.
    const message = cache && (cache.status === 'degraded' || cache.details.mode === 'redis') ? `${health.message}. ${cache.message}` : health.message;
    return healthResponse(health.ok ? HEALTH_OK : HEALTH_ERROR, message, { source: source.kind, ...health.details, ...(cache ? { cache: cache.details } : {}) });
  } catch (error) {
    const failure = describeFailure(error);
    return healthResponse(HEALTH_ERROR, failure.message, { errorKind: failure.kind });
  }
}

/**
 * jsonDetails must be a JSON object: Grafana unmarshals it into a map. The upstream's own words
 * (an error page) can hold anything: no known secret leaves in the message or the details.
 */
function healthResponse(status: number, message: string, details: Record<string, unknown>) {
  return { status, message: processSecrets.redact(message), jsonDetails: Buffer.from(JSON.stringify(processSecrets.redactDeep(details)), 'utf8') };
}
