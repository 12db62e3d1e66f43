import { STATUS_CODES } from 'node:http';
import { isTlsCode, TLS_TRUST_CODES } from '../../security/tls';
import { UpstreamError } from '../errors';
import { shortened } from '../../../common/validation';

/**
 * Turns what happened on the wire into an UpstreamError whose kind and message tell the user what
 * to fix. Pure functions over plain values, so every branch is unit-tested without a network.
 * Messages name the target by its configured base URL, which never carries credentials.
 */

export interface CallContext {
  /** configured base URL, e.g. http://prometheus:9090 */
  baseUrl: string;
  /** API path of this call, e.g. /api/v1/query_range */
  path: string;
  method: 'GET' | 'POST';
  timeoutMs: number;
  authType: 'none' | 'basic' | 'bearer';
}

/** The parts of an HTTP answer classification looks at. */
export interface RawAnswer {
  status: number;
  contentType: string;
  location?: string;
  body: Buffer;
}

export interface ApiAnswer {
  data: unknown;
  /** Prometheus' warnings (e.g. partial results from a federated store) */
  warnings: string[];
}

interface Envelope {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: unknown;
}

/** Errors that mean "the answer would be too big", whatever the status or errorType says. */
const LIMIT_TEXT =
  /exceeded maximum resolution|too many (samples|series|points|chunks)|maximum number of (series|chunks|samples)|\blimit\b|would load too many/i;

/** Reads an answer: the API's `data` on success, an UpstreamError otherwise. */
export function interpretAnswer(answer: RawAnswer, ctx: CallContext): ApiAnswer {
  const { status } = answer;
  const envelope = parseEnvelope(answer.body);
  const where = `Prometheus at ${ctx.baseUrl}`;
  const statusText = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
  const fail = (kind: ConstructorParameters<typeof UpstreamError>[0], message: string) =>
    new UpstreamError(kind, message, { upstreamStatus: status });

  if (status >= 200 && status < 300) {
    if (envelope?.status === 'success' && 'data' in envelope) {
      return { data: envelope.data, warnings: stringArray(envelope.warnings) };
    }
    if (envelope?.status === 'error') throw fail('server', `${where} reported an error: ${envelopeText(envelope)}`);
    throw fail('not_prometheus', notPrometheus(answer, ctx));
  }
  if (status === 401 || status === 403 || status === 407) throw fail('auth', authMessage(status, statusText, ctx));
  if (status === 404) {
    throw fail(
      'not_prometheus',
      `${ctx.baseUrl} answered ${statusText} for ${ctx.path}: no Prometheus API there. ` +
        'The URL should be the part before /api/v1 (e.g. http://prometheus:9090, or https://mimir/prometheus)',
    );
  }
  if (status === 405) {
    const other = ctx.method === 'POST' ? 'GET' : 'POST';
    throw fail('not_prometheus', `${where} does not accept ${ctx.method} on ${ctx.path} (${statusText}); set the HTTP method to ${other}`);
  }
  if (status >= 300 && status < 400) {
    const target = answer.location ? ` to ${redirectTarget(answer.location)}` : '';
    throw fail('not_prometheus', `${ctx.baseUrl} redirected ${ctx.path}${target} (${statusText}); use the final address as the data source URL`);
  }
  if (envelope?.status === 'error') {
    const text = envelopeText(envelope);
    if (status === 413 || status === 429 || LIMIT_TEXT.test(text)) throw fail('limit', `${where} refused the query as too large: ${text}`);
    if (envelope.errorType === 'timeout' || envelope.errorType === 'canceled') {
      throw fail('timeout', `${where} gave up evaluating the query: ${text}`);
    }
    if (status === 400 || status === 422 || envelope.errorType === 'bad_data' || envelope.errorType === 'execution') {
      throw fail('bad_query', `Prometheus rejected the query: ${text}`);
    }
    throw fail('server', `${where} failed (${statusText}): ${text}`);
  }
  if (status === 413) throw fail('limit', `${where} refused the request as too large (${statusText})`);
  if (status === 429) throw fail('limit', `${where} is rate limiting requests (${statusText}); try again later or query less often`);
  const detail = shortText(answer);
  if (status >= 500) throw fail('server', `${where} failed (${statusText})${detail ? `: ${detail}` : ''}`);
  throw fail(
    'not_prometheus',
    `${ctx.baseUrl} answered ${ctx.path} with ${statusText}${detail ? ` ("${detail}")` : ''}, not with the Prometheus HTTP API`,
  );
}

function authMessage(status: number, statusText: string, ctx: CallContext): string {
  const where = `Prometheus at ${ctx.baseUrl}`;
  if (status === 407) return `a proxy in front of ${where} requires proxy authentication (${statusText})`;
  if (ctx.authType === 'none') {
    return `${where} requires authentication (${statusText}); configure basic auth or a bearer token in the data source`;
  }
  const what = ctx.authType === 'basic' ? 'the basic auth user and password' : 'the bearer token';
  if (status === 403) return `${where} denied access (${statusText}); check that ${what} may read this data`;
  return `${where} rejected the credentials (${statusText}); check ${what}`;
}

function notPrometheus(answer: RawAnswer, ctx: CallContext): string {
  const type = answer.contentType.split(';')[0]!.trim() || 'no content type';
  const what = type.includes('html') ? 'an HTML page' : type === 'application/json' ? 'JSON that is not the Prometheus API envelope {status, data}' : type;
  return (
    `${ctx.baseUrl} answered ${ctx.path} with ${what}, not the Prometheus HTTP API; ` +
    'check that the URL points at Prometheus or a compatible store (the part before /api/v1)'
  );
}

