import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldPart, readAnswers } from '../../../src/panels/shared/frames';
import { createDataFrame, encoreFrame, FieldType, kpiMeta, T0, times, toDataFrame } from './support';

describe('readAnswers: Encore frames', () => {
  const split = [
    encoreFrame({
      refId: 'A',
      name: 'Rebuffering ratio ios',
      labels: { platform: 'ios' },
      values: [0.004, 0.005, null],
      expected: [0.004, 0.004, 0.004],
      lower: [0.002, 0.002, 0.002],
      upper: [0.006, 0.006, 0.006],
      anomaly: [0, 0, 0],
      dataIssue: [0, 0, 1],
      unit: 'percentunit',
      decimals: 2,
      meta: kpiMeta('rebuffering_ratio', 'audio_quality', 'down', {
        notices: [{ severity: 'warning', text: 'Data quality: Gaps: 1 point missing' }],
        stats: [{ displayName: 'Quality score', value: 87 }],
      }),
    }),
    // Only the first frame of a query carries meta: the second is the same KPI all the same.
    encoreFrame({ refId: 'A', name: 'Rebuffering ratio android', labels: { platform: 'android' }, values: [0.01, 0.012, 0.011], unit: 'percentunit' }),
  ];

  it('names the KPI of every frame of a query from the first frame’s meta.custom', () => {
    const [answer] = readAnswers(split);
    assert.equal(answer!.refId, 'A');
    assert.equal(answer!.kpiId, 'rebuffering_ratio');
    assert.equal(answer!.good, 'down');
    assert.deepEqual(
      answer!.series.map((s) => [s.name, s.kpiId, s.labels.platform]),
      [
        ['Rebuffering ratio ios', 'rebuffering_ratio', 'ios'],
        ['Rebuffering ratio android', 'rebuffering_ratio', 'android'],
      ],
    );
  });

  it('reads values, the band, the flags and the unit, with nulls as NaN', () => {
    const ios = readAnswers(split)[0]!.series[0]!;
    assert.deepEqual(ios.times, times(3));
    assert.equal(ios.values[1], 0.005);
    assert.ok(Number.isNaN(ios.values[2]));
    assert.deepEqual(ios.upper, [0.006, 0.006, 0.006]);
    assert.deepEqual(ios.dataIssue, [0, 0, 1]);
    assert.equal(ios.unit, 'percentunit');
    assert.equal(ios.decimals, 2);
    assert.equal(ios.kind, 'observed');
    // The second frame has no analysis parts.
    assert.equal(readAnswers(split)[0]!.series[1]!.expected, undefined);
  });

  it('takes the notices and the quality score from the meta', () => {
    const [answer] = readAnswers(split);
    assert.deepEqual(answer!.notices, [{ refId: 'A', severity: 'warning', text: 'Data quality: Gaps: 1 point missing' }]);
    assert.equal(answer!.qualityScore, 87);
  });

  it('reads a forecast: the Forecast field is the expected line and the series a forecast', () => {
    const frame = encoreFrame({
      refId: 'F',
      name: 'Ad revenue',
      values: [100, 110, null, null],
      expected: [null, null, 120, 125],
      lower: [null, null, 100, 98],
      upper: [null, null, 140, 152],
      forecast: true,
      unit: 'currencyUSD',
      meta: { custom: { kpi: 'ad_revenue', group: 'revenue', good: 'up', forecast: { method: 'seasonal', coverage: 0.8 } } },
    });
    const [answer] = readAnswers([frame]);
    assert.equal(answer!.series[0]!.kind, 'forecast');
    assert.equal(answer!.series[0]!.expected![3], 125);
    assert.deepEqual(answer!.forecast, { method: 'seasonal', coverage: 0.8 });
  });

  it('reads anomaly events from annotation frames, attached to their query', () => {
    const events = createDataFrame({
      refId: 'A',
      name: 'Anomalies',
      meta: { dataTopic: 'annotations' as never },
      fields: [
        { name: 'time', type: FieldType.time, values: [T0 + 5 * 60_000] },
        { name: 'timeEnd', type: FieldType.time, values: [T0 + 15 * 60_000] },
        { name: 'title', type: FieldType.string, values: ['Rebuffering ratio: major rise'] },
        { name: 'text', type: FieldType.string, values: ['Rebuffering ratio rose to 0.012 (expected 0.004)'] },
        { name: 'severity', type: FieldType.string, values: ['major'] },
      ],
    });
    const [answer] = readAnswers(split, [events]);
    assert.deepEqual(answer!.events, [
      {
        refId: 'A',
        startMs: T0 + 5 * 60_000,
        endMs: T0 + 15 * 60_000,
        title: 'Rebuffering ratio: major rise',
        text: 'Rebuffering ratio rose to 0.012 (expected 0.004)',
        severity: 'major',
      },
    ]);
    assert.equal(answer!.series.length, 2, 'the events frame is not a series');
  });

  it('reads the table of a quality query as checks, with its score', () => {
    const table = createDataFrame({
      refId: 'Q',
      meta: { custom: { qualityScore: 62 } },
      fields: [
        { name: 'check', type: FieldType.string, values: ['freshness', 'gaps'] },
        { name: 'title', type: FieldType.string, values: ['Freshness', 'Gaps'] },
        { name: 'status', type: FieldType.string, values: ['fail', 'pass'] },
        { name: 'level', type: FieldType.number, values: [2, 0] },
        { name: 'message', type: FieldType.string, values: ['newest sample is 12m old (limit 5m)', 'no gaps'] },
      ],
    });
    const [answer] = readAnswers([table]);
    assert.equal(answer!.qualityScore, 62);
    assert.deepEqual(
      answer!.checks.map((c) => [c.id, c.status, c.message]),
      [
        ['freshness', 'fail', 'newest sample is 12m old (limit 5m)'],
        ['gaps', 'pass', 'no gaps'],
      ],
    );
    assert.equal(answer!.series.length, 0);
  });
});

