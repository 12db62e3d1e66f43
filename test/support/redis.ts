/**
 * A real Redis for tests: the Debian `redis-server` on a free 127.0.0.1 port, in a temp dir, no
 * persistence, under the stack's watchdog (src/stack/supervise.ts) so it dies with the test
 * process however that ends. `kill()` takes it down hard (a crash, as far as clients can tell) and
 * `restart()` brings it back on the same port, for the cache's fall-back tests. With `tls` it also
 * listens with TLS on a second port (certificates made by openssl for the run, test/support/tls-certs.ts);
 * the plaintext port stays for readiness probes and the tests' own inspection. `startRedisCluster()`
 * makes a small Redis Cluster with `redis-cli --cluster create`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { probeRedis } from '../../src/stack/health';
import { findFreePort, portIsFree } from '../../src/stack/ports';
import { supervise, type Supervised } from '../../src/stack/supervise';
import { makeTestCertificates, type FixtureTls } from './tls-certs';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;

export interface RedisFixture {
  port: number;
  /** host:port, as the data source's cacheRedisAddress takes it */
  address: string;
  version: string;
  /** the password clients must send (requirepass), when started with one */
  password?: string;
  /** started with `tls`: the TLS port, as cacheRedisAddress takes it (127.0.0.1:<port>), and the PEM material */
  tls?: { port: number; address: string; certs: FixtureTls };
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

function serverArgs(port: number, dir: string, extra: string[]): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...extra];
}

/** redis-server under the watchdog, once it answers PING. */
async function launchServer(port: number, dir: string, args: string[]): Promise<Supervised> {
  const proc = supervise({ name: 'redis', command: 'redis-server', args, removeOnOrphan: dir, unref: true, graceMs: 3_000 });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: string | undefined = 'not started';
  while (Date.now() < deadline) {
    if (!proc.running()) throw new Error(`redis-server exited during startup:\n${proc.logs()}`);
    last = await probeRedis('127.0.0.1', port, 1_000);
    // With requirepass, an unauthenticated PING is answered with NOAUTH: it is up.
    if (last === undefined || /NOAUTH/.test(last)) return proc;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await proc.stop();
  throw new Error(`redis-server on port ${port} not ready within ${READY_TIMEOUT_MS / 1000} s (${last}):\n${proc.logs()}`);
}

export interface RedisOptions {
  password?: string;
  /** also listen with TLS; `clientCert`: require a client certificate signed by the test CA (Redis' default) */
  tls?: { clientCert: boolean };
  /** more redis-server arguments */
  args?: string[];
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisFixture> {
  const version = await redisVersion();
  const dir = mkdtempSync(join(tmpdir(), 'encore-redis-'));
  const port = await findFreePort();
  const extra = [...(options.password ? ['--requirepass', options.password] : []), ...(options.args ?? [])];
  let tls: RedisFixture['tls'];
  if (options.tls) {
    const { files, tls: certs } = await makeTestCertificates(dir);
    const tlsPort = await findFreePort();
    extra.push('--tls-port', String(tlsPort), '--tls-cert-file', files.serverCert, '--tls-key-file', files.serverKey, '--tls-ca-cert-file', files.ca);
    extra.push('--tls-auth-clients', options.tls.clientCert ? 'yes' : 'no');
    tls = { port: tlsPort, address: `127.0.0.1:${tlsPort}`, certs };
  }
  const args = serverArgs(port, dir, extra);
  let proc: Supervised | undefined;
  const launch = async () => {
    proc = await launchServer(port, dir, args);
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
    ...(tls ? { tls } : {}),
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

export interface RedisClusterFixture {
  /** the nodes as the data source's cacheRedisAddress lists them: host:port, ... */
  address: string;
  ports: number[];
  stop(): Promise<void>;
}

/** A Redis Cluster of `masters` nodes (no replicas), all 16384 slots assigned, state ok. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterFixture> {
  await redisVersion();
  const dir = mkdtempSync(join(tmpdir(), 'encore-redis-cluster-'));
  const procs: Supervised[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await findFreePort();
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      ports.push(port);
      procs.push(await launchServer(port, nodeDir, serverArgs(port, nodeDir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])));
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (/cluster_state:ok/.test(stdout)) break;
        if (Date.now() > deadline) throw new Error(`Redis Cluster node ${port} not ok within ${READY_TIMEOUT_MS / 1000} s:\n${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return { address: nodes.join(', '), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const SENTINEL_MASTER_NAME = 'encore-master';

export interface RedisSentinelFixture {
  /** the Sentinels as cacheRedisAddress lists them (with cacheRedisSentinelMaster) */
  address: string;
  sentinelPorts: number[];
  masterName: string;
  /** the master Redis at the start, and its replica */
  master: RedisFixture;
  replica: RedisFixture;
  /** what the Sentinels say now: host:port of the master */
  currentMaster(): Promise<string>;
  /** until the Sentinels know the replica (they learn it from the master's INFO) */
  replicaKnown(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A master, one replica of it and `sentinels` Sentinels (`redis-server <conf> --sentinel`, the same
 * binary) watching it with quorum 1, quick to declare the master down (1 s) and to fail over.
 */
export async function startRedisSentinel(sentinels = 2): Promise<RedisSentinelFixture> {
  await redisVersion();
  const master = await startRedis();
  const stopAll: Array<() => Promise<unknown>> = [() => master.stop()];
  const dir = mkdtempSync(join(tmpdir(), 'encore-redis-sentinel-'));
  const stop = async () => {
    await Promise.all(stopAll.map((s) => s()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port), '--replica-announce-ip', '127.0.0.1'] });
    stopAll.push(() => replica.stop());
    const ports: number[] = [];
    for (let i = 0; i < sentinels; i++) {
      const port = await findFreePort();
      const sentinelDir = join(dir, String(port));
      mkdirSync(sentinelDir);
      // Sentinel rewrites its config file with what it learns: it must be its own, writable.
      const conf = join(sentinelDir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${sentinelDir}`,
          'sentinel announce-ip 127.0.0.1',
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} 1`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 2000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      const proc = supervise({ name: 'redis-sentinel', command: 'redis-server', args: [conf, '--sentinel', '--loglevel', 'warning'], removeOnOrphan: sentinelDir, unref: true, graceMs: 3_000 });
      stopAll.push(() => proc.stop());
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        if (!proc.running()) throw new Error(`redis-server --sentinel exited during startup:\n${proc.logs()}`);
        if ((await probeRedis('127.0.0.1', port, 1_000)) === undefined) break;
        if (Date.now() > deadline) throw new Error(`Sentinel on port ${port} not ready within ${READY_TIMEOUT_MS / 1000} s:\n${proc.logs()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      ports.push(port);
    }
    const ask = async (...command: string[]) => (await run('redis-cli', ['-p', String(ports[0]), ...command])).stdout.trim();
    return {
      address: ports.map((port) => `127.0.0.1:${port}`).join(', '),
      sentinelPorts: ports,
      masterName: SENTINEL_MASTER_NAME,
      master,
      replica,
      async currentMaster() {
        const [host, port] = (await ask('sentinel', 'get-master-addr-by-name', SENTINEL_MASTER_NAME)).split('\n');
        return `${host}:${port}`;
      },
      async replicaKnown() {
        const deadline = Date.now() + READY_TIMEOUT_MS;
        while (!(await ask('sentinel', 'replicas', SENTINEL_MASTER_NAME)).includes(String(replica.port))) {
          if (Date.now() > deadline) throw new Error(`the Sentinels did not learn of the replica on ${replica.port} within ${READY_TIMEOUT_MS / 1000} s`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