function parseEnvelope(body: Buffer): Envelope | undefined {
  if (body.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const status = (parsed as { status?: unknown }).status;
  if (status !== 'success' && status !== 'error') return undefined;
  return parsed as Envelope;
}

function envelopeText(envelope: Envelope): string {
  const error = typeof envelope.error === 'string' && envelope.error !== '' ? envelope.error : 'no error text given';
  return typeof envelope.errorType === 'string' && envelope.errorType !== '' ? `${error} (${envelope.errorType})` : error;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A plain-text error body is often the only explanation a proxy gives; HTML pages are noise. */
function shortText(answer: RawAnswer): string {
  if (!answer.contentType.startsWith('text/plain') && answer.contentType !== '') return '';
  const text = answer.body.subarray(0, 300).toString('utf8').replace(/\s+/g, ' ').trim();
  return shortened(text, 200);
}

/** Shows where a redirect points without echoing credentials or tokens it may carry. */
function redirectTarget(location: string): string {
  try {
    const url = new URL(location, 'http://relative.invalid');
    return url.host === 'relative.invalid' ? url.pathname : `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'another address';
  }
}

/** What went wrong before an answer was complete. */
export type TransportFailure =
  | { type: 'network'; error: unknown }
  | { type: 'timeout' }
  | { type: 'cancelled'; reason: unknown }
  | { type: 'too_large'; limitBytes: number };

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);

export function describeTransportFailure(failure: TransportFailure, ctx: CallContext): UpstreamError {
  const where = `Prometheus at ${ctx.baseUrl}`;
  switch (failure.type) {
    case 'timeout':
      return new UpstreamError(
        'timeout',
        `${where} did not answer ${ctx.path} within ${formatSeconds(ctx.timeoutMs)} (the data source timeout)`,
      );
    case 'cancelled': {
      const deadline = failure.reason instanceof Error && failure.reason.name === 'TimeoutError';
      return new UpstreamError(
        'timeout',
        deadline
          ? `${where} did not answer ${ctx.path} before the request deadline`
          : `the request to ${where} (${ctx.path}) was cancelled before it answered`,
      );
    }
    case 'too_large':
      return new UpstreamError(
        'limit',
        `the answer from ${where} to ${ctx.path} is larger than ${formatBytes(failure.limitBytes)}; ` +
          'narrow the query (fewer series, shorter range or a larger step)',
      );
    case 'network':
      return describeNetworkError(failure.error, ctx);
  }
}

function describeNetworkError(error: unknown, ctx: CallContext): UpstreamError {
  const where = `Prometheus at ${ctx.baseUrl}`;
  const code = errorCode(error);
  const cause = { cause: error };
  let host = ctx.baseUrl;
  try {
    host = new URL(ctx.baseUrl).hostname;
  } catch {
    // keep the base URL
  }
  if (code === 'ERR_ENCORE_BLOCKED_DESTINATION') {
    return new UpstreamError('blocked', `Encore did not connect to ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (code && DNS_CODES.has(code)) {
    const temporary = code === 'EAI_AGAIN' ? ' (the DNS server did not answer; this may be temporary)' : '';
    return new UpstreamError('dns', `the host name "${host}" of ${ctx.baseUrl} could not be resolved (${code})${temporary}; check the URL`, cause);
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new UpstreamError('refused', `${where} refused the connection (ECONNREFUSED); is Prometheus running and listening on that port?`, cause);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new UpstreamError('refused', `${where} is unreachable from the Grafana server (${code}); check the address and the network path`, cause);
    case 'ECONNRESET':
    case 'EPIPE':
      return new UpstreamError('refused', `${where} closed the connection before answering (${code}); a proxy or TLS mismatch (http vs https) can cause this`, cause);
    case 'ETIMEDOUT':
      return new UpstreamError('timeout', `${where} could not be connected to in time (ETIMEDOUT); check the address and firewalls`, cause);
  }
  if (code && isTlsCode(code)) return new UpstreamError('tls', tlsMessage(code, error, ctx), cause);
  const text = error instanceof Error ? error.message : String(error);
  return new UpstreamError('server', `the request to ${where} failed: ${text}${code ? ` (${code})` : ''}`, cause);
}

function tlsMessage(code: string, error: unknown, ctx: CallContext): string {
  const prefix = `TLS connection to ${ctx.baseUrl} failed`;
  if (TLS_TRUST_CODES.has(code)) {
    return (
      `${prefix}: the server's certificate is not trusted (${code}); add the CA certificate that signed it ` +
      '(tlsAuthWithCACert) or, for testing only, skip TLS verification'
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${prefix}: the certificate is not valid for this host name (${code}); use a host name the certificate names, or set serverName`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `${prefix}: the server's certificate has expired (${code})`;
  if (code === 'CERT_NOT_YET_VALID') return `${prefix}: the server's certificate is not valid yet (${code}); check the clocks`;
  const text = error instanceof Error ? error.message : String(error);
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(code) || /wrong version number|packet length too long|http request/i.test(text)) {
    return `${prefix}: the server does not speak TLS on that port (${code}); try an http:// URL`;
  }
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE/.test(code)) {
    return `${prefix}: the server refused the handshake (${code}); it may require a client certificate (tlsAuth) signed by a CA it trusts`;
  }
  return `${prefix}: ${text} (${code})`;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function formatBytes(bytes: number): string {
  const [size, unit] = bytes >= 1024 * 1024 ? [bytes / 1024 / 1024, 'MiB'] : bytes >= 1024 ? [bytes / 1024, 'KiB'] : [bytes, 'bytes'];
  return `${Number.isInteger(size) ? size : size.toFixed(1)} ${unit}`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
