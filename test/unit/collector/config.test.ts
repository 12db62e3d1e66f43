import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULTS, loadConfig, loadTokenFile, parseTokenFile } from '../../../src/collector/config';

function problems(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    loadConfig(argv, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

describe('collector config', () => {
  it('uses defaults with a token from the environment', () => {
    const config = loadConfig([], { ENCORE_COLLECTOR_TOKENS: 'token-aaaaaaaa, token-bbbbbbbb' });
    assert.deepEqual(config.tokens, ['token-aaaaaaaa', 'token-bbbbbbbb']);
    assert.equal(config.port, DEFAULTS.port);
    assert.equal(config.drainSeconds, 15);
    assert.equal(config.maxAgeMs, 24 * 3_600_000);
  });

  it('lets flags win over variables; tokens from both add up', () => {
    const config = loadConfig(['--port', '1234', '--drain-seconds=0.5', '--token', 'flag-token-1'], {
      ENCORE_COLLECTOR_PORT: '9999',
      ENCORE_COLLECTOR_DRAIN_SECONDS: '30',
      ENCORE_COLLECTOR_TOKENS: 'env-token-1',
    });
    assert.equal(config.port, 1234);
    assert.equal(config.drainSeconds, 0.5);
    assert.deepEqual(config.tokens.sort(), ['env-token-1', 'flag-token-1']);
  });

  it('moves the dedupe window with the age limit', () => {
    const config = loadConfig(['--max-event-age-hours', '2', '--token', 'flag-token-1'], {});
    assert.equal(config.maxAgeMs, 2 * 3_600_000);
    assert.equal(config.dedupeTtlMs, 2 * 3_600_000 + 5 * 60_000);
  });

  it('reports every bad value at once, naming the flag or variable and what was expected', () => {
    assert.deepEqual(problems(['--port', 'http', '--max-events', '0', '--bogus', 'x', '--host'], { ENCORE_COLLECTOR_DRAIN_SECONDS: '-1', ENCORE_LOG_LEVEL: 'loud' }), [
      'unknown flag --bogus (see --help)',
      'unexpected argument "x" (flags start with --; see --help)',
      '--host: expected a value',
      'ENCORE_COLLECTOR_DRAIN_SECONDS: expected seconds from 0 to 3600, got "-1"',
      'ENCORE_LOG_LEVEL: expected debug, info, warn or error, got "loud"',
      '--port: expected an integer from 0 to 65535, got "http"',
      '--max-events: expected an integer from 1 to 1000000, got "0"',
      'no bearer tokens: set ENCORE_COLLECTOR_TOKENS (comma-separated), pass --token or --token-file (events need an authenticated sender)',
    ]);
  });

  it('refuses short tokens and inconsistent limits', () => {
    assert.deepEqual(problems(['--token', 'short']), [
      '--token: expected tokens of at least 8 characters, got one of 5',
      'no bearer tokens: set ENCORE_COLLECTOR_TOKENS (comma-separated), pass --token or --token-file (events need an authenticated sender)',
    ]);
    assert.deepEqual(problems(['--token', 'long-enough', '--max-body-bytes', '4096', '--max-decoded-bytes', '2048']), [
      '--max-decoded-bytes (2048) must be at least --max-body-bytes (4096)',
    ]);
  });

  it('takes exchange rates over the reference ones and refuses unknown or non-positive ones', () => {
    const config = loadConfig(['--token', 'long-enough', '--exchange-rates', 'EUR=1.1, SEK=0.09'], {});
    assert.equal(config.exchangeRates.EUR, 1.1);
    assert.equal(config.exchangeRates.SEK, 0.09);
    assert.equal(config.exchangeRates.USD, 1, 'unnamed currencies keep the reference rate');
    assert.deepEqual(problems(['--token', 'long-enough', '--exchange-rates', 'XYZ=2,EUR=0,GBP']), [
      '--exchange-rates: XYZ is not a labelled currency (USD, EUR, GBP, SEK, PLN, BRL, MXN, JPY, INR, AUD, CAD); others are counted as "other" and have no rate',
    ]);
    assert.deepEqual(problems(['--token', 'long-enough', '--exchange-rates', 'EUR=0']), ['--exchange-rates: expected a positive number of US dollars per EUR, got "0"']);
    assert.deepEqual(problems(['--token', 'long-enough', '--exchange-rates', 'EUR:1']), [
      '--exchange-rates: expected CODE=USD_PER_UNIT pairs separated by commas, e.g. EUR=1.09, got "EUR:1"',
    ]);
  });

  describe('--token-file', () => {
    const withDir = (body: (dir: string) => void) => {
      const dir = mkdtempSync(join(tmpdir(), 'encore-token-file-'));
      try {
        body(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const failure = (run: () => unknown): string[] => {
      try {
        run();
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      assert.fail('expected a ConfigError');
    };

    it('reads tokens one a line, skipping comments and blank lines, on top of --token', () =>
      withDir((dir) => {
        const file = join(dir, 'tokens');
        writeFileSync(file, '# senders\nfile-token-1\n\n  file-token-2  # the simulator\nflag-token-1\n');
        const config = loadConfig(['--token', 'flag-token-1', '--token-file', file], {});
        assert.deepEqual(loadTokenFile(config), { created: false });
        assert.deepEqual(config.tokens.sort(), ['file-token-1', 'file-token-2', 'flag-token-1']);
      }));

    it('is enough on its own, from the variable', () => {
      assert.equal(loadConfig([], { ENCORE_COLLECTOR_TOKEN_FILE: '/run/encore/collector-token' }).tokenFile, '/run/encore/collector-token');
    });

    it('creates a missing file with a random token (mode 0600) only when asked, and reuses it after', () =>
      withDir((dir) => {
        const file = join(dir, 'collector-token');
        assert.deepEqual(failure(() => loadTokenFile(loadConfig(['--token-file', file], {}))), [`--token-file: cannot read ${file}: ENOENT`]);
        const first = loadConfig(['--token-file', file, '--create-token-file', 'true'], {});
        assert.deepEqual(loadTokenFile(first), { created: true });
        assert.equal(statSync(file).mode & 0o777, 0o600);
        const token = readFileSync(file, 'utf8').trim();
        assert.match(token, /^[A-Za-z0-9_-]{32}$/);
        assert.deepEqual(first.tokens, [token]);
        const again = loadConfig([], { ENCORE_COLLECTOR_TOKEN_FILE: file, ENCORE_COLLECTOR_CREATE_TOKEN_FILE: 'true' });
        assert.deepEqual(loadTokenFile(again), { created: false });
        assert.deepEqual(again.tokens, [token]);
      }));

    it('refuses an empty file, a short token in it, and --create-token-file without a file', () =>
      withDir((dir) => {
        const file = join(dir, 'tokens');
        writeFileSync(file, '# nothing here\n');
        assert.deepEqual(failure(() => loadTokenFile(loadConfig(['--token-file', file], {}))), [`--token-file: ${file} holds no token (one a line)`]);
        writeFileSync(file, 'short\n');
        assert.deepEqual(failure(() => loadTokenFile(loadConfig(['--token-file', file], {}))), [`--token-file ${file}: expected tokens of at least 8 characters, got one of 5`]);
        assert.deepEqual(problems(['--token', 'long-enough', '--create-token-file', 'yes']), ['--create-token-file: expected true or false, got "yes"']);
        assert.deepEqual(problems(['--token', 'long-enough', '--create-token-file', 'true']), ['--create-token-file: needs --token-file (the file to create)']);
      }));

    it('parses CRLF files', () => {
      assert.deepEqual(parseTokenFile('a-token-123\r\nb-token-456\r\n'), ['a-token-123', 'b-token-456']);
    });
  });
});
