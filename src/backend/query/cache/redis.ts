import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../grafana/logger';
import { isIpLiteral, isTlsCode, TLS_TRUST_CODES } from '../../security/tls';
import type { RedisConfig, RedisTls } from './config';

/**
 * The shared tier of the results cache: one Redis, or a Redis Cluster, through ioredis.
 * It must never fail or slow down a query: commands are not queued while disconnected (they fail
 * at once and the caller goes on from memory), each has a short timeout, and after a failure
 * Redis is left alone for a few seconds instead of costing every query the timeout again.
 * ioredis keeps reconnecting in the background; when Redis is back it is used again. With Sentinels
 * the master is asked of them on every (re)connection, so after a failover the connection goes to
 * the promoted replica.
 */

/** Where and how to connect, as the settings give it (config.ts), plus the store's own knobs. */
export interface RedisStoreOptions extends Pick<RedisConfig, 'nodes' | 'cluster' | 'tls' | 'sentinel' | 'username' | 'password' | 'db'> {
  logger: Logger;
  /** per command (default 250 ms) */
  commandTimeoutMs?: number;
  /** how long to leave Redis alone after a failed command (default 5 s) */
  pauseMs?: number;
}

export type RedisState = 'connecting' | 'ready' | 'down' | 'paused' | 'closed';

export interface RedisHealth {
  state: RedisState;
  /** the address(es) as configured */
  address: string;
  lastError?: string;
  /** with Sentinels: the master they named, once connected */
  master?: string;
}

export interface RedisWrite {
  name: string;
  value: Buffer;
  ttlMs: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 250;
const DEFAULT_PAUSE_MS = 5_000;
const CONNECT_TIMEOUT_MS = 2_000;
const RESTART_AFTER_END_MS = 1_000;
/** Reconnect backoff: quick at first, then every 2 s. */
const retryDelay = (attempt: number): number => Math.min(100 * attempt, 2_000);

export class RedisStore {
  private readonly client: Redis | Cluster;
  private readonly timeoutMs: number;
  private readonly pauseMs: number;
  private pausedUntil = 0;
  private lastError: string | undefined;
  private wasReady = false;
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly createdAt = Date.now();
  private readonly firstReady: Promise<void>;
  readonly address: string;

