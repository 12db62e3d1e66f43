import { writeSync } from 'node:fs';
import { handshakeLine, planStartup, StartupRefused } from './grafana/handshake';
import { createLogger, parseLogLevel, silenceLogging, type Logger } from './grafana/logger';
import { startGrpcServer } from './grafana/server';
import { dataService } from './grafana/services/data';
import { diagnosticsService } from './grafana/services/diagnostics';
import { controllerService, healthService } from './grafana/services/go-plugin';
import { resourceService } from './grafana/services/resource';
import { streamService } from './grafana/services/stream';
import { createBackendMetrics } from './metrics';
import { CacheRegistry } from './query/cache/registry';
import { BackendStopping } from './query/failure';
import { RateLimiter } from './query/limits';
import { processSecrets } from './security/secrets';
import { SourceRegistry } from './sources/resolve';

/**
 * Entry point of the executable Grafana starts (gpx_encore_<os>_<arch>).
 * Order matters: nothing may reach stdout before the handshake line, so every console method is
 * routed to the stderr logger first, and the handshake is written synchronously.
 */

/** How often to look for the death of Grafana (our parent): go-plugin does not tell us. */
const PARENT_POLL_MS = 1000;
/** go-plugin SIGKILLs 2 s after Shutdown; finish well before. */
const GRACEFUL_STOP_MS = 1500;
/**
 * Queries in flight when the stop begins get this long to finish; then they are cancelled (each
 * answers with an error saying the backend is stopping) so the answers still go out before exit.
 */
const IN_FLIGHT_GRACE_MS = 700;

async function main(): Promise<void> {
  // Every line goes through the secret redactor, whatever logs it (security/secrets.ts).
  const redact = <T>(value: T): T => processSecrets.redactDeep(value);
  const logger = createLogger({ level: parseLogLevel(process.env.ENCORE_LOG_LEVEL ?? process.env.GF_PLUGIN_LOG_LEVEL), redact });
  // The audit lines do not depend on the log level (Grafana's own level still filters them).
  const audit = /^(0|false|off|no)$/i.test(process.env.ENCORE_AUDIT_LOG ?? '') ? undefined : createLogger({ level: 'info', redact });
  routeConsoleToLogger(logger);

  let plan;
  try {
    plan = planStartup(process.env);
  } catch (error) {
    if (error instanceof StartupRefused) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const metrics = createBackendMetrics();
  const sources = new SourceRegistry(metrics);
  const caches = new CacheRegistry({ metrics: metrics.cache, logger });
  const shutdown = new AbortController();
  const deps = { sources, metrics, logger, caches, audit, rateLimiter: new RateLimiter(), secrets: processSecrets, shutdown: shutdown.signal };

  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { reason });
    const forced = setTimeout(() => process.exit(0), GRACEFUL_STOP_MS);
    forced.unref();
    // No new calls from here on (tryShutdown); the ones in flight finish or are cancelled.
    const cancel = setTimeout(
      () => shutdown.abort(new BackendStopping('the Encore backend is stopping (Grafana stopped or restarted the plugin) and cancelled this query; run it again')),
      IN_FLIGHT_GRACE_MS,
    );
    cancel.unref();
    void caches.close();
    running.server.tryShutdown(() => process.exit(0));
  };

  const running = await startGrpcServer(plan, {
    Data: dataService(deps),
    Diagnostics: diagnosticsService(deps),
    Resource: resourceService(deps),
    Stream: streamService(deps),
    Health: healthService(),
    GRPCController: controllerService(() => stop('shutdown requested by Grafana')),
  });

  writeSync(1, handshakeLine(plan, running.address));
  logger.info('Encore backend serving', {
    address: running.address,
    protocol: plan.appVersion,
    node: process.version,
    grafana: process.env.GF_VERSION,
  });

  // Go plugins ignore SIGINT (Ctrl-C in Grafana's terminal reaches the whole process group)
  // and leave on SIGTERM; Grafana stops us through Shutdown.
  process.on('SIGINT', () => logger.debug('SIGINT ignored; Grafana stops plugins through Shutdown'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop('Grafana (parent process) exited');
  }, PARENT_POLL_MS);
  watch.unref();

  // Grafana reads our stderr; when that pipe breaks, Grafana is gone and nobody can hear us.
  // Leave instead of logging about the broken pipe into the broken pipe (a busy loop).
  const leaveOnBrokenPipe = (error: NodeJS.ErrnoException): void => {
    silenceLogging();
    if (!stopping) stop(`output pipe closed (${error.code ?? error.message})`);
  };
  process.stderr.on('error', leaveOnBrokenPipe);
  process.stdout.on('error', leaveOnBrokenPipe);

  // Input must never take the process down: log what escaped and keep serving.
  process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') leaveOnBrokenPipe(error);
    else logger.error('uncaught exception', { error, stack: error.stack });
  });
  process.on('unhandledRejection', (error) => logger.error('unhandled rejection', { error }));
}

/** Libraries that print with console.* must not corrupt the go-plugin stdout channel. */
function routeConsoleToLogger(logger: Logger): void {
  const format = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
  /* eslint-disable no-console -- replacing console methods is the point here, not printing */
  console.log = (...args: unknown[]) => logger.info(format(args));
  console.info = (...args: unknown[]) => logger.info(format(args));
  console.debug = (...args: unknown[]) => logger.debug(format(args));
  console.warn = (...args: unknown[]) => logger.warn(format(args));
  console.error = (...args: unknown[]) => logger.error(format(args));
  /* eslint-enable no-console */
}

main().catch((error: unknown) => {
  process.stderr.write(`Encore backend failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
