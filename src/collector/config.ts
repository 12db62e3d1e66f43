import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LABELLED_CURRENCIES } from '../common/events/vocabulary';
import { REFERENCE_USD_RATES } from '../common/exchange-rates';
import { isLogLevel, type LogLevel } from './log';

/**
 * Collector settings from CLI flags and environment variables (a flag wins over its variable).
 * Every bad value is reported at once with the flag/variable name and what was expected, so a
 * deployment fails fast at start-up rather than misbehaving later.
 */
export interface CollectorConfig {
  host: string;
  port: number;
  /** bearer tokens that may post events */
  tokens: string[];
  /** more tokens, one a line, read at start by loadTokenFile() */
  tokenFile?: string;
  /** with tokenFile: create it with a new random token when it does not exist */
  createTokenFile: boolean;
  /** largest request body as received (compressed or not) */
  maxBodyBytes: number;
  /** largest body after gzip decoding (the gzip bomb guard) */
  maxDecodedBytes: number;
  /** most events in one batch */
  maxEvents: number;
  /** how long /metrics keeps being served after SIGTERM, for the final scrape */
  drainSeconds: number;
  /** events further ahead of the collector clock are rejected */
  maxFutureMs: number;
  /** events older than this are rejected (late data belongs to a backfill, not to live counters) */
  maxAgeMs: number;
  /** duplicate event ids are remembered at least this long (and at most twice) */
  dedupeTtlMs: number;
  /** ids per dedupe generation (memory bound; 2 generations) */
  dedupeMaxIds: number;
  /** started play ids are remembered at least this long */
  playTtlMs: number;
  /** play ids per generation (memory bound; 2 generations) */
  playMaxIds: number;
  /** window of encore_active_users */
  activeWindowMs: number;
  /** US dollars per unit, per labelled currency: exported as encore_exchange_rate_usd */
  exchangeRates: Record<string, number>;
  logLevel: LogLevel;
}

const MiB = 1024 * 1024;
const HOUR = 3_600_000;

export const DEFAULTS = {
  host: '0.0.0.0',
  port: 9464,
  maxBodyBytes: 5 * MiB,
  maxDecodedBytes: 20 * MiB,
  maxEvents: 10_000,
  drainSeconds: 15,
  maxFutureMs: 5 * 60_000,
  maxAgeMs: 24 * HOUR,
  // The dedupe window covers the age bound plus the future skew: a duplicate that arrives after it
  // has expired would be older than maxAgeMs and be rejected as too old anyway.
  dedupeTtlMs: 24 * HOUR + 5 * 60_000,
  dedupeMaxIds: 1_000_000,
  playTtlMs: 12 * HOUR,
  playMaxIds: 500_000,
  activeWindowMs: 24 * HOUR,
  logLevel: 'info' as LogLevel,
} as const;

interface Option {
  flag: string;
  env: string;
  help: string;
  apply(config: CollectorConfig, value: string, name: string): string | undefined;
}

function integer(min: number, max: number, set: (config: CollectorConfig, value: number) => void, scale = 1) {
  return (config: CollectorConfig, value: string, name: string): string | undefined => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (scale === 1 && !Number.isInteger(n)) || n < min || n > max) {
      return `${name}: expected ${scale === 1 ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(value)}`;
    }
    set(config, Math.round(n * scale));
    return undefined;
  };
}