  constructor(private readonly options: RedisStoreOptions) {
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.pauseMs = options.pauseMs ?? DEFAULT_PAUSE_MS;
    const nodes = options.nodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`)).join(',');
    this.address = options.sentinel ? `master "${options.sentinel.name}" via Sentinel ${nodes}` : nodes;
    const tls = options.tls && tlsOptions(options.tls, options.cluster || options.sentinel ? undefined : options.nodes[0]?.host);
    const common = {
      username: options.username || undefined,
      password: options.password || undefined,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: this.timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      ...(tls ? { tls } : {}),
    };
    if (options.cluster) {
      this.client = new Cluster(
        options.nodes.map((n) => ({ host: n.host, port: n.port })),
        {
          redisOptions: common,
          enableOfflineQueue: false,
          clusterRetryStrategy: retryDelay,
          slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
        },
      );
    } else if (options.sentinel) {
      this.client = new Redis({
        ...common,
        sentinels: options.nodes.map((n) => ({ host: n.host, port: n.port })),
        name: options.sentinel.name,
        role: 'master',
        sentinelPassword: options.sentinel.password || undefined,
        // Sentinels of a TLS deployment speak TLS too (tls-port in sentinel.conf).
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
        sentinelCommandTimeout: CONNECT_TIMEOUT_MS,
        // Back to the Sentinels quickly after a lost master. (ioredis' failoverDetector is left
        // off: a failover it notices while reconnecting ends the client for good, and its
        // Sentinel connections log every error of an unreachable Sentinel.) A master demoted by
        // a failover answers writes with READONLY: reconnect, and the Sentinels name the new one.
        sentinelRetryStrategy: retryDelay,
        reconnectOnError: (error: Error) => /^READONLY/.test(error.message),
        db: options.db,
        retryStrategy: retryDelay,
      });
    } else {
      const node = options.nodes[0]!;
      this.client = new Redis({ ...common, host: node.host, port: node.port, db: options.db, retryStrategy: retryDelay });
    }
    this.firstReady = new Promise((resolve) => this.client.once('ready', () => resolve()));
    this.client.on('ready', () => {
      this.pausedUntil = 0;
      if (!this.wasReady) options.logger.info('cache: Redis connected', { address: this.address });
      this.wasReady = true;
    });
    this.client.on('error', (error: Error) => this.noteError(error));
    // Should ioredis ever give the connection up for good (status "end"), this store does not
    // while it is in use: it connects again a moment later.
    this.client.on('end', () => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        if (!this.closed && this.client.status === 'end') this.client.connect().catch(() => {});
      }, RESTART_AFTER_END_MS);
      timer.unref();
    });
    this.client.on('close', () => {
      if (this.wasReady && !this.closed) {
        options.logger.warn('cache: Redis connection lost; using the in-process cache until it is back', { address: this.address, error: this.lastError });
      }
      this.wasReady = false;
    });
  }

  private noteError(error: Error): void {
    const message = describeRedisError(error, this.options);
    if (message !== this.lastError) this.options.logger.debug('cache: Redis error', { address: this.address, error: message });
    this.lastError = message;
  }

  private failed(error: unknown): void {
    this.noteError(error instanceof Error ? error : new Error(String(error)));
    if (this.pausedUntil <= Date.now()) {
      this.options.logger.warn('cache: Redis command failed; leaving Redis alone for a moment', { address: this.address, error: this.lastError, pauseMs: this.pauseMs });
    }
    this.pausedUntil = Date.now() + this.pauseMs;
  }

  /** Whether a command would be sent now. */
  get available(): boolean {
    return !this.closed && this.client.status === 'ready' && Date.now() >= this.pausedUntil;
  }

  health(): RedisHealth {
    const base = { address: this.address, ...(this.lastError ? { lastError: this.lastError } : {}) };
    if (this.closed) return { state: 'closed', ...base };
    if (this.client.status === 'ready') return { state: Date.now() < this.pausedUntil ? 'paused' : 'ready', ...base, ...this.masterAddress() };
    return { state: this.wasReady || this.lastError ? 'down' : 'connecting', ...base };
  }

  /** With Sentinels: where the connection went (the master they named). */
  private masterAddress(): { master?: string } {
    if (!this.options.sentinel || this.client instanceof Cluster) return {};
    const stream = (this.client as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
    return stream?.remoteAddress ? { master: `${stream.remoteAddress}:${stream.remotePort}` } : {};
  }

  /**
   * Right after the store is made (the data source's first query) the connection is still being
   * set up: wait for it, at most one command timeout, rather than miss on every first query.
   */
  private async settledConnection(waitMs = this.timeoutMs): Promise<void> {
    const left = this.createdAt + waitMs - Date.now();
    if (this.wasReady || this.closed || left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstReady, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
  }

  /** The values (null where absent), or undefined when Redis is unavailable or failed. */
  async getMany(names: string[]): Promise<Array<Buffer | null> | undefined> {
    if (names.length === 0) return undefined;
    await this.settledConnection();
    if (!this.available) return undefined;
    try {
      return await this.client.mgetBuffer(...names);
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** Writes in the background; a failure only pauses Redis. */
  setMany(writes: RedisWrite[]): void {
    if (writes.length === 0 || !this.available) return;
    const pipeline = this.client.pipeline();
    for (const w of writes) pipeline.set(w.name, w.value, 'PX', Math.max(1, Math.round(w.ttlMs)));
    const done = pipeline
      .exec()
      .then((results) => {
        const failure = results?.find(([error]) => error)?.[0];
        if (failure) this.failed(failure);
      })
      .catch((error: unknown) => this.failed(error))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Waits for the background writes started so far (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** A PING with a deadline, for the health check (which may come right after the store was made: it waits for the first connection). */
  async ping(timeoutMs = 1_000): Promise<{ ok: boolean; latencyMs?: number; error?: string }> {
    if (this.closed) return { ok: false, error: 'closed' };
    await this.settledConnection(CONNECT_TIMEOUT_MS);
    if (this.client.status !== 'ready') return { ok: false, error: this.lastError ?? `not connected (${this.client.status})` };
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.ping(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    } catch (error) {
      this.failed(error);
      return { ok: false, error: this.lastError };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush().catch(() => {});
    this.client.disconnect();
  }
}

/**
 * Node's TLS options for ioredis. The server certificate is verified (against the configured CA or
 * the system roots) unless skip-verify was set explicitly. SNI goes out for host names only (an IP
 * address must not be sent as a server name; the certificate is then checked for the IP).
 */
function tlsOptions(tls: RedisTls, host: string | undefined): ConnectionOptions {
  const serverName = tls.serverName ?? (host !== undefined && !isIpLiteral(host) ? host : undefined);
  return {
    rejectUnauthorized: !tls.skipVerify,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    ...(serverName ? { servername: serverName } : {}),
  };
}

/** An ioredis / socket error in words an admin can act on: TLS problems name the setting to change. */
export function describeRedisError(error: Error, options: Pick<RedisStoreOptions, 'tls'>): string {
  const raw = (error as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  const text = error.message || String(error);
  if (!code || !isTlsCode(code)) {
    if (options.tls && /ECONNRESET|socket hang up|Connection is closed/i.test(`${code} ${text}`)) {
      return `${text}; the server closed the TLS connection: does it listen with TLS on that port (tls-port), and does it require a client certificate (cacheRedisTlsAuth)?`;
    }
    if (options.tls && /ETIMEDOUT/.test(`${code} ${text}`)) {
      return `${text}; the TLS handshake did not complete: is that Redis' tls-port (a plaintext port never answers a TLS client)?`;
    }
    if (!options.tls && /ECONNRESET|Connection is closed/i.test(`${code} ${text}`)) {
      return `${text}; if this Redis port expects TLS, turn on cacheRedisTls (or write rediss://)`;
    }
    return text;
  }
  const prefix = `TLS to Redis failed (${code})`;
  if (TLS_TRUST_CODES.has(code)) {
    return `${prefix}: the server's certificate is not signed by a trusted CA; set the CA that signed it (cacheRedisTlsWithCACert and secureJsonData.cacheRedisTlsCACert)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${prefix}: the server's certificate is not valid for this host name; connect with a name the certificate names, or set cacheRedisTlsServerName`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `${prefix}: the server's certificate has expired`;
  if (code === 'CERT_NOT_YET_VALID') return `${prefix}: the server's certificate is not valid yet; check the clocks`;
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(code) || /wrong version number|packet length too long/i.test(text)) {
    return `${prefix}: the server does not speak TLS on that port; turn cacheRedisTls off or use its tls-port`;
  }
  if (/CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE/.test(code) || /certificate required|unknown ca|bad certificate/i.test(text)) {
    return `${prefix}: the server refused the handshake; it may require a client certificate (cacheRedisTlsAuth) signed by a CA it trusts`;
  }
  return `${prefix}: ${text}`;
}
