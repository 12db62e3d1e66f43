/**
 * `npm run stack`: the compose stack without Docker (all but Grafana), on loopback ports, from the
 * same configuration files. `--help` lists the options; docs/stack.md explains the design.
 */
import { parseArgs } from 'node:util';
import { BACKFILL_DAYS, SERVICE_PORTS, SIMULATOR_DEFAULTS, STACK_FILES } from './services';
import { startStack, type ServiceName, type Stack } from './stack';

const USAGE = `Usage: npm run stack -- [options]

Starts Prometheus and Redis (from the PATH), the collector and the simulator on 127.0.0.1, with the
configuration files docker-compose.yml uses (${STACK_FILES.prometheusConfig}, ${STACK_FILES.redisConfig},
provisioning/simulator/*.json). Ctrl-C stops everything.

  --prometheus-port N    default ${SERVICE_PORTS.prometheus} (0: any free port)
  --collector-port N     default ${SERVICE_PORTS.collector}
  --redis-port N         default ${SERVICE_PORTS.redis}
  --no-redis             do not start Redis
  --data-dir DIR         keep the data (Prometheus TSDB, token, logs) in DIR; default: a temporary
                         directory, removed on stop. A DIR is backfilled once.
  --backfill-days N      days of history loaded into Prometheus meanwhile (default ${BACKFILL_DAYS.native}; 0: none;
                         fractions allowed, e.g. 0.25 for six hours)
  --scenario NAME|FILE   incidents of the live traffic (default ${STACK_FILES.liveScenario})
  --history-scenario NAME|FILE   incidents of the history (default ${STACK_FILES.historyScenario})
  --no-live              no live traffic (history only)
  --users N              population of history and live traffic (default ${SIMULATOR_DEFAULTS.users})
  --seed N               default ${SIMULATOR_DEFAULTS.seed}
  --token T              the collector's bearer token (default: a random one, in DATA_DIR/collector-token)
  --verbose              print every service's log lines (default: the simulator's and problems)
  --help`;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function describe(stack: Stack): string[] {
  const lines = [`Encore stack (native) is up. Data: ${stack.dataDir}${stack.temporary ? ' (temporary: removed on stop)' : ''}`];
  for (const service of stack.services) {
    lines.push(`  ${service.name.padEnd(10)} ${(service.url ?? '').padEnd(24)} pid ${String(service.pid() ?? '?').padEnd(8)} ${service.description}`);
  }
  lines.push(`  collector token: ${stack.temporary ? stack.token : `in ${stack.dataDir}/collector-token`}`);
  lines.push(`  logs: ${stack.dataDir}/logs/<service>.log`);
  // Nothing the native stack starts reads the ENCORE_* variables of provisioning/datasources (in
  // compose only Grafana does): they are printed for a Grafana of one's own.
  lines.push(`No Grafana runs natively: point an Encore data source (sourceKind prometheus) at ${stack.urls.prometheus},`);
  const redis = stack.ports.redis !== undefined ? ` ENCORE_REDIS_ADDRESS=127.0.0.1:${stack.ports.redis}` : '';
  lines.push(`or start a Grafana with provisioning/ and ENCORE_PROMETHEUS_URL=${stack.urls.prometheus}${redis} ENCORE_CACHE_KEY=<16+ characters> in its environment.`);
  lines.push('Ctrl-C stops everything.');
  return lines;
}

/** The lines worth showing without --verbose: the simulators' progress, and problems from the others. */
function interesting(service: ServiceName, line: string): boolean {
  if (service === 'simulator' || service === 'backfill') return true;
  return /level=(warn|error)|"level":"(warn|error)"|# (Warning|WARNING)|FATAL|panic/i.test(line);
}

async function main(): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: {
        'prometheus-port': { type: 'string' },
        'collector-port': { type: 'string' },
        'redis-port': { type: 'string' },
        'no-redis': { type: 'boolean' },
        'data-dir': { type: 'string' },
        'backfill-days': { type: 'string' },
        scenario: { type: 'string' },
        'history-scenario': { type: 'string' },
        'no-live': { type: 'boolean' },
        users: { type: 'string' },
        seed: { type: 'string' },
        token: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    process.stderr.write(`encore stack: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  let backfillDays: number | undefined;
  let ports: { prometheus?: number; collector?: number; redis?: number };
  let users: number | undefined;
  let seed: number | undefined;
  try {
    ports = {
      prometheus: integer('prometheus-port', str('prometheus-port'), 0, 65535),
      collector: integer('collector-port', str('collector-port'), 0, 65535),
      redis: integer('redis-port', str('redis-port'), 0, 65535),
    };
    users = integer('users', str('users'), 1000, 100_000_000);
    seed = integer('seed', str('seed'), 0, 2 ** 32 - 1);
    const days = str('backfill-days');
    if (days !== undefined) {
      backfillDays = Number(days);
      if (!Number.isFinite(backfillDays) || !(backfillDays === 0 || (backfillDays >= 1 / 24 && backfillDays <= 400))) {
        throw new Error(`--backfill-days: expected 0, or days from 0.042 (an hour) to 400, got ${JSON.stringify(days)}`);
      }
    }
  } catch (error) {
    process.stderr.write(`encore stack: ${(error as Error).message}\n`);
    return 2;
  }

  const verbose = values.verbose === true;
  let stopping = false;
  say('Starting the Encore stack (native): Prometheus, Redis, the collector, the simulator …');
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir: str('data-dir'),
      ports,
      backfillDays,
      scenario: str('scenario'),
      historyScenario: str('history-scenario'),
      live: values['no-live'] !== true,
      redis: values['no-redis'] !== true,
      users,
      seed,
      token: str('token'),
      onLog: (service, line) => {
        // while stopping, only the simulators' last words: the others announce their SIGTERM
        if (verbose || (interesting(service, line) && !(stopping && service !== 'simulator' && service !== 'backfill'))) say(`[${service}] ${line}`);
      },
    });
  } catch (error) {
    process.stderr.write(`encore stack: could not start: ${(error as Error).message}\n`);
    return 1;
  }
  for (const line of describe(stack)) say(line);
  if (stack.backfill) {
    void stack.backfill.finished.then(({ state, exit }) => {
      if (state === 'done') say(`History loaded: Prometheus shows it within a minute (${stack.backfill!.days} day(s)).`);
      else if (state === 'skipped') say('History: this data directory already holds a backfill.');
      else say(`The backfill failed (${exit.signal ?? `exit ${exit.code}`}); see ${stack.dataDir}/logs/backfill.log`);
    });
  }

  return new Promise<number>((resolve) => {
    let signals = 0;
    const finish = async (why: string, code: number) => {
      stopping = true;
      say(`${why}: stopping …`);
      await stack.stop();
      say(stack.temporary ? 'Stopped; the temporary data directory is removed.' : `Stopped; data kept in ${stack.dataDir}.`);
      resolve(code);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        say('Second signal: killing the services now.');
        process.exit(130);
      }
      void finish(signal, 0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void stack.failed.then((message) => {
      process.stderr.write(`encore stack: ${message}\n`);
      void finish('a service failed', 1);
    });
  });
}

void main().then((code) => process.exit(code));
