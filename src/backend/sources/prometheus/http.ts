import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describeTransportFailure, interpretAnswer, type ApiAnswer, type CallContext, type RawAnswer, type TransportFailure } from './classify';
import { blockedHostReason, BlockedDestination, guardedLookup } from '../../security/ssrf';
import { UpstreamError, type UpstreamErrorKind } from '../errors';
import { CircuitBreaker, type BreakerSnapshot, type BreakerState } from '../resilience/circuit-breaker';
import { DEFAULT_RETRY_POLICY, retryReason, withRetries } from '../resilience/retry';
import type { PrometheusConfig } from './config';

/**
 * The HTTP client for one configured Prometheus: Node's own http/https (the backend ships as a
 * single executable, so no native or fetch-only dependencies), one keep-alive agent per config so
 * connections and TLS sessions are reused between queries, a deadline per call, a size cap;
 * the outbound policy on every connection (security/ssrf.ts), retries with jittered backoff and a
 * circuit breaker (resilience/).
 */

export interface ApiCall {
  /** path under the base URL, e.g. `/api/v1/query` */
  path: string;
  params: Array<[string, string]>;
  method: 'GET' | 'POST';
  signal?: AbortSignal;
  /** goes through even when the circuit breaker is open, and its outcome counts (health checks) */
  probe?: boolean;
}

/** Idle keep-alive sockets are closed after this, below common proxy idle timeouts (60-75 s). */
const IDLE_SOCKET_MS = 30_000;
/** Protects one Prometheus from a burst of panels; further calls queue inside the agent. */
const MAX_SOCKETS = 16;
const USER_AGENT = 'Encore-Grafana-datasource';

/** What the client tells about its resilience machinery (the metrics; sources/resolve.ts labels them). */
export interface ResilienceObserver {
  /** an attempt failed in a way worth retrying and is sent again; `reason`: HTTP status or error code */
  retried?(reason: string): void;
  /** a call refused at once by the open breaker */
  shortCircuited?(): void;
  breakerMoved?(to: BreakerState, from: BreakerState): void;
}

