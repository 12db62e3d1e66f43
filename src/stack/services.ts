/**
 * The stack's services, defined once for both ways of running them: docker-compose.yml (containers
 * on a compose network) and the native stack (processes on loopback ports, src/stack/stack.ts).
 * Both read the same configuration files under provisioning/, and each service runs with the same
 * flags in both; only host:port and paths differ. test/unit/stack/compose.test.ts holds
 * docker-compose.yml to these functions.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The configuration files both stacks use, relative to the repository. */
export const STACK_FILES = {
  /** scrape targets are compose service names; the native stack rewrites only those (prometheus-config.ts) */
  prometheusConfig: 'provisioning/prometheus/prometheus.yml',
  redisConfig: 'provisioning/redis/redis.conf',
  /** incidents of the live traffic */
  liveScenario: 'provisioning/simulator/live.json',
  /** incidents of the backfilled history */
  historyScenario: 'provisioning/simulator/history.json',
  /** Grafana's provisioning (data sources, plugins, dashboards, alerting) */
  grafanaProvisioning: 'provisioning',
} as const;

export const repoPath = (relative: string) => join(REPO_ROOT, relative);

/** The services' entry points, run with `node --import tsx` natively and bundled for the image (scripts/build-services.mjs). */
export const NODE_ENTRIES = {
  collector: 'src/collector/main.ts',
  simulator: 'src/simulator/cli/main.ts',
  healthcheck: 'src/stack/healthcheck.ts',
} as const;

/** Service names on the compose network and their ports (also the native stack's default ports). */
export const SERVICE_PORTS = {
  grafana: 3000,
  prometheus: 9090,
  collector: 9464,
  redis: 6379,
} as const;

/** How long Prometheus keeps data: longer than the compose backfill, so no history is dropped. */
export const PROMETHEUS_RETENTION = '30d';

export const SIMULATOR_DEFAULTS = {
  /** one population for history and live traffic, so they join up (about 20 events/s on weekly average) */
  users: 40_000,
  seed: 1,
} as const;

/** Days of history: several weeks in compose (runs in the background), two natively (a few minutes). */
export const BACKFILL_DAYS = { compose: 21, native: 2 } as const;

/**
 * How often the backfilled history is sampled. The provisioned data source (scrapeInterval 15s,
 * as prometheus.yml scrapes) gives rate() windows of four scrapes, one minute, at fine steps (the
 * 22 s of a dashboard's default 6 hours); history sampled once a minute holds one sample in such a
 * window, which rate() cannot use, and those panels would show almost none of it. Every 30 s puts
 * two samples in each window at half the samples (and promtool time) of the scrapes' 15 s.
 */
export const BACKFILL_INTERVAL = '30s';

/** Inside the compose containers. */
export const CONTAINER_PATHS = {
  prometheusConfigDir: '/etc/prometheus',
  prometheusData: '/prometheus',
  redisConfig: '/usr/local/etc/redis/redis.conf',
  simulatorConfigDir: '/etc/encore/simulator',
  tokenDir: '/run/encore',
  grafanaProvisioning: '/etc/grafana/provisioning',
} as const;

/** The file the collector creates with a random token and the simulator reads (when no token is given). */
export const TOKEN_FILE = 'collector-token';

/**
 * The native stack's address for each scrape target of provisioning/prometheus/prometheus.yml
 * (compose service name and port → a loopback port).
 */
export function nativeScrapeTargets(ports: { prometheus: number; collector: number }): Record<string, string> {
  return {
    [`collector:${SERVICE_PORTS.collector}`]: `127.0.0.1:${ports.collector}`,
    [`localhost:${SERVICE_PORTS.prometheus}`]: `127.0.0.1:${ports.prometheus}`,
  };
}

export function prometheusArgs(p: { configFile: string; dataDir: string; listen: string }): string[] {
  return [`--config.file=${p.configFile}`, `--storage.tsdb.path=${p.dataDir}`, `--storage.tsdb.retention.time=${PROMETHEUS_RETENTION}`, `--web.listen-address=${p.listen}`];
}

/** The collector's settings, as environment variables (the same names compose sets). */
export function collectorEnvironment(p: { host: string; port: number; tokenFile: string; token?: string }): Record<string, string> {
  return {
    ENCORE_COLLECTOR_HOST: p.host,
    ENCORE_COLLECTOR_PORT: String(p.port),
    ENCORE_COLLECTOR_TOKENS: p.token ?? '',
    ENCORE_COLLECTOR_TOKEN_FILE: p.tokenFile,
    ENCORE_COLLECTOR_CREATE_TOKEN_FILE: 'true',
  };
}

/** Where the simulator finds its token: the given one, else the collector's token file. */
export function simulatorEnvironment(p: { tokenFile: string; token?: string }): Record<string, string> {
  return { ENCORE_COLLECTOR_TOKEN: p.token ?? '', ENCORE_COLLECTOR_TOKEN_FILE: p.tokenFile };
}

export interface SimulatorArgs {
  scenario: string;
  users: number | string;
  seed: number | string;
  statusFile: string;
}

/** `simulate live …`: real-time traffic into the collector. */
export function liveArgs(p: SimulatorArgs & { collectorUrl: string }): string[] {
  return ['live', '--collector', p.collectorUrl, '--scenario', p.scenario, '--users', String(p.users), '--seed', String(p.seed), '--status-file', p.statusFile];
}

/**
 * `simulate backfill …`: `days` of history loaded straight into Prometheus' data directory while
 * Prometheus runs (it picks new blocks up within a minute), once per data directory.
 */
export function backfillArgs(p: SimulatorArgs & { days: number | string; tsdb: string; workDir: string }): string[] {
  return [
    'backfill',
    '--days',
    String(p.days),
    '--interval',
    BACKFILL_INTERVAL,
    '--scenario',
    p.scenario,
    '--users',
    String(p.users),
    '--seed',
    String(p.seed),
    '--promtool-data',
    p.tsdb,
    '--once',
    '--out',
    p.workDir,
    '--labels',
    `${p.tsdb}/encore-backfill-labels.json`,
    '--status-file',
    p.statusFile,
  ];
}

/** Redis reads the shared file; the native stack adds loopback-only settings on the command line. */
export function redisArgs(p: { configFile: string; native?: { port: number; dir: string } }): string[] {
  const args = [p.configFile];
  if (p.native) args.push('--port', String(p.native.port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', p.native.dir);
  return args;
}
