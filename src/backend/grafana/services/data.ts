import * as grpc from '@grpc/grpc-js';
import { decodePluginContext, type WirePluginContext } from '../context';
import { encodeFrameArrow, stringifyFrameJSON } from '../frames';
import type { Frame } from '../frames/frame';
import type { Logger } from '../logger';
import { runQueries, type PipelineDeps, type QueryAnswer } from '../../query/pipeline';
import type { WireDataQuery } from '../../query/parse';

/** pluginv2.Data: QueryData answers every refId, errors included, in the format Grafana asked for. */

const FORMAT_ARROW = 0;
const FORMAT_JSON = 1;

interface QueryDataRequest {
  pluginContext?: WirePluginContext;
  headers?: Record<string, string>;
  queries?: WireDataQuery[];
  format?: number;
}

interface WireDataResponse {
  frames: Buffer[];
  error: string;
  status: number;
  errorSource: string;
  format: number;
}

export function dataService(deps: PipelineDeps): grpc.UntypedServiceImplementation {
  return {
    QueryData: (call: grpc.ServerUnaryCall<QueryDataRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const request = call.request;
      let ctx;
      try {
        ctx = decodePluginContext(request.pluginContext);
      } catch (error) {
        // Settings Grafana sent are unreadable: every query gets the same clear error.
        const message = error instanceof Error ? error.message : String(error);
        const responses = Object.fromEntries(
          (request.queries ?? []).map((q) => [q.refId || 'A', failed(400, 'plugin', message, request.format)]),
        );
        callback(null, { responses });
        return;
      }
      runQueries(ctx, request.queries ?? [], deps, abort.signal)
        .then((answers) => {
          const responses: Record<string, WireDataResponse> = {};
          for (const answer of answers) responses[answer.refId] = encodeAnswer(answer, request.format ?? 0, deps.logger);
          callback(null, { responses });
        })
        .catch((error: unknown) => {
          deps.logger.error('QueryData failed', { error });
          callback({ code: grpc.status.INTERNAL, details: 'Encore backend: internal error answering QueryData' });
        });
    },
    // Grafana converts QueryData answers into chunks itself when a plugin does not stream them.
    QueryChunkedData: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'QueryChunkedData is not implemented; use QueryData' });
    },
  };
}

function failed(status: number, errorSource: string, error: string, requested?: number): WireDataResponse {
  return { frames: [], error, status, errorSource, format: requested === FORMAT_JSON ? FORMAT_JSON : FORMAT_ARROW };
}

export function encodeAnswer(answer: QueryAnswer, requestedFormat: number, logger: Logger): WireDataResponse {
  if (answer.failure) {
    return failed(answer.failure.status, answer.failure.errorSource, answer.failure.message, requestedFormat);
  }
  try {
    const asJson = requestedFormat === FORMAT_JSON;
    const encode = (frame: Frame) => (asJson ? Buffer.from(stringifyFrameJSON(frame, 'all'), 'utf8') : Buffer.from(encodeFrameArrow(frame)));
    const started = performance.now();
    const frames = answer.frames.map(encode);
    const first = answer.frames[0];
    if (first?.meta?.stats) {
      // Frames that report timings also report their own encoding: the first frame is encoded
      // again with the figure (the meta is part of its schema, so it cannot be patched in).
      const encodeMs = Math.round((performance.now() - started) * 100) / 100;
      frames[0] = encode({ ...first, meta: { ...first.meta, stats: [...first.meta.stats, { displayName: 'Encode time', value: encodeMs, unit: 'ms' }] } });
    }
    return { frames, error: '', status: 200, errorSource: '', format: asJson ? FORMAT_JSON : FORMAT_ARROW };
  } catch (error) {
    logger.error('encoding frames failed', { refId: answer.refId, error });
    return failed(500, 'plugin', 'internal error encoding the result frames', requestedFormat);
  }
}