export class PrometheusHttpClient {
  readonly baseUrl: string;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly headers: Record<string, string>;
  private readonly breaker: CircuitBreaker;
  /** the destination is refused by the outbound policy */
  private readonly blocked: UpstreamError | undefined;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly observer: ResilienceObserver = {},
  ) {
    this.baseUrl = config.url;
    this.breaker = new CircuitBreaker(config.breaker, undefined, observer.breakerMoved && ((to, from) => observer.breakerMoved!(to, from)));
    const secure = config.url.startsWith('https:');
    // Every connection resolves its host through the outbound policy; IP literals (which skip the
    // lookup) and metadata host names are checked here, once.
    const common = { keepAlive: true, maxSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_MS, lookup: guardedLookup(config.outbound) };
    this.blocked = blockedUrl(config);
    this.agent = secure
      ? new https.Agent({
          ...common,
          rejectUnauthorized: !config.tls.skipVerify,
          ca: config.tls.caCert,
          cert: config.tls.clientCert,
          key: config.tls.clientKey,
          servername: config.tls.serverName,
        })
      : new http.Agent(common);
    this.request = secure ? https.request : http.request;
    // Custom headers may replace Accept or User-Agent (some gateways route on them); config.ts
    // already refused the ones that would break framing, decoding or the configured auth.
    this.headers = mergeHeaders(
      { Accept: 'application/json', 'User-Agent': USER_AGENT },
      config.headers,
      { 'Accept-Encoding': 'gzip', ...authorization(config) },
    );
  }

  /**
   * Calls one API endpoint; resolves with the envelope's data, rejects with an UpstreamError.
   * Refused at once when the destination is against the outbound policy or the circuit breaker is
   * open; otherwise retried (with jittered backoff) while the failure is worth retrying, all
   * within one deadline.
   */
  async call(call: ApiCall): Promise<ApiAnswer> {
    const ctx: CallContext = {
      baseUrl: this.baseUrl,
      path: call.path,
      method: call.method,
      timeoutMs: this.config.timeoutMs,
      authType: this.config.auth.type,
    };
    if (this.blocked) throw this.blocked;
    if (call.signal?.aborted) throw describeTransportFailure({ type: 'cancelled', reason: call.signal.reason }, ctx);
    const permit = call.probe ? { allowed: true as const, probe: true } : this.breaker.acquire();
    if (!permit.allowed) {
      this.observer.shortCircuited?.();
      throw this.breakerOpen(permit.retryInMs);
    }

    // One deadline for the whole call (retries included), cancelled early by the caller's signal.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(TIMEOUT), this.config.timeoutMs);
    const onCallerAbort = () => deadline.abort(call.signal?.reason ?? new Error('cancelled'));
    call.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      const answer = await withRetries(
        () => this.attempt(call, ctx, deadline.signal),
        { ...DEFAULT_RETRY_POLICY, retries: this.config.retries },
        { signal: deadline.signal, onRetry: this.observer.retried && ((_retry, error) => this.observer.retried!(retryReason(error))) },
      );
      this.breaker.success();
      return answer;
    } catch (error) {
      this.record(error, call, permit.probe);
      throw error;
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** The circuit breaker's state, for CheckHealth. */
  breakerSnapshot(): BreakerSnapshot {
    return this.breaker.snapshot();
  }

  /** One attempt: send, read, interpret; transport failures become UpstreamErrors here. */
  private async attempt(call: ApiCall, ctx: CallContext, signal: AbortSignal): Promise<ApiAnswer> {
    try {
      let answer: RawAnswer;
      try {
        answer = await this.send(call, signal);
      } catch (failure) {
        // A keep-alive socket the server closed while idle fails on first use; then a second
        // attempt at once is safe and useful (the request never reached Prometheus).
        if (!isStaleSocket(failure)) throw failure;
        answer = await this.send(call, signal);
      }
      return interpretAnswer(answer, ctx);
    } catch (failure) {
      if (failure instanceof SendFailure) throw describeTransportFailure(failure.failure, ctx);
      throw failure;
    }
  }

  /** What a failed call tells the breaker: the upstream is failing, or nothing (cancelled, refused by policy, or it answered). */
  private record(error: unknown, call: ApiCall, probe: boolean): void {
    const cancelled = call.signal?.aborted === true;
    if (!(error instanceof UpstreamError) || cancelled || error.kind === 'blocked') {
      this.breaker.release(probe);
      return;
    }
    const answered = error.upstreamStatus !== undefined && error.upstreamStatus < 500;
    if (answered || (error.upstreamStatus === undefined && ANSWER_KINDS.has(error.kind))) this.breaker.success();
    else this.breaker.failure(error.message);
  }

  private breakerOpen(retryInMs: number): UpstreamError {
    const snapshot = this.breaker.snapshot();
    const last = snapshot.lastFailure ? ` (last: ${snapshot.lastFailure})` : '';
    return new UpstreamError(
      'circuit_open',
      `Prometheus at ${this.baseUrl} failed ${snapshot.consecutiveFailures} times in a row${last}; Encore stops calling it for ` +
        `${seconds(snapshot.cooldownMs)} (circuit breaker, circuitBreakerFailures = ${snapshot.failureThreshold}) and tries again in ${seconds(retryInMs)}`,
    );
  }

  /** Drops pooled connections; calls in flight fail. */
  close(): void {
    this.agent.destroy();
  }

  private send(call: ApiCall, signal: AbortSignal): Promise<RawAnswer> {
    const form = new URLSearchParams(call.params).toString();
    const post = call.method === 'POST';
    const url = new URL(`${this.baseUrl}${call.path}${!post && form !== '' ? `?${form}` : ''}`);
    const headers: Record<string, string> = { ...this.headers };
    if (post) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(form));
    }
    const limit = this.config.maxResponseBytes;

    return new Promise<RawAnswer>((resolve, reject) => {
      let settled = false;
      let response: http.IncomingMessage | undefined;
      let body: Readable | undefined;
      let req: http.ClientRequest;
      try {
        req = this.request(url, { method: call.method, headers, agent: this.agent });
      } catch (error) {
        // Node validates headers and options synchronously; config.ts should have caught those.
        reject(new SendFailure({ type: 'network', error }, false));
        return;
      }

      const done = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const fail = (failure: TransportFailure) =>
        done(() => {
          req.destroy();
          response?.destroy();
          if (body !== response) body?.destroy();
          reject(new SendFailure(failure, req.reusedSocket && response === undefined));
        });
      const onAbort = () => fail(signal.reason === TIMEOUT ? { type: 'timeout' } : { type: 'cancelled', reason: signal.reason });

      req.on('error', (error) => fail({ type: 'network', error }));
      req.on('response', (res) => {
        response = res;
        const declared = Number(res.headers['content-length']);
        if (declared > limit) return fail({ type: 'too_large', limitBytes: limit });
        if (res.headers['content-encoding'] === 'gzip') {
          const gunzip = createGunzip();
          gunzip.on('error', (error) => fail({ type: 'network', error }));
          body = res.pipe(gunzip);
        } else {
          body = res;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // Counted after decompression, so a small gzip bomb cannot exhaust memory either.
          if (size > limit) fail({ type: 'too_large', limitBytes: limit });
          else chunks.push(chunk);
        });
        body.on('end', () =>
          done(() =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? '').toLowerCase(),
              location: res.headers.location,
              body: Buffer.concat(chunks),
            }),
          ),
        );
        res.on('error', (error) => fail({ type: 'network', error }));
        res.on('close', () => {
          if (!res.complete) fail({ type: 'network', error: Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' }) });
        });
      });
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      req.end(post ? form : undefined);
    });
  }
}

