import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryValidationError } from '../../../src/backend/query/failure';
import { parseDataQuery } from '../../../src/backend/query/parse';

const json = (body: unknown) => Buffer.from(JSON.stringify(body));
const timeRange = { fromEpochMS: '1700000000000', toEpochMS: '1700003600000' };

test('a browser query with Grafana extras parses, defaults filled in', () => {
  const parsed = parseDataQuery({
    refId: 'B',
    maxDataPoints: '1200',
    intervalMS: '15000',
    timeRange,
    json: json({ refId: 'B', expr: ' up ', datasource: { type: 'encore-streaming-datasource', uid: 'x' }, intervalMs: 15000 }),
  });
  assert.equal(parsed.refId, 'B');
  assert.equal(parsed.query.expr, 'up');
  assert.equal(parsed.query.queryType, 'promql');
  assert.equal(parsed.query.instant, false);
  assert.equal(parsed.from, 1_700_000_000_000);
  assert.equal(parsed.maxDataPoints, 1200);
  assert.equal(parsed.intervalMs, 15000);
});

test("Grafana's defaults apply when maxDataPoints and interval are absent", () => {
  const parsed = parseDataQuery({ refId: '', timeRange, json: json({ expr: 'up' }) });
  assert.equal(parsed.refId, 'A');
  assert.equal(parsed.maxDataPoints, 100);
  assert.equal(parsed.intervalMs, 1000);
});

const failsWith = (wire: Parameters<typeof parseDataQuery>[0], pattern: RegExp) =>
  assert.throws(() => parseDataQuery(wire), (e: unknown) => e instanceof QueryValidationError && pattern.test(e.message));

test('errors name the field and what was expected', () => {
  failsWith({ timeRange, json: json({ expr: '' }) }, /^expr: expected a PromQL expression, got an empty string$/);
  failsWith({ timeRange, json: json({}) }, /^expr: expected a PromQL expression/);
  failsWith({ timeRange, json: json({ expr: 'up', step: 'fast' }) }, /^step: expected a duration such as 30s/);
  failsWith({ timeRange, json: json({ expr: 'up', instant: 'yes' }) }, /^instant: expected true or false/);
  failsWith({ timeRange, json: json({ expr: 'up', queryType: 'sql' }) }, /^queryType: expected one of promql/);
  failsWith({ timeRange, json: Buffer.from('{not json') }, /^query: expected a JSON object, got text that is not JSON$/);
  failsWith({ timeRange, json: json([1, 2]) }, /^query: expected a JSON object$/);
  failsWith(
    { timeRange: { fromEpochMS: '10', toEpochMS: '5' }, json: json({ expr: 'up' }) },
    /^timeRange: expected from <= to/,
  );
});

test('the DataQuery queryType field fills in when the JSON has none', () => {
  failsWith({ timeRange, queryType: 'logs', json: json({ expr: 'up' }) }, /^queryType: expected one of promql/);
  assert.equal(parseDataQuery({ timeRange, queryType: 'promql', json: json({ expr: 'up' }) }).query.queryType, 'promql');
});
