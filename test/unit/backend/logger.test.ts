import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { createLogger, flushLogs, formatLogLine, hclogTimestamp, LOG_BATCH_BYTES, LOG_BATCH_MS, parseLogLevel } from '../../../src/backend/grafana/logger';

// Go layout 2006-01-02T15:04:05.000000Z07:00 as go-plugin parses it.
const GO_LAYOUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

test('timestamps carry exactly six fractional digits', () => {
  assert.equal(hclogTimestamp(1_700_000_000_123_456), '2023-11-14T22:13:20.123456Z');
  assert.equal(hclogTimestamp(1_700_000_000_000_007), '2023-11-14T22:13:20.000007Z');
  assert.match(hclogTimestamp(Date.now() * 1000 + 0.5), GO_LAYOUT);
});

test('timestamps stay right across seconds, backwards in time too (the second is formatted once)', () => {
  const reference = (micros: number) => `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 20)}${String(micros % 1_000_000).padStart(6, '0')}Z`;
  const times = [1_700_000_000_999_999, 1_700_000_001_000_000, 1_700_000_000_500_000, 1_700_000_001_000_001, 1_764_547_199_999_999, 1_764_547_200_000_000];
  for (let i = 0; i < 200; i++) times.push(1_600_000_000_000_000 + Math.floor(Math.random() * 300_000_000_000_000));
  for (const micros of times) assert.equal(hclogTimestamp(micros), reference(micros), String(micros));
});

test('a log line is one JSON object with @level, @message, @timestamp and the fields', () => {
  const line = formatLogLine('warn', 'slow upstream', { refId: 'A', rows: 3, error: new Error('boom'), big: 2n ** 70n }, 1_700_000_000_000_000);
  assert.ok(!line.includes('\n'));
  const parsed = JSON.parse(line);
  assert.deepEqual(parsed, {
    '@level': 'warn',
    '@message': 'slow upstream',
    '@timestamp': '2023-11-14T22:13:20.000000Z',
    refId: 'A',
    rows: 3,
    error: 'boom',
    big: '1180591620717411303424',
  });
});

test('fields cannot overwrite the reserved @ keys', () => {
  const parsed = JSON.parse(formatLogLine('info', 'm', { '@level': 'error', '@message': 'x' }, 0));
  assert.equal(parsed['@level'], 'info');
  assert.equal(parsed['@message'], 'm');
});

test('level filtering and contextual fields', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', write: (l) => lines.push(l) }).with({ dsUid: 'abc' });
  logger.debug('hidden');
  logger.info('shown', { refId: 'B' });
  assert.equal(lines.length, 1);
  const parsed = JSON.parse(lines[0]!);
  assert.equal(parsed.dsUid, 'abc');
  assert.equal(parsed.refId, 'B');
  assert.match(parsed['@timestamp'], GO_LAYOUT);
});

test('unknown log level names fall back to info', () => {
  assert.equal(parseLogLevel('DEBUG'), 'debug');
  assert.equal(parseLogLevel('loud'), 'info');
  assert.equal(parseLogLevel(undefined), 'info');
});

describe('writing to stderr', () => {
  it('writes the lines of a batch interval together, error lines and what waits before them at once', async () => {
    const writes: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const logger = createLogger({ level: 'debug' });
      logger.info('one');
      logger.info('two');
      await new Promise((done) => setImmediate(done));
      logger.debug('three');
      assert.equal(writes.length, 0, 'nothing is written before the batch interval ends, not even at the end of a turn');
      await new Promise((done) => setTimeout(done, LOG_BATCH_MS + 30));
      assert.equal(writes.length, 1, 'one write for the three lines');
      assert.deepEqual(
        writes[0]!.trimEnd().split('\n').map((line) => JSON.parse(line)['@message']),
        ['one', 'two', 'three'],
      );
      logger.info('before the error');
      logger.error('the error');
      assert.equal(writes.length, 2, 'an error line goes out at once');
      assert.deepEqual(
        writes[1]!.trimEnd().split('\n').map((line) => JSON.parse(line)['@message']),
        ['before the error', 'the error'],
      );
      flushLogs();
      assert.equal(writes.length, 2, 'nothing left to write');
    } finally {
      process.stderr.write = original;
    }
  });

  it('writes a batch at once when it reaches LOG_BATCH_BYTES', () => {
    const writes: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (writes.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const logger = createLogger({});
      const long = 'x'.repeat(1000);
      let lines = 0;
      while (writes.length === 0 && lines < 1000) {
        logger.info(long);
        lines++;
      }
      assert.equal(writes.length, 1, 'the batch was written without waiting for the interval');
      assert.ok(writes[0]!.length >= LOG_BATCH_BYTES, `the batch holds ${writes[0]!.length} characters`);
      assert.equal(writes[0]!.trimEnd().split('\n').length, lines, 'every line so far is in it');
      flushLogs();
      assert.equal(writes.length, 1, 'nothing left to write');
    } finally {
      process.stderr.write = original;
    }
  });
});
