/**
 * A real Prometheus for tests: the Debian `prometheus` binary on a free 127.0.0.1 port, in a temp
 * dir, with a known dataset backfilled by `promtool tsdb create-blocks-from openmetrics`, and
 * optionally basic auth and TLS (server certificate, optional client certificate) through
 * --web.config.file with certificates made by `openssl` for this run.
 *
 * Prometheus runs under the stack's watchdog (src/stack/supervise.ts), so it dies with the test
 * process however that ends (even SIGKILL): no orphans on a developer machine or CI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../src/stack/ports';
import { supervise } from '../../src/stack/supervise';
import { makeTestCertificates, type FixtureTls } from './tls-certs';

export { findFreePort };

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// The dataset: one function computes both the OpenMetrics file and what tests expect.

export const FIXTURE_INTERVAL_MS = 60_000;
export const FIXTURE_SAMPLES = 180;
/** Samples 60..119 of the gappy series are missing: a one-hour hole, far beyond the 5 m lookback. */
export const FIXTURE_GAP = { from: 60, to: 120 } as const;

export const FIXTURE_METRICS = {
  /** gauge, labels market + platform */
  gauge: 'encore_fixture_active_streams',
  /** counter (OpenMetrics family encore_fixture_plays) */
  counter: 'encore_fixture_plays_total',
  /** gauge with a gap */
  gappy: 'encore_fixture_buffer_ratio',
  /** NaN, +Inf and -Inf at every sample */
  special: 'encore_fixture_special',
} as const;

export interface FixtureSeries {
  labels: Record<string, string>;
  /** [epoch ms, value], ascending */
  points: Array<[number, number]>;
}

export interface FixtureDataset {
  /** epoch ms of the first sample; a whole hour, several hours before now */
  startMs: number;
  /** epoch ms of the last sample */
  endMs: number;
  intervalMs: number;
  series: FixtureSeries[];
}

/** The samples; `i` is the sample index, values are exact binary fractions so equality is exact. */
export function fixtureDataset(startMs: number): FixtureDataset {
  const indexes = Array.from({ length: FIXTURE_SAMPLES }, (_, i) => i);
  const at = (i: number) => startMs + i * FIXTURE_INTERVAL_MS;
  const series = (labels: Record<string, string>, value: (i: number) => number, keep: (i: number) => boolean = () => true) => ({
    labels,
    points: indexes.filter(keep).map((i): [number, number] => [at(i), value(i)]),
  });
  const { gauge, counter, gappy, special } = FIXTURE_METRICS;
  return {
    startMs,
    endMs: at(FIXTURE_SAMPLES - 1),
    intervalMs: FIXTURE_INTERVAL_MS,
    series: [
      series({ __name__: gauge, market: 'se', platform: 'ios' }, (i) => 100 + i),
      series({ __name__: gauge, market: 'se', platform: 'android' }, (i) => 200 + 2 * i),
      series({ __name__: gauge, market: 'de', platform: 'web' }, (i) => 1000 - i),
      series({ __name__: counter, market: 'se' }, (i) => 10 * i),
      series({ __name__: counter, market: 'de' }, (i) => 5 * i),
      series({ __name__: gappy, market: 'se' }, (i) => i / 8, (i) => i < FIXTURE_GAP.from || i >= FIXTURE_GAP.to),
      series({ __name__: special, case: 'nan' }, () => NaN),
      series({ __name__: special, case: 'pos_inf' }, () => Infinity),
      series({ __name__: special, case: 'neg_inf' }, () => -Infinity),
    ],
  };
}

