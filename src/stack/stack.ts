/**
 * The native stack: what docker-compose.yml runs, as processes on loopback ports, from the same
 * configuration files (provisioning/) and with the same flags (services.ts); only Grafana is
 * missing (no Grafana runs without Docker here). `npm run stack` is its command line (main.ts);
 * tests import startStack().
 *
 * Start order (as compose's depends_on): Prometheus and Redis; the collector once Prometheus is
 * ready; then the live simulator once the collector is ready, and the backfill into the running
 * Prometheus' data directory (it picks the new blocks up within a minute). stop() goes in reverse:
 * the simulators, the collector, then Redis and Prometheus, and removes a temporary data directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseTokenFile } from '../collector/config';
import { probeHttp, probeRedis, probeStatusFile, waitHealthy } from './health';
import { findFreePort, portIsFree } from './ports';
import { renderPrometheusConfig } from './prometheus-config';
import {
  BACKFILL_DAYS,
  backfillArgs,
  collectorEnvironment,
  liveArgs,
  NODE_ENTRIES,
  nativeScrapeTargets,
  prometheusArgs,
  PROMETHEUS_RETENTION,
  redisArgs,
  REPO_ROOT,
  repoPath,
  SERVICE_PORTS,
  SIMULATOR_DEFAULTS,
  simulatorEnvironment,
  STACK_FILES,
  TOKEN_FILE,
} from './services';
import { supervise, type ExitStatus, type Supervised } from './supervise';

const run = promisify(execFile);

export type ServiceName = 'prometheus' | 'redis' | 'collector' | 'simulator' | 'backfill';

export interface StackOptions {
  /** keep data here (created if missing); default: a temporary directory removed by stop() */
  dataDir?: string;
  /** loopback ports; 0 picks a free one; defaults are the compose ports (9090, 9464, 6379) */
  ports?: Partial<Record<'prometheus' | 'collector' | 'redis', number>>;
  /** days of history to backfill (fractions allowed, at least one hour); 0 for none; default 2 */
  backfillDays?: number;
  /** scenario of the live traffic: a built-in name or a file (default provisioning/simulator/live.json) */
  scenario?: string;
  /** scenario of the history (default provisioning/simulator/history.json) */
  historyScenario?: string;
  /** live traffic (default true) */
  live?: boolean;
  /** start Redis (default true) */
  redis?: boolean;
  /** population of both history and live traffic (default 40,000: about 20 events/s on average) */
  users?: number;
  seed?: number;
  /** the collector's bearer token; default: the collector creates one in <dataDir>/collector-token */
  token?: string;
  /** every line a service prints */
  onLog?: (service: ServiceName, line: string) => void;
}

export interface StackService {
  name: ServiceName;
  /** what it is, for the table `npm run stack` prints */
  description: string;
  url?: string;
  /** the service's process id (not its watchdog's) */
  pid(): number | undefined;
  running(): boolean;
  logFile: string;
}

export interface Stack {
  dataDir: string;
  /** the data directory is removed by stop() */
  temporary: boolean;
  urls: { prometheus: string; collector: string; redis?: string };
  ports: { prometheus: number; collector: number; redis?: number };
  /** the bearer token senders use with the collector */
  token: string;
  /** the rendered copy of provisioning/prometheus/prometheus.yml */
  prometheusConfig: string;
  services: StackService[];
  /** present when backfilling: `finished` resolves when the backfill process has ended */
  backfill?: { days: number; statusFile: string; finished: Promise<{ state: string; exit: ExitStatus }> };
  /** present with live traffic: `caughtUp()` resolves once the warm-up is delivered */
  live?: { statusFile: string; caughtUp(timeoutMs?: number): Promise<void> };
  /** resolves with a message when a service that should keep running has exited on its own */
  failed: Promise<string>;
  /** every process the stack started (the services and their watchdogs), for leak checks */
  pids(): number[];
  /** the process groups of the services: a service's own children (e.g. promtool) are in them too */
  processGroups(): number[];
  logs(name: ServiceName): string;
  /** stops everything (idempotent); resolves when every process is gone */
  stop(): Promise<void>;
}

/** The binaries the native stack needs on the PATH (Debian packages `prometheus`, `redis-server`). */
export async function checkBinaries(names: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of names) {
    try {
      await run(name, ['--version']);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new Error(`not on the PATH: ${missing.join(', ')}; install the Debian packages prometheus and redis-server (npm run system-deps does, as root)`);
  }
}

async function choosePort(name: string, wanted: number | undefined, fallback: number, flag: string): Promise<number> {
  const port = wanted ?? fallback;
  if (port === 0) return findFreePort();
  if (!(await portIsFree(port))) throw new Error(`${name}: port ${port} on 127.0.0.1 is taken (is the compose stack or another native stack running?); choose another with ${flag}`);
  return port;
}

