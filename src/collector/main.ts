/**
 * The Encore collector: playback events in (POST /v1/events), Prometheus metrics out (/metrics).
 * `npm run collector -- --help` lists the flags; README and docs/events.md, docs/metrics.md describe
 * the API and the metrics.
 */
import { ConfigError, loadConfig, loadTokenFile, usage } from './config';
import { createLogger } from './log';
import { createCollector, INGEST_PATH } from './server';
import { handleSignals } from './shutdown';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${usage()}\n`);
    return;
  }
  let config;
  let tokenFile;
  try {
    config = loadConfig(argv, process.env);
    tokenFile = loadTokenFile(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const log = createLogger('info');
    log.error('bad configuration', { problems: error.problems });
    process.stderr.write('encore collector: bad configuration (see the problems above); --help lists the flags\n');
    process.exitCode = 2;
    return;
  }
  const log = createLogger(config.logLevel);
  if (tokenFile.created) log.info('created a token file with a new random token', { file: config.tokenFile });
  const collector = createCollector(config, log);
  handleSignals(collector, config.drainSeconds, log);
  let port: number;
  try {
    port = await collector.listen();
  } catch (error) {
    log.error('cannot listen', { host: config.host, port: config.port, error: (error as Error).message });
    process.exitCode = 1;
    return;
  }
  log.info('collector listening', {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    ingest: `POST ${INGEST_PATH}`,
    tokens: config.tokens.length,
    ...(config.tokenFile !== undefined ? { tokenFile: config.tokenFile } : {}),
    limits: { maxBodyBytes: config.maxBodyBytes, maxDecodedBytes: config.maxDecodedBytes, maxEvents: config.maxEvents },
    rules: { maxFutureMs: config.maxFutureMs, maxAgeMs: config.maxAgeMs, dedupeTtlMs: config.dedupeTtlMs, playTtlMs: config.playTtlMs },
    drainSeconds: config.drainSeconds,
    pid: process.pid,
    node: process.version,
  });
}

void main();