/** The series of the dataset with exactly these labels (including __name__). */
export function fixtureSeries(dataset: FixtureDataset, labels: Record<string, string>): FixtureSeries {
  const found = dataset.series.find(
    (s) => Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (!found) throw new Error(`no fixture series ${JSON.stringify(labels)}`);
  return found;
}

export function toOpenMetrics(dataset: FixtureDataset): string {
  const lines: string[] = [];
  const families = new Map<string, FixtureSeries[]>();
  for (const s of dataset.series) {
    const name = s.labels.__name__!;
    families.set(name, [...(families.get(name) ?? []), s]);
  }
  for (const [name, members] of families) {
    const isCounter = name.endsWith('_total');
    const family = isCounter ? name.slice(0, -'_total'.length) : name;
    lines.push(`# TYPE ${family} ${isCounter ? 'counter' : 'gauge'}`);
    // OpenMetrics wants each series' samples together and in time order; timestamps in seconds.
    for (const s of members) {
      const labels = Object.entries(s.labels)
        .filter(([k]) => k !== '__name__')
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      for (const [ms, value] of s.points) lines.push(`${name}{${labels}} ${formatValue(value)} ${ms / 1000}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Credentials and certificates.

export const FIXTURE_USER = 'encore';
export const FIXTURE_PASSWORD = 'encore-test-password';
/**
 * bcrypt of FIXTURE_PASSWORD at cost 4 (the minimum, so each request stays cheap), precomputed
 * because neither htpasswd nor a bcrypt library is available everywhere the tests run.
 * The integration tests prove it: basic auth with FIXTURE_PASSWORD must succeed.
 */
const FIXTURE_PASSWORD_BCRYPT = '$2b$04$vbsDOYE8gq6wNEd7LDU24eHvwaXPV8ITivXGgAmdaGTugeHYRmR0a';
/** A name only the server certificate knows, to test serverName against a 127.0.0.1 URL. */
export const FIXTURE_TLS_SERVER_NAME = 'prometheus.test';

export type { FixtureTls } from './tls-certs';

async function makeCertificates(dir: string): Promise<{ files: Record<'ca' | 'serverCert' | 'serverKey', string>; tls: FixtureTls }> {
  return makeTestCertificates(dir, [FIXTURE_TLS_SERVER_NAME]);
}

// ---------------------------------------------------------------------------------------------
// The process.

export interface PrometheusFixtureOptions {
  /** backfill the dataset (default true) */
  data?: boolean;
  /** require FIXTURE_USER / FIXTURE_PASSWORD */
  basicAuth?: boolean;
  /** serve HTTPS; `clientCert: true` also requires a client certificate signed by the test CA */
  tls?: boolean | { clientCert: boolean };
  /** scrape these host:port targets (job "encore") every second; off by default */
  scrapeTargets?: string[];
  /** more OpenMetrics files to backfill (e.g. the simulator's), each with promtool */
  openMetricsFiles?: string[];
  /**
   * TSDB directories already filled by promtool (e.g. by the simulator's --promtool-data): their
   * blocks are moved into this Prometheus' data directory before it starts
   */
  blockDirs?: string[];
  /** how far back Prometheus keeps data (default: Prometheus' 15 days); backfills older than it are dropped */
  retention?: string;
  /** --web.enable-admin-api, e.g. to delete samples (deleteSamples) */
  adminApi?: boolean;
}

export interface PrometheusFixture {
  /** base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  /** as `prometheus --version` prints it, e.g. 2.42.0+ds */
  version: string;
  dataset: FixtureDataset;
  /** present when started with tls */
  tls?: FixtureTls;
  /** Prometheus' own log so far (for failure messages) */
  logs(): string;
  stop(): Promise<void>;
}

const LOG_LIMIT = 64 * 1024;
const READY_TIMEOUT_MS = 30_000;

/** The installed Prometheus version; fails with an install hint when the binaries are missing. */
export async function prometheusVersion(): Promise<string> {
  const versions: string[] = [];
  for (const binary of ['prometheus', 'promtool']) {
    let output: string;
    try {
      const { stdout, stderr } = await run(binary, ['--version']);
      output = `${stdout}${stderr}`;
    } catch (error) {
      throw new Error(
        `${binary} is not runnable (${(error as Error).message}); install the Debian package "prometheus" (npm run system-deps does)`,
        { cause: error },
      );
    }
    const version = /version (\S+)/.exec(output)?.[1];
    if (!version) throw new Error(`cannot read the version from \`${binary} --version\`: ${output.slice(0, 200)}`);
    versions.push(version);
  }
  return versions[0]!;
}

export async function startPrometheus(options: PrometheusFixtureOptions = {}): Promise<PrometheusFixture> {
  const version = await prometheusVersion();
  const dir = mkdtempSync(join(tmpdir(), 'encore-prometheus-'));
  try {
    const startMs = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 4 * 3_600_000;
    const dataset = fixtureDataset(startMs);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    if (options.data !== false) {
      writeFileSync(join(dir, 'data.om.txt'), toOpenMetrics(dataset));
      await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'data.om.txt'), dataDir]);
    }
    for (const file of options.openMetricsFiles ?? []) {
      await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir], { maxBuffer: 64 * 1024 * 1024 });
    }
    for (const from of options.blockDirs ?? []) {
      // A block is a directory named by its ULID (26 characters of Crockford base32).
      for (const entry of readdirSync(from)) if (/^[0-9A-HJKMNP-TV-Z]{26}$/.test(entry)) renameSync(join(from, entry), join(dataDir, entry));
    }
    const scrape = options.scrapeTargets?.length
      ? `scrape_configs:\n  - job_name: encore\n    scrape_interval: 1s\n    static_configs:\n      - targets: [${options.scrapeTargets.map((t) => `'${t}'`).join(', ')}]\n`
      : '';
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n${scrape}`);

    let tls: FixtureTls | undefined;
    const web: string[] = [];
    if (options.tls) {
      const certs = await makeCertificates(dir);
      tls = certs.tls;
      web.push('tls_server_config:', `  cert_file: ${certs.files.serverCert}`, `  key_file: ${certs.files.serverKey}`);
      if (typeof options.tls === 'object' && options.tls.clientCert) {
        web.push('  client_auth_type: RequireAndVerifyClientCert', `  client_ca_file: ${certs.files.ca}`);
      }
    }
    if (options.basicAuth) web.push('basic_auth_users:', `  ${FIXTURE_USER}: ${FIXTURE_PASSWORD_BCRYPT}`);
    if (web.length > 0) writeFileSync(join(dir, 'web.yml'), `${web.join('\n')}\n`);

    // A free port can be taken by someone else before Prometheus binds it; then try another.
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
      const args = [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...(options.retention ? [`--storage.tsdb.retention.time=${options.retention}`] : []),
        ...(options.adminApi ? ['--web.enable-admin-api'] : []),
        ...(web.length > 0 ? [`--web.config.file=${join(dir, 'web.yml')}`] : []),
      ];
      const proc = launch(args, dir);
      try {
        await waitReady(url, proc, options, tls);
        return {
          url,
          port,
          version,
          dataset,
          tls,
          logs: proc.logs,
          stop: () => proc.stop(),
        };
      } catch (error) {
        const portTaken = attempt < 3 && /address already in use/.test(proc.logs());
        await proc.stop({ keepDir: portTaken });
        if (portTaken) continue;
        throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Launched {
  exited: Promise<void>;
  logs(): string;
  /** keepDir: for another attempt in the same dir */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

function launch(args: string[], dir: string): Launched {
  // unref: the test process may end even if a test forgets stop(); the watchdog then cleans up.
  const proc = supervise({ name: 'prometheus', command: 'prometheus', args, removeOnOrphan: dir, unref: true, logLimit: LOG_LIMIT });
  // The test process exiting without stop(): the watchdog stops Prometheus; the dir goes now.
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return {
    exited: proc.exited.then(() => undefined),
    logs: proc.logs,
    stop: ({ keepDir = false } = {}) =>
      (stopping ??= (async () => {
        await proc.stop();
        process.removeListener('exit', onExit);
        if (!keepDir) rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

async function waitReady(url: string, proc: Launched, options: PrometheusFixtureOptions, tls: FixtureTls | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let last = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`prometheus exited during startup:\n${proc.logs()}`);
    try {
      const status = await probe(`${url}/-/ready`, options, tls);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus at ${url} was not ready within ${READY_TIMEOUT_MS / 1000} s (last: ${last}):\n${proc.logs()}`);
}

