/**
 * The health checks of the stack's Node containers (docker-compose.yml), bundled into the services
 * image as /app/healthcheck.mjs; the probes are the ones the native stack waits on (health.ts).
 *
 *   node healthcheck.mjs http URL                 200 from URL (the collector's /readyz)
 *   node healthcheck.mjs status FILE MAX_AGE_S    the simulator's --status-file is fresh and not failed
 *
 * Exit 0 healthy, 1 unhealthy (the reason on stderr), 2 bad usage.
 */
import { probeHttp, probeStatusFile } from './health';

async function main(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  let problem: string | undefined;
  if (kind === 'http' && rest.length === 1) problem = await probeHttp(rest[0]!);
  else if (kind === 'status' && rest.length === 2 && Number(rest[1]) > 0) problem = probeStatusFile(rest[0]!, Number(rest[1]) * 1000);
  else {
    process.stderr.write('usage: healthcheck http URL | healthcheck status FILE MAX_AGE_SECONDS\n');
    return 2;
  }
  if (problem === undefined) return 0;
  process.stderr.write(`unhealthy: ${problem}\n`);
  return 1;
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
