import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chartModel,
  chartSummary,
  flaggedRuns,
  nearestIndex,
  niceStep,
  niceTicks,
  pointsAt,
  readoutAt,
  timeTicks,
  typicalStep,
  valueDomain,
  type ChartInput,
} from '../../../src/panels/shared/chart-model';
import { formatters, MINUTE, T0, times } from './support';

describe('scales and ticks', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(10, 5), 2);
    assert.equal(niceStep(0.012, 6), 0.002);
    assert.equal(niceStep(0.012, 4), 0.005);
    assert.equal(niceStep(730, 5), 100);
    assert.equal(niceStep(0, 5), 1);
  });

  it('ticks on whole steps without float dust', () => {
    assert.deepEqual(niceTicks(0, 0.01, 0.002), [0, 0.002, 0.004, 0.006, 0.008, 0.01]);
    assert.deepEqual(niceTicks(-1, 1, 0.5), [-1, -0.5, 0, 0.5, 1]);
  });

  it('widens the value domain to whole steps; a flat series gets room around it', () => {
    assert.deepEqual(valueDomain([0.0031, 0.0089, NaN], 4), { min: 0.003, max: 0.009, step: 0.001 });
    assert.deepEqual(valueDomain([0.0031, 0.0089], 2), { min: 0.002, max: 0.01, step: 0.002 });
    assert.deepEqual(valueDomain([5, 5], 4), { min: 4.4, max: 5.6, step: 0.2 });
    assert.deepEqual(valueDomain([0, 0], 4), { min: 0, max: 1, step: 0.2 });
    assert.deepEqual(valueDomain([], 4), { min: 0, max: 1, step: 0.2 });
  });

  it('labels time ticks in the dashboard time zone, days at midnight', () => {
    const ticks = timeTicks(T0, T0 + 2 * 3600_000, 600, formatters.time);
    assert.deepEqual(
      ticks.map((t) => t.label),
      ['10:00', '10:15', '10:30', '10:45', '11:00', '11:15', '11:30', '11:45', '12:00'].filter((_, i) => i % 2 === 0),
    );
    const days = timeTicks(Date.UTC(2026, 10, 23, 18), Date.UTC(2026, 10, 25, 6), 400, formatters.time);
    assert.deepEqual(
      days.map((t) => t.label),
      ['Nov 24', '12:00', 'Nov 25'],
    );
  });

  it('finds the nearest time', () => {
    const t = [0, 10, 20, 30];
    assert.equal(nearestIndex(t, 14), 1);
    assert.equal(nearestIndex(t, 16), 2);
    assert.equal(nearestIndex(t, -5), 0);
    assert.equal(nearestIndex(t, 99), 3);
    assert.equal(nearestIndex([], 1), -1);
  });

  it('finds flagged runs and the typical step', () => {
    assert.deepEqual(flaggedRuns([0, 1, 1, 0, 1]), [
      [1, 2],
      [4, 4],
    ]);
    assert.deepEqual(flaggedRuns(undefined), []);
    assert.equal(typicalStep([0, 60, 120, 300]), 60);
  });
});