function probe(url: string, options: PrometheusFixtureOptions, tls: FixtureTls | undefined): Promise<number> {
  const headers: Record<string, string> = {};
  if (options.basicAuth) headers.Authorization = `Basic ${Buffer.from(`${FIXTURE_USER}:${FIXTURE_PASSWORD}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const done = (res: http.IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    };
    const req = tls
      ? https.get(url, { headers, ca: tls.caCert, cert: tls.clientCert, key: tls.clientKey, agent: false }, done)
      : http.get(url, { headers, agent: false }, done);
    req.setTimeout(2000, () => req.destroy(new Error('probe timed out')));
    req.on('error', reject);
  });
}

/**
 * Deletes the samples of the series matching `selector` between two times (epoch ms, inclusive),
 * through the admin API (a Prometheus started with `adminApi`): what Prometheus holds when its
 * scrapes of those series failed meanwhile. Queries see the hole at once.
 */
export async function deleteSamples(prometheus: Pick<PrometheusFixture, 'url'>, selector: string, fromMs: number, toMs: number): Promise<void> {
  const params = new URLSearchParams({ 'match[]': selector, start: String(fromMs / 1000), end: String(toMs / 1000) });
  const response = await fetch(`${prometheus.url}/api/v1/admin/tsdb/delete_series?${params}`, { method: 'POST' });
  if (response.status !== 204) throw new Error(`delete_series ${selector}: HTTP ${response.status} ${await response.text()}`);
}
