import http from 'node:http';
import { Registry } from 'prom-client';
import { ActiveUsers } from './aggregation/active-users';
import { streamingRecorder } from './aggregation/aggregate';
import { PromSink } from './aggregation/prom-sink';
import { TokenCheck } from './auth';
import type { CollectorConfig } from './config';
import { Ingest, type BatchResult } from './ingest/batch';
import { bodyFormat, BodyError, gunzipBounded, isGzip, parseBody } from './ingest/parse';
import type { Logger } from './log';
import { SelfMetrics } from './self-metrics';

/**
 * The collector's HTTP side: POST /v1/events, GET /metrics, /healthz, /readyz. Batches are judged
 * synchronously once their body is in memory, so the only concurrency is in reading bodies.
 */

export const INGEST_PATH = '/v1/events';
/** How long a connection may go on sending a body we already refused before it is cut. */
const REFUSED_BODY_GRACE_MS = 2000;

export interface Collector {
  server: http.Server;
  registry: Registry;
  /** resolves with the bound port */
  listen(): Promise<number>;
  /** stop accepting ingest (503), readyz 503; resolves when no batch is in flight */
  beginDrain(): Promise<void>;
  /** closes the listener and every connection */
  close(): Promise<void>;
  inFlight(): number;
}

export function createCollector(config: CollectorConfig, log: Logger, now: () => number = Date.now): Collector {
  const registry = new Registry();
  const activeUsers = new ActiveUsers(config.activeWindowMs);
  const exchangeRates = Object.entries(config.exchangeRates).map(([currency, value]) => ({ labels: { currency }, value }));
  const sink = new PromSink(registry, { activeUsers: () => activeUsers.counts(now()), exchangeRate: () => exchangeRates });
  const ingest = new Ingest(config, streamingRecorder(sink, activeUsers), now());
  const self = new SelfMetrics(registry, { seenIds: ingest.seenIds, seenContent: ingest.seenContent, startedPlays: ingest.startedPlays, activeUsers, now });
  const tokens = new TokenCheck(config.tokens);

  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      // A bug, never input: answer 500 and keep serving.
      log.error('request failed', { path: req.url, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; see the collector log' });
      else res.destroy();
    });
  });
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    log.debug('client error', { error: error.message });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case INGEST_PATH:
        if (req.method !== 'POST') return refuse(req, res, 405, { error: `use POST ${INGEST_PATH}` }, { Allow: 'POST' });
        return handleIngest(req, res);
      case '/metrics':
        if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, { error: 'use GET /metrics' }, { Allow: 'GET, HEAD' });
      {
        // Newborn series are exported at 0 first (see PromSink); a HEAD reads nothing.
        const release = req.method === 'HEAD' ? undefined : sink.beginScrape();
        const text = req.method === 'HEAD' ? undefined : await registry.metrics();
        release?.();
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(text);
        return;
      }
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        return draining ? sendJson(res, 503, { status: 'draining' }) : sendJson(res, 200, { status: 'ready' });
      default:
        return refuse(req, res, 404, { error: `no such endpoint; events go to POST ${INGEST_PATH}` });
    }
  }

  async function handleIngest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (draining) {
      self.answered(503);
      // Connection: close so a keep-alive client reconnects, and the load balancer picks another instance.
      return refuse(req, res, 503, { error: 'the collector is shutting down; send to another instance' }, { 'Retry-After': '1', Connection: 'close' });
    }
    inFlight++;
    self.inFlight.inc();
    const stopTimer = self.batchDuration.startTimer();
    let status = 200;
    try {
      const problem = tokens.check(req.headers.authorization);
      if (problem) {
        status = 401;
        return refuse(req, res, 401, { error: problem }, { 'WWW-Authenticate': 'Bearer realm="encore-collector"' });
      }
      let result: BatchResult;
      try {
        const format = bodyFormat(req.headers['content-type']);
        const gzip = isGzip(req.headers['content-encoding']);
        const raw = await readBody(req, config.maxBodyBytes);
        const decoded = gzip ? await gunzipBounded(raw, config.maxDecodedBytes) : raw;
        if (decoded.length > config.maxDecodedBytes) {
          throw new BodyError(413, `the body exceeds the limit of ${config.maxDecodedBytes} bytes (max-decoded-bytes)`, 'too_large');
        }
        const parsed = parseBody(decoded.toString('utf8'), format, config.maxEvents);
        self.batchParsed(parsed.items.length, decoded.length);
        result = ingest.process(parsed.items, now(), parsed.lines);
        // Counters reach prom-client before the sender hears "accepted": a scrape after the
        // answer always includes the batch.
        sink.flush();
        self.batchJudged(result);
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        status = error.status;
        log.debug('batch refused', { status, reason: error.message });
        return refuse(req, res, error.status, { error: error.message });
      }
      sendJson(res, 200, { accepted: result.accepted, rejected: result.rejected, duplicate: result.duplicate, rejections: result.rejections });
    } catch (error) {
      status = 500;
      throw error;
    } finally {
      stopTimer();
      self.answered(status);
      self.inFlight.dec();
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  }

  return {
    server,
    registry,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : config.port);
        });
      }),
    beginDrain: () => {
      draining = true;
      // The final scrapes must show every accepted event, the batches still in flight included.
      sink.stopHolding();
      self.draining.set(1);
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => (idle = resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    inFlight: () => inFlight,
  };
}

/** Reads the body, refusing (413) as soon as it passes `maxBytes` (or when Content-Length says it will). */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new BodyError(413, `the body exceeds the limit of ${maxBytes} bytes (max-body-bytes); send smaller batches`, 'too_large');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAborted = () => {
      cleanup();
      reject(new Error('the client closed the connection before the body ended'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Answers before the body was read (or after giving up on it). The connection is closed after the
 * answer, and whatever the client is still sending is drained for a short grace so it can read
 * the answer instead of seeing a reset; then the socket is cut.
 */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (req.complete && headers.Connection === undefined) return sendJson(res, status, body, headers);
  sendJson(res, status, body, { ...headers, Connection: 'close' });
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), REFUSED_BODY_GRACE_MS);
  timer.unref();
  req.socket.once('close', () => clearTimeout(timer));
}
