import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, loadConfig } from '../../../src/collector/config';

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
      'no bearer tokens: set ENCORE_COLLECTOR_TOKENS (comma-separated) or pass --token (events need an authenticated sender)',
    ]);
  });

  it('refuses short tokens and inconsistent limits', () => {
    assert.deepEqual(problems(['--token', 'short']), [
      '--token: expected tokens of at least 8 characters, got one of 5',
      'no bearer tokens: set ENCORE_COLLECTOR_TOKENS (comma-separated) or pass --token (events need an authenticated sender)',
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
});
