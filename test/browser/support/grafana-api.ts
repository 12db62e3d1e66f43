/**
 * The slice of Grafana's HTTP API that the Encore editors, panels and app page call, answered by
 * the real backend executable over gRPC (test/harness), the way Grafana's server does it:
 *   POST /api/ds/query                              -> QueryData; Arrow frames turned into frame JSON
 *   GET  /api/datasources/uid/<uid>/resources/<p>   -> CallResource
 *   GET  /api/datasources/uid/<uid>/health          -> CheckHealth
 *   GET  /api/datasources[/uid/<uid>]               -> the configured data source settings
 *   PUT  /api/datasources/uid/<uid>                 -> "Save": later calls use the new settings
 * It also serves the harness page and its bundle. Everything the browser asks is recorded, so tests
 * can assert what an editor sent.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASOURCE_PLUGIN_ID } from '../../../src/common/plugin-ids';
import { decodeFrameArrow } from '../../../src/backend/grafana/frames/arrow';
import { stringifyFrameJSON } from '../../../src/backend/grafana/frames/json';
import type { PluginHost } from '../../harness/grafana-host';
import { callResourceRequest, checkHealthRequest, dataQuery, queryDataRequest, type DataSourceInput } from '../../harness/plugin-context';
import { HealthStatus } from '../../harness/wire';

export interface ApiRequestRecord {
  method: string;
  path: string;
  body?: unknown;
}

export interface GrafanaApi {
  url: string;
  /** every API request the page made, in order */
  requests: ApiRequestRecord[];
  close(): Promise<void>;
}

export interface GrafanaApiOptions {
  host: PluginHost;
  /** the data sources the page may use (the first is the default) */
  datasources: Stored[];
  /** folder holding index.html and the bundle */
  staticDir: string;
}