const scenarioPath = (value: string | undefined, fallback: string) => (value === undefined ? repoPath(fallback) : /[./\\]/.test(value) ? resolve(value) : value);

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const withRedis = options.redis !== false;
  const withLive = options.live !== false;
  const backfillDays = options.backfillDays ?? BACKFILL_DAYS.native;
  if (!(backfillDays === 0 || (backfillDays >= 1 / 24 && backfillDays <= 400))) throw new Error(`backfillDays: expected 0 or from 1/24 (an hour) to 400, got ${backfillDays}`);
  await checkBinaries(['prometheus', ...(backfillDays > 0 ? ['promtool'] : []), ...(withRedis ? ['redis-server'] : [])]);
  const users = options.users ?? SIMULATOR_DEFAULTS.users;
  const seed = options.seed ?? SIMULATOR_DEFAULTS.seed;

  const ports = {
    prometheus: await choosePort('prometheus', options.ports?.prometheus, SERVICE_PORTS.prometheus, '--prometheus-port'),
    collector: await choosePort('collector', options.ports?.collector, SERVICE_PORTS.collector, '--collector-port'),
    ...(withRedis ? { redis: await choosePort('redis', options.ports?.redis, SERVICE_PORTS.redis, '--redis-port') } : {}),
  };
  const urls = {
    prometheus: `http://127.0.0.1:${ports.prometheus}`,
    collector: `http://127.0.0.1:${ports.collector}`,
    ...(ports.redis !== undefined ? { redis: `redis://127.0.0.1:${ports.redis}` } : {}),
  };

  const temporary = options.dataDir === undefined;
  const dataDir = temporary ? mkdtempSync(join(tmpdir(), 'encore-stack-')) : resolve(options.dataDir!);
  const dirs = { tsdb: join(dataDir, 'prometheus'), redis: join(dataDir, 'redis'), logs: join(dataDir, 'logs'), status: join(dataDir, 'status'), work: join(dataDir, 'backfill-work') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const removeTemporary = () => {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', removeTemporary);

  const started: Supervised[] = [];
  const services: StackService[] = [];
  let stopping = false;
  let reportFailure: (message: string) => void = () => undefined;
  const failed = new Promise<string>((resolvePromise) => (reportFailure = resolvePromise));

  const start = (name: ServiceName, description: string, command: string, args: string[], extra: { env?: Record<string, string>; url?: string; keepsRunning?: boolean } = {}) => {
    const logFile = join(dirs.logs, `${name}.log`);
    const child = supervise({
      name,
      command,
      args,
      cwd: REPO_ROOT,
      env: { ...process.env, ...extra.env },
      logFile,
      removeOnOrphan: temporary ? dataDir : undefined,
      onLine: (line) => options.onLog?.(name, line),
    });
    started.push(child);
    services.push({ name, description, url: extra.url, pid: child.childPid, running: child.running, logFile });
    if (extra.keepsRunning !== false) {
      void child.exited.then((exit) => {
        if (!stopping) reportFailure(`${name} exited on its own (${exit.signal ?? `code ${exit.code}`}); its log: ${logFile}\n${tail(child.logs())}`);
      });
    }
    return child;
  };
  const node = (main: string) => ({ command: process.execPath, args: ['--import', 'tsx', repoPath(main)] });
  const whileRunning = (child: Supervised) => () => (child.running() ? undefined : `exited (${tail(child.logs())})`);

  const stopAll = async () => {
    stopping = true;
    // Reverse start order: senders first, so nothing is sent to a stopped collector.
    const order: ServiceName[][] = [['simulator', 'backfill'], ['collector'], ['redis', 'prometheus']];
    for (const group of order) {
      await Promise.all(started.filter((child) => group.includes(child.name as ServiceName)).map((child) => child.stop()));
    }
    process.removeListener('exit', removeTemporary);
    removeTemporary();
  };

  try {
    // Prometheus with the shared file, its targets pointed at our ports.
    const configText = readFileSync(repoPath(STACK_FILES.prometheusConfig), 'utf8');
    const prometheusConfig = join(dataDir, 'prometheus.yml');
    writeFileSync(
      prometheusConfig,
      renderPrometheusConfig(configText, nativeScrapeTargets(ports)),
    );
    const prometheus = start('prometheus', `Prometheus, retention ${PROMETHEUS_RETENTION}, config ${prometheusConfig}`, 'prometheus', prometheusArgs({ configFile: prometheusConfig, dataDir: dirs.tsdb, listen: `127.0.0.1:${ports.prometheus}` }), {
      url: urls.prometheus,
    });
    const redis =
      ports.redis !== undefined
        ? start('redis', `Redis (cache), config ${STACK_FILES.redisConfig}`, 'redis-server', redisArgs({ configFile: repoPath(STACK_FILES.redisConfig), native: { port: ports.redis, dir: dirs.redis } }), {
            url: urls.redis,
          })
        : undefined;
    await Promise.all([
      waitHealthy(() => probeHttp(`${urls.prometheus}/-/ready`), { what: 'prometheus', timeoutMs: 30_000, abandon: whileRunning(prometheus) }),
      redis ? waitHealthy(() => probeRedis('127.0.0.1', ports.redis!), { what: 'redis', timeoutMs: 15_000, abandon: whileRunning(redis) }) : undefined,
    ]);

    // The collector; it creates the token file when it does not exist (as in compose).
    const tokenFile = join(dataDir, TOKEN_FILE);
    const collectorMain = node(NODE_ENTRIES.collector);
    const collector = start('collector', `collector: POST ${urls.collector}/v1/events, ${urls.collector}/metrics`, collectorMain.command, [...collectorMain.args, '--drain-seconds', '0'], {
      url: urls.collector,
      env: { ...collectorEnvironment({ host: '127.0.0.1', port: ports.collector, tokenFile, token: options.token }) },
    });
    await waitHealthy(() => probeHttp(`${urls.collector}/readyz`), { what: 'collector', timeoutMs: 60_000, abandon: whileRunning(collector) });
    const token = options.token ?? parseTokenFile(readFileSync(tokenFile, 'utf8'))[0]!;

    const simulatorMain = node(NODE_ENTRIES.simulator);
    const simulatorEnv = simulatorEnvironment({ tokenFile, token: options.token });
    let backfill: Stack['backfill'];
    if (backfillDays > 0) {
      const statusFile = join(dirs.status, 'backfill.json');
      rmSync(statusFile, { force: true });
      const historyScenario = scenarioPath(options.historyScenario, STACK_FILES.historyScenario);
      const child = start(
        'backfill',
        `backfill: ${backfillDays} day(s) of history, scenario ${historyScenario}, into Prometheus' data directory (once per data directory)`,
        simulatorMain.command,
        [...simulatorMain.args, ...backfillArgs({ days: backfillDays, scenario: historyScenario, users, seed, tsdb: dirs.tsdb, workDir: dirs.work, statusFile })],
        { env: simulatorEnv, keepsRunning: false },
      );
      backfill = {
        days: backfillDays,
        statusFile,
        finished: child.exited.then((exit) => ({ state: readState(statusFile) ?? 'failed', exit })),
      };
    }
    let live: Stack['live'];
    if (withLive) {
      const statusFile = join(dirs.status, 'simulator.json');
      rmSync(statusFile, { force: true });
      const liveScenario = scenarioPath(options.scenario, STACK_FILES.liveScenario);
      const child = start(
        'simulator',
        `simulator: live traffic of ${users.toLocaleString('en-US')} users, scenario ${liveScenario}`,
        simulatorMain.command,
        [...simulatorMain.args, ...liveArgs({ collectorUrl: urls.collector, scenario: liveScenario, users, seed, statusFile })],
        { env: simulatorEnv },
      );
      await waitHealthy(() => probeStatusFile(statusFile, 30_000), { what: 'simulator', timeoutMs: 60_000, abandon: whileRunning(child) });
      live = {
        statusFile,
        caughtUp: (timeoutMs = 120_000) =>
          waitHealthy(() => (readField(statusFile, 'caughtUp') ? undefined : 'still delivering the warm-up'), { what: 'simulator warm-up', timeoutMs, intervalMs: 250, abandon: whileRunning(child) }),
      };
    }

    let stopped: Promise<void> | undefined;
    return {
      dataDir,
      temporary,
      urls,
      ports,
      token,
      prometheusConfig,
      services,
      backfill,
      live,
      failed,
      pids: () => started.flatMap((child) => [child.watchdogPid, child.childPid()].filter((pid): pid is number => pid !== undefined)),
      processGroups: () => started.map((child) => child.watchdogPid),
      logs: (name) => started.find((child) => child.name === name)?.logs() ?? '',
      stop: () => (stopped ??= stopAll()),
    };
  } catch (error) {
    const logs = started.map((child) => `--- ${child.name}\n${tail(child.logs())}`).join('\n');
    await stopAll();
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function readStatus(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const readState = (file: string) => readStatus(file)?.state as string | undefined;
const readField = (file: string, field: string) => readStatus(file)?.[field];
