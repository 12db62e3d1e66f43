import * as grpc from '@grpc/grpc-js';
import { decodePluginContext, type WirePluginContext } from '../context';
import { encodeFrameArrow, stringifyFrameJSON } from '../frames';
import type { Frame } from '../frames/frame';
import type { Logger } from '../logger';
import { onClientCancel } from './cancellation';
import { MAX_MESSAGE_BYTES } from '../server';
import { BackendStopping } from '../../query/failure';
import { fitAnswers, limitsFromJsonData } from '../../query/limits';
import { runQueries, type PipelineDeps, type QueryAnswer } from '../../query/pipeline';
import type { WireDataQuery } from '../../query/parse';
import { redactFrames } from '../../security/redact-frames';
import { processSecrets, type SecretRedactor } from '../../security/secrets';

/**
 * pluginv2.Data: QueryData answers every refId, errors included, in the format Grafana asked for.
 * Answers leave without secrets (security/secrets.ts), and within the size limits: each query's
 * frames within maxResponseMB, all of them within one gRPC message (limits/response-size.ts).
 */

export interface DataServiceDeps extends PipelineDeps {
  secrets?: SecretRedactor;
  /** aborted when the backend stops: queries in flight are cancelled with its reason */
  shutdown?: AbortSignal;
  /** the most a response may carry (tests lower it) */
  maxMessageBytes?: number;
}

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

export function dataService(deps: DataServiceDeps): grpc.UntypedServiceImplementation {
  const secrets = deps.secrets ?? processSecrets;
  return {
    QueryData: (call: grpc.ServerUnaryCall<QueryDataRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const abort = new AbortController();
      const answered = onClientCancel(call, () => abort.abort());
      const onShutdown = () => abort.abort(deps.shutdown?.reason ?? new BackendStopping('the Encore backend is stopping'));
      if (deps.shutdown?.aborted) onShutdown();
      else deps.shutdown?.addEventListener('abort', onShutdown, { once: true });
      const request = call.request ?? {};
      let ctx;
      try {
        ctx = decodePluginContext(request.pluginContext);
        secrets.observe(ctx);
      } catch (error) {
        // Settings Grafana sent are unreadable: every query gets the same clear error.
        const message = error instanceof Error ? error.message : String(error);
        const responses = Object.fromEntries(
          (request.queries ?? []).map((q) => [q.refId || 'A', failed(400, 'plugin', message, request.format)]),
        );
        answered();
        callback(null, { responses });
        return;
      }
      const limits = limitsFromJsonData(ctx.dataSource?.jsonData);
      runQueries(ctx, Array.isArray(request.queries) ? request.queries : [], deps, abort.signal)
        .then((answers) => {
          const encoded = answers.map((answer) => encodeAnswer(redactAnswer(answer, secrets), request.format ?? 0, deps.logger));
          const sizes = encoded.map((response) => ({ bytes: response.frames.reduce((total, frame) => total + frame.length, 0) }));
          const messageMax = deps.maxMessageBytes ?? MAX_MESSAGE_BYTES;
          for (const refusal of fitAnswers(sizes, limits.maxResponseBytes, messageMax)) {
            const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
            const size = sizes[refusal.index]!.bytes;
            const message =
              refusal.reason === 'query'
                ? `maxResponseMB: the result frames of this query take ${mib(size)}, more than this data source allows ` +
                  `(limit maxResponseMB = ${limits.maxResponseBytes / 1024 / 1024}); shorten the range, use a larger step or select fewer series`
                : `the answers of this request together are larger than the ${mib(messageMax)} one plugin response can carry; ` +
                  `this query's ${mib(size)} were left out so that the other queries could be answered; split the panel's queries or narrow this one`;
            encoded[refusal.index] = failed(413, 'plugin', message, request.format);
            deps.metrics.limits.refused.inc({ datasource: ctx.dataSource?.uid ?? '', limit: refusal.reason === 'query' ? 'maxResponseMB' : 'grpcMessageSize' });
          }
          const responses: Record<string, WireDataResponse> = {};
          answers.forEach((answer, i) => (responses[answer.refId] = encoded[i]!));
          answered();
          callback(null, { responses });
        })
        .catch((error: unknown) => {
          deps.logger.error('QueryData failed', { error });
          answered();
          callback({ code: grpc.status.INTERNAL, details: 'Encore backend: internal error answering QueryData' });
        })
        .finally(() => deps.shutdown?.removeEventListener('abort', onShutdown));
    },
    // Grafana converts QueryData answers into chunks itself when a plugin does not stream them.
    QueryChunkedData: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'QueryChunkedData is not implemented; use QueryData' });
    },
  };
}

/** The answer without any secret the backend knows of, in its frames or its error. */
function redactAnswer(answer: QueryAnswer, secrets: SecretRedactor): QueryAnswer {
  if (secrets.empty) return answer;
  return {
    ...answer,
    frames: redactFrames(answer.frames, secrets),
    failure: answer.failure ? { ...answer.failure, message: secrets.redact(answer.failure.message) } : undefined,
  };
}

function failed(status: number, errorSource: string, error: string, requested?: number): WireDataResponse {
  return { frames: [], error, status, errorSource, format: requested === FORMAT_JSON ? FORMAT_JSON : FORMAT_ARROW };
}

/** Encodings of the frames of cached answers (which are never modified), so a reused answer is not encoded again. */
const sharedEncodings = { arrow: new WeakMap<Frame, Buffer>(), json: new WeakMap<Frame, Buffer>() };

export function encodeAnswer(answer: QueryAnswer, requestedFormat: number, logger: Logger): WireDataResponse {
  if (answer.failure) {
    return failed(answer.failure.status, answer.failure.errorSource, answer.failure.message, requestedFormat);
  }
  try {
    const asJson = requestedFormat === FORMAT_JSON;
    const encodeNow = (frame: Frame) => (asJson ? Buffer.from(stringifyFrameJSON(frame, 'all'), 'utf8') : Buffer.from(encodeFrameArrow(frame)));
    const memo = answer.shared ? sharedEncodings[asJson ? 'json' : 'arrow'] : undefined;
    const encode = (frame: Frame): Buffer => {
      const known = memo?.get(frame);
      if (known) return known;
      const bytes = encodeNow(frame);
      memo?.set(frame, bytes);
      return bytes;
    };
    const started = performance.now();
    const frames = answer.frames.map(encode);
    const first = answer.frames[0];
    // A shared (cached) answer was encoded before: there is no encoding time to report now.
    if (first?.meta?.stats && !answer.shared) {
      // Frames that report timings also report their own encoding: the first frame is encoded
      // again with the figure (the meta is part of its schema, so it cannot be patched in).
      const encodeMs = Math.round((performance.now() - started) * 100) / 100;
      frames[0] = encodeNow({ ...first, meta: { ...first.meta, stats: [...first.meta.stats, { displayName: 'Encode time', value: encodeMs, unit: 'ms' }] } });
    }
    return { frames, error: '', status: 200, errorSource: '', format: asJson ? FORMAT_JSON : FORMAT_ARROW };
  } catch (error) {
    logger.error('encoding frames failed', { refId: answer.refId, error });
    return failed(500, 'plugin', 'internal error encoding the result frames', requestedFormat);
  }
}