export const OPTIONS: Option[] = [
  {
    flag: 'host',
    env: 'ENCORE_COLLECTOR_HOST',
    help: `address to listen on (default ${DEFAULTS.host})`,
    apply: (c, v, name) => (v.trim() === '' ? `${name}: expected a host or IP address, got an empty string` : void (c.host = v.trim())),
  },
  { flag: 'port', env: 'ENCORE_COLLECTOR_PORT', help: `TCP port; 0 picks a free one (default ${DEFAULTS.port})`, apply: integer(0, 65535, (c, n) => (c.port = n)) },
  {
    flag: 'token',
    env: 'ENCORE_COLLECTOR_TOKENS',
    help: 'bearer token allowed to post events; repeat the flag, or comma-separate in the variable',
    apply: (c, v, name) => {
      const tokens = v.split(',').map((t) => t.trim());
      for (const token of tokens) {
        if (token.length < 8) return `${name}: expected tokens of at least 8 characters, got one of ${token.length}`;
        if (!/^[\x21-\x7e]+$/.test(token)) return `${name}: expected tokens of printable ASCII without spaces`;
      }
      c.tokens.push(...tokens);
      return undefined;
    },
  },
  {
    flag: 'token-file',
    env: 'ENCORE_COLLECTOR_TOKEN_FILE',
    help: 'file of bearer tokens, one a line (# starts a comment), read at start; adds to --token',
    apply: (c, v, name) => (v.trim() === '' ? `${name}: expected a file path, got an empty string` : void (c.tokenFile = v.trim())),
  },
  {
    flag: 'create-token-file',
    env: 'ENCORE_COLLECTOR_CREATE_TOKEN_FILE',
    help: 'true: create a missing --token-file (mode 0600) with a new random token, for senders that read it too (default false)',
    apply: (c, v, name) => {
      if (v !== 'true' && v !== 'false') return `${name}: expected true or false, got ${JSON.stringify(v)}`;
      c.createTokenFile = v === 'true';
      return undefined;
    },
  },
  { flag: 'max-body-bytes', env: 'ENCORE_COLLECTOR_MAX_BODY_BYTES', help: `largest body as sent (default ${DEFAULTS.maxBodyBytes})`, apply: integer(1024, 1024 * MiB, (c, n) => (c.maxBodyBytes = n)) },
  {
    flag: 'max-decoded-bytes',
    env: 'ENCORE_COLLECTOR_MAX_DECODED_BYTES',
    help: `largest body after gzip decoding (default ${DEFAULTS.maxDecodedBytes})`,
    apply: integer(1024, 1024 * MiB, (c, n) => (c.maxDecodedBytes = n)),
  },
  { flag: 'max-events', env: 'ENCORE_COLLECTOR_MAX_EVENTS', help: `most events per batch (default ${DEFAULTS.maxEvents})`, apply: integer(1, 1_000_000, (c, n) => (c.maxEvents = n)) },
  {
    flag: 'drain-seconds',
    env: 'ENCORE_COLLECTOR_DRAIN_SECONDS',
    help: `after SIGTERM, keep serving /metrics this long for a final scrape (default ${DEFAULTS.drainSeconds})`,
    apply: (c, v, name) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 3600) return `${name}: expected seconds from 0 to 3600, got ${JSON.stringify(v)}`;
      c.drainSeconds = n;
      return undefined;
    },
  },
  {
    flag: 'max-event-age-hours',
    env: 'ENCORE_COLLECTOR_MAX_EVENT_AGE_HOURS',
    help: 'reject events older than this many hours (default 24); the dedupe window follows it',
    apply: (c, v, name) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 24 * 7) return `${name}: expected hours above 0 and at most 168, got ${JSON.stringify(v)}`;
      c.maxAgeMs = Math.round(n * HOUR);
      c.dedupeTtlMs = c.maxAgeMs + c.maxFutureMs;
      return undefined;
    },
  },
  { flag: 'dedupe-max-ids', env: 'ENCORE_COLLECTOR_DEDUPE_MAX_IDS', help: `event ids per dedupe generation, 2 generations (default ${DEFAULTS.dedupeMaxIds})`, apply: integer(1, 100_000_000, (c, n) => (c.dedupeMaxIds = n)) },
  { flag: 'play-max-ids', env: 'ENCORE_COLLECTOR_PLAY_MAX_IDS', help: `started play ids per generation, 2 generations (default ${DEFAULTS.playMaxIds})`, apply: integer(1, 100_000_000, (c, n) => (c.playMaxIds = n)) },
  {
    flag: 'exchange-rates',
    env: 'ENCORE_COLLECTOR_EXCHANGE_RATES',
    help: 'USD per unit for revenue KPIs, e.g. EUR=1.09,SEK=0.094; unnamed currencies keep the reference rates',
    apply: (c, v, name) => {
      const rates = { ...c.exchangeRates };
      for (const pair of v.split(',')) {
        const match = /^\s*([A-Z]{3})\s*=\s*([0-9.eE+-]+)\s*$/.exec(pair);
        if (!match) return `${name}: expected CODE=USD_PER_UNIT pairs separated by commas, e.g. EUR=1.09, got ${JSON.stringify(pair)}`;
        const [, code = '', text = ''] = match;
        if (!(LABELLED_CURRENCIES as readonly string[]).includes(code)) {
          return `${name}: ${code} is not a labelled currency (${LABELLED_CURRENCIES.join(', ')}); others are counted as "other" and have no rate`;
        }
        const rate = Number(text);
        if (!Number.isFinite(rate) || rate <= 0) return `${name}: expected a positive number of US dollars per ${code}, got ${JSON.stringify(text)}`;
        rates[code] = rate;
      }
      c.exchangeRates = rates;
      return undefined;
    },
  },
  {
    flag: 'log-level',
    env: 'ENCORE_LOG_LEVEL',
    help: 'debug, info, warn or error (default info)',
    apply: (c, v, name) => (isLogLevel(v) ? void (c.logLevel = v) : `${name}: expected debug, info, warn or error, got ${JSON.stringify(v)}`),
  },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export function usage(): string {
  const lines = OPTIONS.map((o) => `  --${o.flag.padEnd(22)} ${o.env.padEnd(38)} ${o.help}`);
  return `Usage: npm run collector -- [flags]\n\nFlag / environment variable:\n${lines.join('\n')}\n  --help`;
}

