import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UpstreamError } from '../../../src/backend/sources/errors';
import { MalformedAnswer, parseSampleValue, seriesFromQueryData, stringsFromData } from '../../../src/backend/sources/prometheus/convert';

test('matrix: labels kept, seconds to ms, special values parsed', () => {
  const series = seriesFromQueryData({
    resultType: 'matrix',
    result: [
      {
        metric: { __name__: 'up', job: 'a' },
        values: [
          [1700000000, '1'],
          [1700000015.5, 'NaN'],
          [1700000031, '+Inf'],
          [1700000046, '-Inf'],
          [1700000061.123, '-0.25'],
        ],
      },
      { metric: {}, values: [] },
    ],
  });
  assert.deepEqual(series, [
    {
      labels: { __name__: 'up', job: 'a' },
      timestamps: [1700000000000, 1700000015500, 1700000031000, 1700000046000, 1700000061123],
      values: [1, NaN, Infinity, -Infinity, -0.25],
    },
    { labels: {}, timestamps: [], values: [] },
  ]);
});

test('vector and scalar results become one-sample series', () => {
  assert.deepEqual(seriesFromQueryData({ resultType: 'vector', result: [{ metric: { a: 'b' }, value: [1700000000.001, '42'] }] }), [
    { labels: { a: 'b' }, timestamps: [1700000000001], values: [42] },
  ]);
  assert.deepEqual(seriesFromQueryData({ resultType: 'vector', result: [] }), []);
  assert.deepEqual(seriesFromQueryData({ resultType: 'scalar', result: [1700000000, '2'] }), [{ labels: {}, timestamps: [1700000000000], values: [2] }]);
});

test('native histogram samples without float values are skipped, not a crash', () => {
  assert.deepEqual(seriesFromQueryData({ resultType: 'matrix', result: [{ metric: { a: 'h' }, histograms: [[1, {}]] }] }), [
    { labels: { a: 'h' }, timestamps: [], values: [] },
  ]);
});

test('string results are refused as a query problem', () => {
  assert.throws(
    () => seriesFromQueryData({ resultType: 'string', result: [1700000000, 'hello'] }),
    (e: unknown) => e instanceof UpstreamError && e.kind === 'bad_query' && /returns a string/.test(e.message),
  );
});

test('shapes that are not Prometheus results are MalformedAnswer with the reason', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /data is not an object/],
    [[], /data is not an object/],
    [{ resultType: 'table', result: [] }, /unknown resultType "table"/],
    [{ resultType: 'matrix', result: {} }, /matrix result is not a list/],
    [{ resultType: 'matrix', result: [{ metric: { a: 1 }, values: [] }] }, /label a is not a string/],
    [{ resultType: 'matrix', result: [{ metric: {}, values: [[1, '1', 3]] }] }, /not a \[timestamp, "value"\] pair/],
    [{ resultType: 'matrix', result: [{ metric: {}, values: [['1', '1']] }] }, /not a \[timestamp, "value"\] pair/],
    [{ resultType: 'vector', result: [{ metric: {}, value: [1, 'abc'] }] }, /sample value "abc" is not a number/],
    [{ resultType: 'vector', result: [{ metric: {}, value: [1, null] }] }, /sample value null is not a string/],
    [{ resultType: 'scalar', result: 'x' }, /not a \[timestamp, "value"\] pair/],
  ];
  for (const [data, message] of bad) {
    assert.throws(() => seriesFromQueryData(data), (e: unknown) => e instanceof MalformedAnswer && message.test(e.message), JSON.stringify(data));
  }
});

test('sample values: Prometheus spellings, plain numbers, and garbage', () => {
  assert.ok(Number.isNaN(parseSampleValue('NaN')));
  assert.equal(parseSampleValue('+Inf'), Infinity);
  assert.equal(parseSampleValue('Inf'), Infinity);
  assert.equal(parseSampleValue('-Inf'), -Infinity);
  assert.equal(parseSampleValue('1e-7'), 1e-7);
  assert.equal(parseSampleValue('-0'), -0);
  assert.equal(parseSampleValue(3.5), 3.5);
  assert.throws(() => parseSampleValue(''), MalformedAnswer);
  assert.throws(() => parseSampleValue('nan?'), MalformedAnswer);
});

test('every float64 survives the trip through Prometheus\' text form', () => {
  // Prometheus writes the shortest digits that round-trip (Go's FormatFloat(v, 'f', -1, 64)), as
  // JS does, but never in exponent form; it spells -0 and the non-finite values its own way.
  const promText = (v: number) =>
    Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Object.is(v, -0) ? '-0' : String(v);
  fc.assert(
    fc.property(fc.double(), (v) => {
      assert.ok(Object.is(parseSampleValue(promText(v)), v));
    }),
  );
  assert.equal(parseSampleValue('1000000000000000000000'), 1e21);
  assert.equal(parseSampleValue('0.0000001'), 1e-7);
});

test('label lists: strings only', () => {
  assert.deepEqual(stringsFromData(['a', 'b'], 'label names'), ['a', 'b']);
  assert.throws(() => stringsFromData({}, 'label names'), /label names is not a list/);
  assert.throws(() => stringsFromData(['a', 1], 'label values'), /label values holds a number, expected strings/);
});
