/**
 * A small real HTTP server in place of (or in front of) Prometheus, for fault tests: each request
 * is answered by a script that sees the API path, the PromQL and the headers, and either forwards
 * it to a real Prometheus or answers itself (a 500, garbage, a truncated body, a dropped
 * connection, a hang). Every request is recorded, headers included, so tests can prove what the
 * backend sent (credentials) and how often (retries).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface UpstreamRequest {
  method: string;
  /** API path without the query string, e.g. /api/v1/query_range */
  path: string;
  /** the `query` parameter (PromQL), from the form body or the URL */
  query: string;
  params: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** how many requests with this path and query came before this one */
  attempt: number;
}

export type Reply =
  | { kind: 'forward' }
  | { kind: 'answer'; status: number; contentType?: string; body: string | Buffer; headers?: Record<string, string> }
  /** headers and part of the body, then the connection is destroyed */
  | { kind: 'cut'; status: number; contentType?: string; body: string }
  /** no answer at all */
  | { kind: 'hang' }
  /** the socket is destroyed without an answer */
  | { kind: 'reset' };

export interface FakeUpstream {
  url: string;
  port: number;
  /** every request so far */
  readonly requests: UpstreamRequest[];
  /** decides each answer; default: forward everything */
  script: (request: UpstreamRequest) => Reply;
  close(): Promise<void>;
}

export const json = (status: number, value: unknown): Reply => ({ kind: 'answer', status, contentType: 'application/json', body: JSON.stringify(value) });

export async function startFakeUpstream(options: { forwardTo?: string } = {}): Promise<FakeUpstream> {
  const requests: UpstreamRequest[] = [];
  const sockets = new Set<Socket>();
  const seen = new Map<string, number>();
  const upstream: FakeUpstream = {
    url: '',
    port: 0,
    requests,
    script: () => ({ kind: 'forward' }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://fake.local');
      const params = new URLSearchParams(url.search);
      if (req.method === 'POST') for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params.append(key, value);
      const query = params.get('query') ?? '';
      const key = `${url.pathname}\u0000${query}`;
      const attempt = seen.get(key) ?? 0;
      seen.set(key, attempt + 1);
      const request: UpstreamRequest = { method: req.method ?? 'GET', path: url.pathname, query, params, headers: req.headers, attempt };
      requests.push(request);
      let reply: Reply;
      try {
        reply = upstream.script(request);
      } catch (error) {
        reply = { kind: 'answer', status: 500, contentType: 'text/plain', body: `script failed: ${String(error)}` };
      }
      switch (reply.kind) {
        case 'forward':
          return forward(req, body, res, options.forwardTo);
        case 'answer':
          res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json', ...(reply.headers ?? {}) });
          return res.end(reply.body);
        case 'cut':
          res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(reply.body) * 2) });
          res.write(reply.body);
          return setTimeout(() => res.socket?.destroy(), 20);
        case 'hang':
          return;
        case 'reset':
          return req.socket.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  upstream.port = typeof address === 'object' && address ? address.port : 0;
  upstream.url = `http://127.0.0.1:${upstream.port}`;
  return upstream;
}

function forward(req: IncomingMessage, body: Buffer, res: ServerResponse, target: string | undefined): void {
  if (!target) {
    res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end('fake upstream: nowhere to forward to');
    return;
  }
  const headers = { ...req.headers };
  delete headers.host;
  const out = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  out.end(body);
}