const UI_ICONS = fileURLToPath(new URL('../../../node_modules/@grafana/ui/dist/public/img/icons/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
};

export async function startGrafanaApi(options: GrafanaApiOptions): Promise<GrafanaApi> {
  const requests: ApiRequestRecord[] = [];
  const byUid = new Map(options.datasources.map((ds) => [ds.uid, ds]));
  const listed = () => options.datasources.map((ds) => byUid.get(ds.uid)!);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://harness.local');
    if (!url.pathname.startsWith('/api/')) return serveStatic(url.pathname, res);
    const raw = await readBody(req);
    const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, ...(body === undefined ? {} : { body }) });

    if (req.method === 'POST' && url.pathname === '/api/ds/query') return text(res, 200, await query(body as QueryBody));
    if (req.method === 'GET' && url.pathname === '/api/datasources') return json(res, 200, listed().map(settingsJson));
    const match = /^\/api\/datasources\/uid\/([^/]+)(?:\/(health|resources\/(.*)))?$/.exec(url.pathname);
    const ds = match ? byUid.get(match[1]!) : undefined;
    if (!match || !ds) return json(res, 404, { message: `not found: ${url.pathname}` });
    if (match[2] === undefined && req.method === 'PUT') {
      byUid.set(ds.uid, saved(ds, body as SavedSettings));
      return json(res, 200, { message: 'Datasource updated', datasource: settingsJson(byUid.get(ds.uid)!) });
    }
    if (match[2] === undefined) return json(res, 200, settingsJson(ds));
    if (match[2] === 'health') {
      const answer = await options.host.checkHealth(checkHealthRequest({ context: { datasource: ds } }));
      const details = answer.jsonDetails.length > 0 ? JSON.parse(answer.jsonDetails.toString('utf8')) : undefined;
      const status = answer.status === HealthStatus.OK ? 'OK' : 'ERROR';
      // Grafana answers a failed check with 400 and the same body.
      return json(res, status === 'OK' ? 200 : 400, { status, message: answer.message, details });
    }
    const result = await options.host.callResource(
      callResourceRequest({ path: match[3] ?? '', method: req.method ?? 'GET', query: url.search, context: { datasource: ds } }),
    );
    res.writeHead(result.status, { 'content-type': result.headers['Content-Type']?.[0] ?? 'application/json' });
    res.end(result.body);
  }

  interface QueryBody {
    from: string;
    to: string;
    queries: Array<Record<string, unknown> & { refId: string; datasource?: { uid?: string } }>;
  }

  /**
   * Grafana's /api/ds/query: one QueryData per data source, frames as JSON per refId (written with
   * the frame JSON writer, which keeps int64 values exact where JSON.stringify would throw).
   */
  async function query(body: QueryBody): Promise<string> {
    const results: Record<string, string> = {};
    const from = Number(body.from);
    const to = Number(body.to);
    const groups = new Map<string, QueryBody['queries']>();
    for (const q of body.queries) {
      const uid = q.datasource?.uid ?? options.datasources[0]!.uid;
      groups.set(uid, [...(groups.get(uid) ?? []), q]);
    }
    for (const [uid, queries] of groups) {
      const ds = byUid.get(uid);
      if (!ds) {
        for (const q of queries) results[q.refId] = JSON.stringify({ status: 404, error: `data source ${uid} not found` });
        continue;
      }
      const answer = await options.host.queryData(
        queryDataRequest({
          context: { datasource: ds },
          queries: queries.map((q) =>
            dataQuery({
              refId: q.refId,
              json: q,
              timeRange: { from, to },
              intervalMS: Number(q.intervalMs ?? 60_000),
              maxDataPoints: Number(q.maxDataPoints ?? 1000),
              datasourceUid: uid,
            }),
          ),
        }),
      );
      for (const [refId, response] of Object.entries(answer.responses)) {
        const frames = response.frames.map((bytes) => stringifyFrameJSON(decodeFrameArrow(new Uint8Array(bytes))));
        const status = response.status === 0 ? (response.error ? 500 : 200) : response.status;
        const error = response.error ? `,"error":${JSON.stringify(response.error)},"errorSource":${JSON.stringify(response.errorSource)}` : '';
        results[refId] = `{"status":${status},"frames":[${frames.join(',')}]${error}}`;
      }
    }
    return `{"results":{${Object.entries(results)
      .map(([refId, result]) => `${JSON.stringify(refId)}:${result}`)
      .join(',')}}}`;
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const relative = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^(\.\.[/\\])+/, '');
    // Grafana serves @grafana/ui's icons under public/build/img/icons; they ship with the package.
    const icon = relative.startsWith('/public/build/img/icons/') ? join(UI_ICONS, relative.slice('/public/build/img/icons/'.length)) : undefined;
    try {
      const content = await readFile(icon ?? join(options.staticDir, relative));
      res.writeHead(200, { 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream' });
      res.end(content);
    } catch {
      res.writeHead(404);
      res.end();
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { message: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Stored = DataSourceInput & { uid: string; name: string };

interface SavedSettings {
  url?: string;
  basicAuth?: boolean;
  basicAuthUser?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  secureJsonFields?: Record<string, boolean>;
}

/**
 * What Grafana stores on save: the new url, auth and jsonData; secrets sent now replace the
 * stored ones, secrets the editor reset (secureJsonFields false) are dropped, the rest are kept.
 * A new lastUpdated makes the backend build a fresh instance, as after a real save.
 */
function saved(ds: Stored, body: SavedSettings): Stored {
  const secrets = { ...(ds.secureJsonData ?? {}) };
  for (const [key, set] of Object.entries(body.secureJsonFields ?? {})) if (!set) delete secrets[key];
  Object.assign(secrets, body.secureJsonData ?? {});
  return {
    ...ds,
    url: body.url ?? ds.url,
    basicAuth: body.basicAuth ?? ds.basicAuth,
    basicAuthUser: body.basicAuthUser ?? ds.basicAuthUser,
    jsonData: body.jsonData ?? ds.jsonData,
    secureJsonData: secrets,
    lastUpdatedMS: Date.now(),
  };
}

/** Data source settings as the browser sees them (no secrets: secureJsonFields only). */
export function settingsJson(ds: Stored) {
  return {
    id: ds.id ?? 7,
    uid: ds.uid,
    name: ds.name,
    type: DATASOURCE_PLUGIN_ID,
    typeName: 'Encore',
    access: 'proxy',
    url: ds.url ?? '',
    jsonData: ds.jsonData ?? {},
    basicAuth: ds.basicAuth ?? false,
    basicAuthUser: ds.basicAuthUser ?? '',
    secureJsonFields: Object.fromEntries(Object.keys(ds.secureJsonData ?? {}).map((key) => [key, true])),
    readOnly: false,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  text(res, status, JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
