/**
 * Health probes of the stack's services, defined once: the native stack waits on them, and the
 * containers' health checks run the same functions through `healthcheck.ts` (bundled into the
 * services image). Each probe answers `undefined` when healthy, else why not.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';

/** An HTTP GET that must answer 200 (Prometheus /-/ready, the collector /readyz, Grafana /api/health). */
export function probeHttp(url: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `${url} answered HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve(`${url}: ${error.message}`));
  });
}

/** Redis answers PING with PONG (an inline command; no client library needed). */
export function probeRedis(host: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`redis ${host}:${port}: no answer within ${timeoutMs} ms`));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') ? undefined : `redis ${host}:${port} answered ${JSON.stringify(answer.trim())}`);
    });
    socket.on('error', (error) => done(`redis ${host}:${port}: ${error.message}`));
  });
}

/**
 * The simulator's --status-file (src/simulator/cli/status-file.ts): healthy while it is rewritten
 * (at least every 5 s; `maxAgeMs` allows for a busy event loop) and not `failed`. A finished run
 * (`done`, `skipped`) is healthy.
 */
export function probeStatusFile(file: string, maxAgeMs: number, now = Date.now()): string | undefined {
  let status: { state?: string; updatedMs?: number };
  try {
    status = JSON.parse(readFileSync(file, 'utf8')) as typeof status;
  } catch (error) {
    return `${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  if (status.state === 'failed') return `${file}: the run failed`;
  if (status.state === 'done' || status.state === 'skipped') return undefined;
  const age = now - (status.updatedMs ?? 0);
  return age <= maxAgeMs ? undefined : `${file}: not updated for ${Math.round(age / 1000)} s`;
}

export interface WaitOptions {
  /** what is awaited, for the message */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** stop waiting early with this reason (e.g. the process exited) */
  abandon?: () => string | undefined;
}

/** Polls `probe` until it answers undefined; rejects with the last reason after the timeout. */
export async function waitHealthy(probe: () => Promise<string | undefined> | string | undefined, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const abandoned = options.abandon?.();
    if (abandoned) throw new Error(`${options.what}: ${abandoned}`);
    const problem = await probe();
    if (problem === undefined) return;
    if (Date.now() >= deadline) throw new Error(`${options.what}: not healthy within ${Math.round(options.timeoutMs / 1000)} s (last: ${problem})`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