describe('readAnswers: frames from other data sources', () => {
  it('names the KPI from the legend (displayNameFromDS), the frame name or the refId', () => {
    const byLegend = createDataFrame({
      refId: 'A',
      fields: [
        { name: 'Time', type: FieldType.time, values: times(2) },
        { name: 'Value', type: FieldType.number, values: [0.2, 0.3], config: { displayNameFromDS: 'Skip rate' } },
      ],
    });
    const byRefId = toDataFrame({ refId: 'completion_rate', fields: [{ name: 'time', type: FieldType.time, values: times(2) }, { name: 'value', type: FieldType.number, values: [0.5, 0.6] }] });
    const unknown = toDataFrame({ refId: 'C', fields: [{ name: 'time', type: FieldType.time, values: times(2) }, { name: 'cpu', type: FieldType.number, values: [1, 2] }] });
    const answers = readAnswers([byLegend, byRefId, unknown]);
    assert.deepEqual(
      answers.map((a) => [a.refId, a.series[0]!.name, a.series[0]!.kpiId, a.series[0]!.unit]),
      [
        ['A', 'Skip rate', 'skip_rate', 'percentunit'],
        ['completion_rate', 'value', 'completion_rate', 'percentunit'],
        ['C', 'cpu', undefined, undefined],
      ],
    );
  });

  it('does not read “Recommendation skip rate” as the skip rate', () => {
    const frame = toDataFrame({ refId: 'A', fields: [{ name: 'Time', type: FieldType.time, values: times(1) }, { name: 'Recommendation skip rate (ios)', type: FieldType.number, values: [0.3] }] });
    assert.equal(readAnswers([frame])[0]!.series[0]!.kpiId, 'recommendation_skip_rate');
  });

  it('attaches helper fields of a wide frame to the series their display name names', () => {
    const frame = toDataFrame({
      refId: 'W',
      fields: [
        { name: 'Time', type: FieldType.time, values: times(2) },
        { name: 'ios', type: FieldType.number, values: [1, 2] },
        { name: 'web', type: FieldType.number, values: [3, 4] },
        { name: 'web expected', type: FieldType.number, values: [3.5, 3.5] },
        { name: 'web anomaly', type: FieldType.number, values: [0, 1] },
      ],
    });
    const [answer] = readAnswers([frame]);
    assert.deepEqual(
      answer!.series.map((s) => [s.name, s.expected, s.anomaly]),
      [
        ['ios', undefined, undefined],
        ['web', [3.5, 3.5], [0, 1]],
      ],
    );
  });

  it('sorts newest-first frames into time order, every part alike', () => {
    const frame = toDataFrame({
      refId: 'A',
      fields: [
        { name: 'Time', type: FieldType.time, values: [T0 + 2000, T0 + 1000, T0] },
        { name: 'Value', type: FieldType.number, values: [3, 2, 1] },
        { name: 'Expected', type: FieldType.number, values: [30, 20, 10] },
      ],
    });
    const s = readAnswers([frame])[0]!.series[0]!;
    assert.deepEqual(s.times, [T0, T0 + 1000, T0 + 2000]);
    assert.deepEqual(s.values, [1, 2, 3]);
    assert.deepEqual(s.expected, [10, 20, 30]);
  });

  it('reads ISO time strings and leaves histogram buckets without a KPI', () => {
    const frame = toDataFrame({
      refId: 'session_length',
      fields: [
        { name: 'Time', type: FieldType.time, values: ['2026-11-24T10:00:00Z'] },
        { name: 'Value', type: FieldType.number, values: [4], labels: { le: '300' } },
      ],
    });
    const s = readAnswers([frame])[0]!.series[0]!;
    assert.deepEqual(s.times, [T0]);
    assert.equal(s.kpiId, undefined);
  });

  it('a frame without a time field is no series', () => {
    const frame = toDataFrame({ refId: 'A', fields: [{ name: 'Value', type: FieldType.number, values: [1] }] });
    assert.deepEqual(readAnswers([frame])[0]!.series, []);
  });
});

describe('fieldPart', () => {
  it('knows the parts by field name and by the end of the display name', () => {
    assert.deepEqual(fieldPart({ name: 'Data issue', config: {} }), { part: 'dataIssue', forecast: false });
    assert.deepEqual(fieldPart({ name: 'Forecast', config: {} }), { part: 'expected', forecast: true });
    assert.deepEqual(fieldPart({ name: 'Value', config: { displayNameFromDS: 'Skip rate upper' } }), { part: 'upper', forecast: false, owner: 'Skip rate' });
    assert.deepEqual(fieldPart({ name: 'Value', config: { displayNameFromDS: 'Skip rate' } }), { part: 'value', forecast: false });
  });
});