describe('chartModel', () => {
  const t = times(5, 15 * MINUTE);
  const input: ChartInput = {
    series: [
      {
        name: 'Rebuffering ratio',
        times: t,
        values: [0.004, 0.005, NaN, 0.012, 0.006],
        expected: [0.004, 0.004, 0.004, 0.005, 0.005],
        lower: [0.002, 0.002, NaN, 0.003, 0.003],
        upper: [0.006, 0.006, NaN, 0.007, 0.007],
        anomaly: [0, 0, 0, 1, 1],
        dataIssue: [0, 0, 0, 0, 1],
      },
    ],
    events: [{ startMs: t[3]!, endMs: t[4]!, title: 'Rebuffering ratio: major rise' }],
    threshold: { op: '<=', value: 0.01, label: 'SLO ≤ 1%' },
    width: 400,
    height: 200,
    unit: 'percentunit',
    format: formatters,
  };
  const model = chartModel(input);

  it('lays out the plot after the widest value label', () => {
    assert.deepEqual(model.yDomain, [0.002, 0.012]);
    assert.deepEqual(
      model.yTicks.map((tick) => tick.label),
      ['0.2%', '0.4%', '0.6%', '0.8%', '1.0%', '1.2%'],
    );
    assert.equal(model.plot.top, 8);
    assert.equal(model.plot.height, 170);
    assert.equal(model.plot.left, Math.ceil(4 * 6.6 + 10));
    assert.equal(model.yTicks[0]!.at, 178);
    assert.equal(model.yTicks[5]!.at, 8);
  });

  it('breaks the value line at gaps and the band at missing edges', () => {
    const s = model.series[0]!;
    assert.equal((s.line.match(/M/g) ?? []).length, 2);
    assert.equal((s.band!.match(/Z/g) ?? []).length, 2);
    assert.equal((s.expected!.match(/M/g) ?? []).length, 1);
  });

  it('marks anomalies but not the points inside a data issue, which get their own span', () => {
    const s = model.series[0]!;
    assert.deepEqual(
      s.anomalies.map((a) => [a.ms, a.value]),
      [[t[3], 0.012]],
    );
    assert.equal(s.anomalies[0]!.y, 8);
    assert.equal(model.issues.length, 1);
    assert.equal(model.issues[0]!.fromMs, t[4]);
    assert.equal(model.events.length, 1);
  });

  it('does not let a point inside a data issue set the scale', () => {
    const spike = chartModel({ ...input, series: [{ ...input.series[0]!, values: [0.004, 0.005, NaN, 0.012, 0.9] }] });
    assert.deepEqual(spike.yDomain, [0.002, 0.012]);
  });

  it('draws the SLO threshold inside the data range', () => {
    assert.equal(model.threshold?.label, 'SLO ≤ 1%');
    assert.equal(model.threshold?.offscale, undefined);
    assert.equal(model.threshold?.y, 42);
  });

  it('says where a far-away threshold is instead of squashing the data', () => {
    const far = chartModel({ ...input, threshold: { op: '<=', value: 0.5, label: 'SLO ≤ 50%' } });
    assert.deepEqual(far.yDomain, [0.002, 0.012]);
    assert.equal(far.threshold?.offscale, 'above');
    assert.equal(far.threshold?.label, 'SLO ≤ 50% (above the chart)');
  });

  it('covers the dashboard range and the forecast beyond it', () => {
    const withForecast = chartModel({
      ...input,
      range: { from: T0 - 3600_000, to: t[4]! },
      series: [{ ...input.series[0]!, forecast: { times: [t[4]! + 15 * MINUTE, t[4]! + 30 * MINUTE], mean: [0.006, 0.007], lower: [0.004, 0.004], upper: [0.008, 0.01] } }],
    });
    assert.deepEqual(withForecast.xDomain, [T0 - 3600_000, t[4]! + 30 * MINUTE]);
    assert.ok(withForecast.forecastX! > withForecast.plot.left && withForecast.forecastX! < withForecast.plot.left + withForecast.plot.width);
    assert.ok(withForecast.series[0]!.forecastLine!.startsWith('M'));
    assert.ok(withForecast.series[0]!.forecastBand!.endsWith('Z'));
    assert.equal(withForecast.stops.length, 7);
  });

  it('puts the cursor dot on the value, or on the forecast beyond the data', () => {
    assert.deepEqual(pointsAt(input.series, model, t[3]!), [{ series: 0, x: model.series[0]!.anomalies[0]!.x, y: 8 }]);
    assert.deepEqual(pointsAt(input.series, model, t[2]!), [], 'nothing at a gap');
  });

  it('is empty without values', () => {
    const empty = chartModel({ ...input, series: [{ name: 'x', times: t, values: t.map(() => NaN) }] });
    assert.equal(empty.empty, true);
    assert.equal(empty.series[0]!.line, '');
  });

  it('reads out one point: value, expected, band, flags and events', () => {
    const at = readoutAt(input, t[3]!);
    assert.equal(at.timeText, '2026-11-24 10:45:00');
    assert.deepEqual(
      at.rows.map((r) => [r.label, r.text]),
      [
        ['Value', '1.20%'],
        ['Expected', '0.500%'],
        ['Band', '0.300%–0.700%'],
        ['Anomaly', 'flagged'],
        ['Event', 'Rebuffering ratio: major rise'],
      ],
    );
    assert.equal(readoutAt(input, t[4]!).rows.find((r) => r.flag === 'data-issue')?.text, 'inside a data-quality failure');
    assert.equal(readoutAt(input, t[2]!).rows.length, 1, 'only the expected value at a gap');
  });

  it('summarises the chart for screen readers', () => {
    assert.equal(
      chartSummary(input, 'Rebuffering ratio'),
      'Rebuffering ratio, 10:00 to 11:00. latest 0.600%, expected 0.500%, band 0.300% to 0.700%, lowest 0.400%, highest 1.20%, 1 anomalous point, first at 10:45, 1 stretch of data issues. SLO ≤ 1%. 1 anomaly event.',
    );
    assert.equal(chartSummary({ ...input, series: [] }, 'Skip rate'), 'Skip rate: no values to chart.');
  });
});
