import type { PluginContext } from '../grafana/context';

/**
 * Secrets never leave the backend: not on stderr, not in frames, errors, resource bodies or health
 * details. The code is written not to put them there (messages name the configured URL, never a
 * credential); this redactor is the net under it, for text Encore does not control, such as an
 * upstream's error page that echoes the Authorization header back.
 *
 * Every secret value Grafana hands the backend is remembered per data source: all of
 * secureJsonData (passwords, tokens, header values, TLS keys, the Redis password), the basic
 * auth credential as it travels (base64 of user:password), and the secret-looking keys of the
 * request-scoped Grafana config. Before text leaves the process, each occurrence becomes
 * "[redacted]". Values shorter than MIN_SECRET_LENGTH are not searched for: they would match
 * ordinary words, and no usable credential is that short.
 */

export const REDACTED = '[redacted]';
export const MIN_SECRET_LENGTH = 4;
const MAX_SCOPES = 1000;
/** Grafana config keys whose values are credentials (GF_PLUGIN_APP_CLIENT_SECRET, secure-socks-proxy keys). */
const SECRET_CONFIG_KEY = /SECRET|PASSWORD|TOKEN|(?:^|_)KEY(?:_|$)|PRIVATE/i;

export class SecretRedactor {
  /** scope (data source uid@version) -> the values to search for */
  private readonly scopes = new Map<string, string[]>();
  /** every value, longest first (so a secret containing another is replaced whole) */
  private all: string[] = [];
  private version = 0;
  /**
   * Frozen contexts (shared between requests, grafana/context.ts) observed, with the version then:
   * while nothing has changed since, their secrets are known without looking again.
   */
  private readonly observedAt = new WeakMap<PluginContext, number>();

  /** Remembers the secrets of a request's plugin context. Cheap when they are already known. */
  observe(ctx: PluginContext): void {
    if (this.observedAt.get(ctx) === this.version) return;
    const ds = ctx.dataSource;
    const values: string[] = [];
    if (ds) {
      for (const value of Object.values(ds.secureJsonData)) values.push(value, value.trim());
      const password = ds.secureJsonData.basicAuthPassword;
      if (password) values.push(Buffer.from(`${ds.basicAuthUser.trim()}:${password}`, 'utf8').toString('base64'));
    }
    for (const [key, value] of Object.entries(ctx.grafanaConfig)) if (SECRET_CONFIG_KEY.test(key)) values.push(value);
    const scope = ds ? `${ds.uid}@${ds.lastUpdatedMS}` : '(no data source)';
    this.remember(scope, values);
    if (Object.isFrozen(ctx)) this.observedAt.set(ctx, this.version);
  }

  remember(scope: string, values: Iterable<string>): void {
    const kept = [...new Set([...values].filter((v) => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH))];
    const known = this.scopes.get(scope);
    if (known && known.length === kept.length && known.every((v, i) => v === kept[i])) return;
    this.scopes.delete(scope);
    if (kept.length > 0) this.scopes.set(scope, kept);
    // Old settings versions stay for a while (answers to them may still be in flight); the map is bounded.
    while (this.scopes.size > MAX_SCOPES) this.scopes.delete(this.scopes.keys().next().value!);
    this.all = [...new Set([...this.scopes.values()].flat())].sort((a, b) => b.length - a.length);
    this.version++;
  }

  /** Changes whenever the set of secrets does: a text found clean stays clean until then. */
  get generation(): number {
    return this.version;
  }

  get empty(): boolean {
    return this.all.length === 0;
  }

  /** The text with every known secret replaced. */
  redact(text: string): string {
    if (this.all.length === 0 || text.length < MIN_SECRET_LENGTH) return text;
    let out = text;
    for (const secret of this.all) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** Whether the text holds a known secret. */
  contains(text: string): boolean {
    return this.all.some((secret) => text.includes(secret));
  }

  /** A copy of a JSON-like value with every string redacted (objects, arrays; depth-bounded). */
  redactDeep<T>(value: T, depth = 0): T {
    if (this.all.length === 0) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (depth > 20 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v: unknown) => this.redactDeep(v, depth + 1)) as T;
    if (value instanceof Error) return this.redact(value.message) as T;
    if (ArrayBuffer.isView(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[this.redact(key)] = this.redactDeep(v, depth + 1);
    return out as T;
  }
}

/** One per process: the logger, the services and the frame encoder share what they have seen. */
export const processSecrets = new SecretRedactor();