/** Parses flags (`--port 9464`, `--port=9464`) over environment variables; throws ConfigError. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CollectorConfig {
  const config: CollectorConfig = { ...DEFAULTS, tokens: [], createTokenFile: false, exchangeRates: { ...REFERENCE_USD_RATES } };
  const problems: string[] = [];
  const byFlag = new Map(OPTIONS.map((o) => [o.flag, o]));

  // Environment first, then flags on top (tokens from both are allowed together).
  const flagValues: Array<[Option, string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument ${JSON.stringify(arg)} (flags start with --; see --help)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const option = byFlag.get(name);
    if (!option) {
      problems.push(`unknown flag --${name} (see --help)`);
      continue;
    }
    let value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) {
      problems.push(`--${name}: expected a value`);
      if (value !== undefined) i--;
      value = undefined;
    }
    if (value !== undefined) flagValues.push([option, value, `--${name}`]);
  }
  const fromFlags = new Set(flagValues.map(([o]) => o));
  for (const option of OPTIONS) {
    const value = env[option.env];
    if (value === undefined || value === '') continue;
    if (fromFlags.has(option) && option.flag !== 'token') continue;
    const problem = option.apply(config, value, option.env);
    if (problem) problems.push(problem);
  }
  for (const [option, value, name] of flagValues) {
    const problem = option.apply(config, value, name);
    if (problem) problems.push(problem);
  }

  if (config.tokens.length === 0 && config.tokenFile === undefined) {
    problems.push('no bearer tokens: set ENCORE_COLLECTOR_TOKENS (comma-separated), pass --token or --token-file (events need an authenticated sender)');
  }
  if (config.createTokenFile && config.tokenFile === undefined) problems.push('--create-token-file: needs --token-file (the file to create)');
  if (config.maxDecodedBytes < config.maxBodyBytes) {
    problems.push(`--max-decoded-bytes (${config.maxDecodedBytes}) must be at least --max-body-bytes (${config.maxBodyBytes})`);
  }
  config.tokens = [...new Set(config.tokens)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Adds the tokens of `config.tokenFile` (one a line; blank lines and `#` comments skipped). With
 * `createTokenFile` a missing file is first created, exclusively and with mode 0600, holding a new
 * random token: a stack's senders read the same file (see docs/stack.md). Throws ConfigError for an
 * unreadable file, a file without tokens, or a token that --token would refuse.
 */
export function loadTokenFile(config: CollectorConfig): { created: boolean } {
  const file = config.tokenFile;
  if (file === undefined) return { created: false };
  let created = false;
  if (config.createTokenFile && !existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
      created = true;
    } catch (error) {
      // EEXIST: another collector created it first; read theirs
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ConfigError([`--token-file: cannot create ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
      }
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`--token-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  const tokens = parseTokenFile(text);
  if (tokens.length === 0) throw new ConfigError([`--token-file: ${file} holds no token (one a line)`]);
  const tokenOption = OPTIONS.find((o) => o.flag === 'token')!;
  const problems: string[] = [];
  for (const token of tokens) {
    const problem = tokenOption.apply(config, token, `--token-file ${file}`);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  config.tokens = [...new Set(config.tokens)];
  return { created };
}

/** The tokens of a token file: one a line, blank lines and `#` comments skipped. */
export function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}
