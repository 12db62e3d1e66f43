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
  assert.equal(parsed.query.queryType, 'promql');
  assert.equal(parsed.query.queryType === 'promql' && parsed.query.expr, 'up');
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
  failsWith({ timeRange, json: json({ expr: 'up', queryType: 'sql' }) }, /^queryType: expected one of promql, kpi, anomaly, outliers, forecast, quality$/);
  failsWith({ timeRange, json: Buffer.from('{not json') }, /^query: expected a JSON object, got text that is not JSON$/);
  failsWith({ timeRange, json: json([1, 2]) }, /^query: expected a JSON object$/);
  failsWith(
    { timeRange: { fromEpochMS: '10', toEpochMS: '5' }, json: json({ expr: 'up' }) },
    /^timeRange: expected from <= to/,
  );
});

test('the DataQuery queryType field fills in when the JSON has none', () => {
  failsWith({ timeRange, queryType: 'logs', json: json({ expr: 'up' }) }, /^queryType: expected one of promql, kpi, anomaly, outliers, forecast, quality$/);
  assert.equal(parseDataQuery({ timeRange, queryType: 'promql', json: json({ expr: 'up' }) }).query.queryType, 'promql');
});

test('a kpi query: catalogue id, filters with defaults, group-by', () => {
  const parsed = parseDataQuery({
    timeRange,
    json: json({ queryType: 'kpi', kpi: 'rebuffering_ratio', filters: [{ label: 'market', value: 'BR' }], groupBy: ['platform'] }),
  });
  assert.equal(parsed.query.queryType, 'kpi');
  if (parsed.query.queryType !== 'kpi') return;
  assert.deepEqual(parsed.query.filters, [{ label: 'market', op: '=', value: 'BR' }]);
  assert.deepEqual(parsed.query.groupBy, ['platform']);
});

test('kpi errors name the field, the value and what was expected', () => {
  const kpi = (body: object) => ({ timeRange, json: json({ queryType: 'kpi', ...body }) });
  failsWith(kpi({ kpi: 'happiness' }), /^kpi: expected a KPI id \(one of startup_time_p50, .*\), got "happiness"$/);
  failsWith(kpi({}), /^kpi: expected a KPI id such as rebuffering_ratio$/);
  // content_type is not on the rebuffer counters: a filter on it would apply to half the formula.
  failsWith(
    kpi({ kpi: 'rebuffering_ratio', groupBy: ['content_type'] }),
    /^groupBy\.0: expected one of the labels rebuffering_ratio can be split by \(market, platform, tier\), got "content_type"$/,
  );
  failsWith(kpi({ kpi: 'skip_rate', filters: [{ label: 'reason', value: 'completed' }] }), /^filters\.0\.label: expected one of the labels skip_rate can be split by/);
  failsWith(kpi({ kpi: 'skip_rate', filters: [{ label: 'market', op: '=~', value: '(BR' }] }), /^filters\.0\.value: expected a valid regular expression/);
  failsWith(kpi({ kpi: 'skip_rate', filters: [{ label: 'market', op: '=~', value: '(?!BR).*' }] }), /^filters\.0\.value: expected an RE2 regular expression: lookahead/);
  failsWith(kpi({ kpi: 'skip_rate', filters: [{ label: 'market', op: '<', value: 'x' }] }), /^filters\.0\.op: expected one of = != =~ !~$/);
  failsWith(kpi({ kpi: 'skip_rate', groupBy: ['market', 'market'] }), /^groupBy\.1: market is listed twice$/);
  failsWith(kpi({ kpi: 'skip_rate', groupBy: 'market' }), /^groupBy: expected a list of label names$/);
});

test('the validated model of a repeated query is reused (frozen), while the range and bad queries are read every time', () => {
  const body = json({ queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] });
  const first = parseDataQuery({ refId: 'M', timeRange, json: body });
  const again = parseDataQuery({ refId: 'M', timeRange: { fromEpochMS: '1700000060000', toEpochMS: '1700003660000' }, json: Buffer.from(body) });
  assert.equal(again.query, first.query, 'one model for the same query text');
  assert.equal(again.from, 1_700_000_060_000, 'the new range');
  assert.ok(Object.isFrozen(first.query) && Object.isFrozen((first.query as { groupBy: string[] }).groupBy), 'shared models cannot be changed');
  assert.throws(() => (first.query as { groupBy: string[] }).groupBy.push('tier'), TypeError);
  const other = parseDataQuery({ refId: 'M', timeRange, json: json({ queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['platform'] }) });
  assert.deepEqual((other.query as { groupBy: string[] }).groupBy, ['platform'], 'other text, other model');
  assert.notEqual(parseDataQuery({ refId: 'N', timeRange, json: body }).query, first.query, 'the refId is part of the model');
  for (let i = 0; i < 2; i++) failsWith({ refId: 'M', timeRange, json: json({ expr: '' }) }, /^expr: expected a PromQL expression/);
  failsWith({ refId: 'M', timeRange: { fromEpochMS: '2', toEpochMS: '1' }, json: body }, /^timeRange: expected from <= to/);
});
