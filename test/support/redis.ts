/**
 * A real Redis for tests: the Debian `redis-server` on a free 127.0.0.1 port, in a temp dir, no
 * persistence, under the stack's watchdog (src/stack/supervise.ts) so it dies with the test
 * process however that ends. `kill()` takes it down hard (a crash, as far as clients can tell) and
 * `restart()` brings it back on the same port, for the cache's fall-back tests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { probeRedis } from '../../src/stack/health';
import { findFreePort, portIsFree } from '../../src/stack/ports';
import { supervise, type Supervised } from '../../src/stack/supervise';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;

export interface RedisFixture {
  port: number;
  /** host:port, as the data source's cacheRedisAddress takes it */
  address: string;
  version: string;
  /** the password clients must send (requirepass), when started with one */
  password?: string;
  logs(): string;
  /** SIGKILL: connections drop at once, nothing is flushed */
  kill(): Promise<void>;
  /** starts it again on the same port (empty: it keeps nothing) */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function redisVersion(): Promise<string> {
  try {
    const { stdout } = await run('redis-server', ['--version']);
    return /v=(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
  } catch (error) {
    throw new Error(`redis-server is not runnable (${(error as Error).message}); install the Debian package "redis-server" (npm run system-deps does)`, {
      cause: error,
    });
  }
}

export async function startRedis(options: { password?: string } = {}): Promise<RedisFixture> {
  const version = await redisVersion();
  const dir = mkdtempSync(join(tmpdir(), 'encore-redis-'));
  const port = await findFreePort();
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--loglevel', 'warning',
    ...(options.password ? ['--requirepass', options.password] : []),
  ];
  let proc: Supervised | undefined;
  const launch = async () => {
    proc = supervise({ name: 'redis', command: 'redis-server', args, removeOnOrphan: dir, unref: true, graceMs: 3_000 });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last: string | undefined = 'not started';
    while (Date.now() < deadline) {
      if (!proc.running()) throw new Error(`redis-server exited during startup:\n${proc.logs()}`);
      last = await probeRedis('127.0.0.1', port, 1_000);
      // With requirepass, an unauthenticated PING is answered with NOAUTH: it is up.
      if (last === undefined || /NOAUTH/.test(last)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on port ${port} not ready within ${READY_TIMEOUT_MS / 1000} s (${last}):\n${proc.logs()}`);
  };
  try {
    await launch();
  } catch (error) {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  return {
    port,
    address: `127.0.0.1:${port}`,
    version,
    password: options.password,
    logs: () => proc?.logs() ?? '',
    async kill() {
      proc?.kill();
      await proc?.exited;
    },
    async restart() {
      if (proc?.running()) await proc.stop();
      for (let i = 0; i < 50 && !(await portIsFree(port)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await launch();
    },
    async stop() {
      await proc?.stop();
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
