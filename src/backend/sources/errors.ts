/**
 * Failures of an upstream, classified so that the pipeline can answer Grafana with the right
 * status and error source, and CheckHealth can say precisely what went wrong.
 */
export type UpstreamErrorKind =
  | 'dns' // host name does not resolve
  | 'refused' // connection refused / unreachable
  | 'timeout' // no answer within the configured timeout
  | 'tls' // certificate or handshake problem
  | 'auth' // 401 / 403
  | 'not_prometheus' // answered, but not with the Prometheus HTTP API
  | 'bad_query' // upstream rejected the query (PromQL parse or execution error, 400/422)
  | 'limit' // upstream refused for size (e.g. too many points)
  | 'server' // 5xx or other unexpected upstream failure
  | 'blocked' // refused by Encore's own outbound policy (link-local / metadata addresses)
  | 'circuit_open'; // the upstream failed too often in a row; calls are refused until a probe succeeds

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  /** HTTP status from upstream when there was one */
  readonly upstreamStatus?: number;

  constructor(kind: UpstreamErrorKind, message: string, options?: { upstreamStatus?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.upstreamStatus = options?.upstreamStatus;
  }

  /** The HTTP-like status Grafana shows for a query that failed this way. */
  get status(): number {
    switch (this.kind) {
      case 'timeout':
        return 504;
      case 'bad_query':
        return 400;
      case 'limit':
        return 413;
      case 'blocked':
        return 403;
      case 'circuit_open':
        return 503;
      default:
        return 502;
    }
  }
}
