import type * as grpc from '@grpc/grpc-js';
import { decodePluginContext, type WirePluginContext } from '../context';
import type { Logger } from '../logger';
import type { BackendMetrics } from '../../metrics';
import type { SourceRegistry } from '../../sources/resolve';
import { describeFailure } from '../../query/failure';

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
}): grpc.UntypedServiceImplementation {
  return {
    CheckHealth: (call: grpc.ServerUnaryCall<CheckHealthRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      checkHealth(call.request, deps, abort.signal).then(
        (response) => callback(null, response),
        (error: unknown) => {
          deps.logger.error('CheckHealth failed', { error });
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
  deps: { sources: SourceRegistry },
  signal: AbortSignal,
): Promise<unknown> {
  try {
    const ctx = decodePluginContext(request.pluginContext);
    const source = deps.sources.forSettings(ctx.dataSource);
    const health = await source.health(signal);
    return healthResponse(health.ok ? HEALTH_OK : HEALTH_ERROR, health.message, { source: source.kind, ...health.details });
  } catch (error) {
    const failure = describeFailure(error);
    return healthResponse(HEALTH_ERROR, failure.message, { errorKind: failure.kind });
  }
}

/** jsonDetails must be a JSON object: Grafana unmarshals it into a map. */
function healthResponse(status: number, message: string, details: Record<string, unknown>) {
  return { status, message, jsonDetails: Buffer.from(JSON.stringify(details), 'utf8') };
}
