import * as grpc from '@grpc/grpc-js';
import { quoteInput, shortened } from '../../../common/validation';
import { decodePluginContext, type WirePluginContext } from '../context';
import { stringifyFrameJSON } from '../frames';
import type { Logger } from '../logger';
import type { SourceRegistry } from '../../sources/resolve';
import { queryFromTailPath } from '../../streaming/tail-path';
import { runTail } from '../../streaming/tail';
import { describeFailure } from '../../query/failure';
import { processSecrets } from '../../security/secrets';

/**
 * pluginv2.Stream: live tails of queries over Grafana Live (channel ds/<uid>/tail/<query>).
 * Grafana calls SubscribeStream per subscriber and runs one RunStream per channel.
 */

const SUBSCRIBE_OK = 0;
const SUBSCRIBE_NOT_FOUND = 1;
const PUBLISH_PERMISSION_DENIED = 2;

interface StreamRequest {
  pluginContext?: WirePluginContext;
  path?: string;
}

/** Characters of an error message a stream's status carries (the log has all of it). */
const MAX_DETAILS = 1000;

export function streamService(deps: { sources: SourceRegistry; logger: Logger }): grpc.UntypedServiceImplementation {
  return {
    SubscribeStream: (call: grpc.ServerUnaryCall<StreamRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const known = queryFromTailPath(call.request.path ?? '') !== undefined;
      callback(null, { status: known ? SUBSCRIBE_OK : SUBSCRIBE_NOT_FOUND, data: Buffer.alloc(0) });
    },
    RunStream: (call: grpc.ServerWritableStream<StreamRequest, unknown>) => {
      const path = call.request.path ?? '';
      const query = queryFromTailPath(path);
      if (!query) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `unknown stream path ${quoteInput(path)}` });
        return;
      }
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      call.on('close', () => abort.abort());
      (async () => {
        const ctx = decodePluginContext(call.request.pluginContext);
        processSecrets.observe(ctx);
        const source = deps.sources.forSettings(ctx.orgId, ctx.dataSource);
        deps.logger.debug('stream started', { path });
        await runTail({
          query,
          source,
          signal: abort.signal,
          send: ({ frame, include }) => {
            call.write({ data: Buffer.from(stringifyFrameJSON(frame, include), 'utf8') });
          },
        });
        deps.logger.debug('stream stopped', { path });
        call.end();
      })().catch((error: unknown) => {
        if (abort.signal.aborted) return;
        const failure = describeFailure(error);
        deps.logger.warn('stream failed', { path, error: failure.message });
        const message = processSecrets.redact(failure.message);
        // The details travel in an HTTP/2 trailer, which a client bounds (grpc-js: 8 KiB of metadata).
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: shortened(message, MAX_DETAILS) });
      });
    },
    PublishStream: (_call: grpc.ServerUnaryCall<StreamRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      // Tails are read-only: browsers may not publish into them.
      callback(null, { status: PUBLISH_PERMISSION_DENIED, data: Buffer.alloc(0) });
    },
  };
}