const TIMEOUT = Symbol('encore.prometheus.timeout');

/** Failures without an HTTP status that still prove the upstream answered (it was the answer that was wrong). */
const ANSWER_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['limit', 'not_prometheus', 'bad_query', 'auth']);

/** The refusal for a base URL whose host is an IP literal or a metadata name against the policy. */
function blockedUrl(config: PrometheusConfig): UpstreamError | undefined {
  if (config.outbound.allowLinkLocal || config.url === '') return undefined;
  let host: string;
  try {
    host = new URL(config.url).hostname;
  } catch {
    return undefined;
  }
  const reason = blockedHostReason(host);
  if (!reason) return undefined;
  const refused = new BlockedDestination(host, reason, config.outbound);
  return new UpstreamError('blocked', `Encore did not connect to Prometheus at ${config.url}: ${refused.message}`);
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

class SendFailure extends Error {
  constructor(
    readonly failure: TransportFailure,
    /** the request went out on a reused keep-alive socket and got no answer at all */
    readonly onReusedSocket: boolean,
  ) {
    super(failure.type);
  }
}

function isStaleSocket(failure: unknown): boolean {
  if (!(failure instanceof SendFailure) || !failure.onReusedSocket || failure.failure.type !== 'network') return false;
  const code = (failure.failure.error as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function authorization(config: PrometheusConfig): Record<string, string> {
  switch (config.auth.type) {
    case 'basic':
      return { Authorization: `Basic ${Buffer.from(`${config.auth.user}:${config.auth.password}`, 'utf8').toString('base64')}` };
    case 'bearer':
      return { Authorization: `Bearer ${config.auth.token}` };
    case 'none':
      return {};
  }
}

/** Later layers win; names compare case-insensitively, as HTTP does. */
function mergeHeaders(...layers: Array<Record<string, string>>): Record<string, string> {
  const byLowerName = new Map<string, [string, string]>();
  for (const layer of layers) for (const [name, value] of Object.entries(layer)) byLowerName.set(name.toLowerCase(), [name, value]);
  return Object.fromEntries(byLowerName.values());
}
