import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultOptions as audioDefaults } from '../../../src/panels/audio-quality/options';
import { defaultOptions as behaviourDefaults } from '../../../src/panels/behaviour/options';
import { defaultOptions as revenueDefaults } from '../../../src/panels/revenue/options';
import { readAnswers } from '../../../src/panels/shared/frames';
import { findKpi } from '../../../src/panels/shared/kpis';
import { kpiChart, kpiPanelModel } from '../../../src/panels/shared/panel-model';
import { createDataFrame, encoreFrame, FieldType, formatters, kpiMeta, times } from './support';

const rebuffering = () =>
  encoreFrame({
    refId: 'A',
    name: 'Rebuffering ratio',
    values: [0.004, 0.005, 0.012],
    expected: [0.004, 0.004, 0.005],
    lower: [0.002, 0.002, 0.003],
    upper: [0.006, 0.006, 0.007],
    anomaly: [0, 0, 1],
    dataIssue: [0, 0, 0],
    unit: 'percentunit',
    decimals: 2,
    meta: kpiMeta('rebuffering_ratio', 'audio_quality', 'down', { stats: [{ displayName: 'Quality score', value: 100 }] }),
  });
const byPlatform = (platform: string, value: number, first: boolean) =>
  encoreFrame({
    refId: 'B',
    name: `Rebuffering ratio ${platform}`,
    labels: { platform },
    values: [value, value],
    unit: 'percentunit',
    decimals: 2,
    ...(first ? { meta: kpiMeta('rebuffering_ratio', 'audio_quality', 'down') } : {}),
  });

describe('default options', () => {
  it('each panel starts with its group’s headline KPIs and every section on', () => {
    assert.deepEqual(audioDefaults.kpis, ['startup_time_p95', 'rebuffering_ratio', 'playback_failure_rate', 'average_bitrate']);
    assert.deepEqual(behaviourDefaults.kpis, ['skip_rate', 'completion_rate', 'listening_hours_per_user', 'session_length', 'recommendation_stream_share', 'recommendation_skip_rate']);
    assert.deepEqual(revenueDefaults.kpis, ['subscription_revenue', 'ad_revenue', 'arpu', 'trial_conversion', 'churn_rate']);
    assert.equal(audioDefaults.chartKpi, 'auto');
    assert.equal(audioDefaults.breakdown, 'auto');
    assert.equal(revenueDefaults.currency, 'auto');
    assert.equal(behaviourDefaults.showFunnel, true);
  });
});

describe('kpiPanelModel', () => {
  it('without data: says which Encore queries to add', () => {
    const model = kpiPanelModel([], [], audioDefaults, formatters);
    assert.equal(model.empty?.title, 'No data: add an Encore KPI query for Startup time p95, Rebuffering ratio, Playback failure rate, Average bitrate');
    assert.match(model.empty!.detail, /type KPI or Anomalies for Startup time p95 \(startup_time_p95\), Rebuffering ratio \(rebuffering_ratio\)/);
    assert.match(model.empty!.detail, /Expected, Lower, Upper, Score and Anomaly fields/);
  });

  it('with only failed queries: shows the errors', () => {
    const model = kpiPanelModel([], ['Query A: upstream unreachable'], audioDefaults, formatters);
    assert.deepEqual(model.empty, { title: 'The queries failed', detail: 'Query A: upstream unreachable' });
    assert.equal(model.emptyReason, 'failed');
  });

  describe('when the queries answer without a single value in the range', () => {
    // What the backend sends for a range without data: one frame with the schema and no rows.
    const emptyAnswer = (refId: string, kpi: string, extra: Partial<Parameters<typeof kpiMeta>[3]> = {}) =>
      encoreFrame({ refId, name: findKpi(kpi)!.name, values: [], meta: kpiMeta(kpi, 'audio_quality', 'down', extra) });
    const freshness = { severity: 'error' as const, text: 'Data quality: Freshness: no sample in the last 5m' };

    it('says which KPIs have no data in the range and what to try, and keeps the notices', () => {
      const answers = readAnswers([emptyAnswer('A', 'rebuffering_ratio', { notices: [freshness] }), emptyAnswer('B', 'startup_time_p95')]);
      const model = kpiPanelModel(answers, [], audioDefaults, formatters);
      assert.equal(model.emptyReason, 'no-values');
      // In the panel's order, not the queries'.
      assert.equal(model.empty?.title, 'No data in this time range for Startup time p95, Rebuffering ratio');
      const lines = model.empty!.detail.split('\n');
      assert.equal(lines[0], 'The queries for Startup time p95 (startup_time_p95), Rebuffering ratio (rebuffering_ratio) answered, without a single value in the time range.');
      assert.match(lines[1]!, /^Widen the time range/);
      assert.equal(lines[2], 'The data-quality badge above lists what the checks found.');
      // The KPIs no query asked for are still named.
      assert.equal(lines[3], 'No data for Playback failure rate, Average bitrate: add Encore KPI queries for playback_failure_rate, average_bitrate.');
      assert.equal(model.badge.level, 'error');
      assert.deepEqual(model.badge.notices.map((n) => n.text), [freshness.text]);
    });

    it('counts series whose values are all null as empty, and says nothing of notices when there are none', () => {
      const nulls = encoreFrame({ refId: 'A', name: 'Rebuffering ratio', values: [null, null, null], expected: [0.004, 0.004, 0.004], meta: kpiMeta('rebuffering_ratio', 'audio_quality', 'down') });
      const model = kpiPanelModel(readAnswers([nulls]), [], { ...audioDefaults, kpis: ['rebuffering_ratio'] }, formatters);
      assert.equal(model.emptyReason, 'no-values');
      assert.equal(model.empty?.title, 'No data in this time range for Rebuffering ratio');
      assert.doesNotMatch(model.empty!.detail, /badge/);
    });

    it('keeps the query errors beside the message', () => {
      const model = kpiPanelModel(readAnswers([emptyAnswer('A', 'rebuffering_ratio')]), ['Query B: timeout'], audioDefaults, formatters);
      assert.equal(model.emptyReason, 'no-values');
      assert.deepEqual(model.errors, ['Query B: timeout']);
    });

    it('names series of other data sources by their names', () => {
      const cpu = createDataFrame({
        refId: 'A',
        fields: [
          { name: 'Time', type: FieldType.time, values: [] },
          { name: 'Value', type: FieldType.number, values: [], config: { displayNameFromDS: 'Encoder CPU' } },
        ],
      });
      const model = kpiPanelModel(readAnswers([cpu]), [], audioDefaults, formatters);
      assert.equal(model.empty?.title, 'No data in this time range for Encoder CPU');
    });

    it('with part of the data: draws what has values, charting a KPI that has some', () => {
      // Startup time comes first in the panel's KPIs but answered empty.
      const answers = readAnswers([emptyAnswer('B', 'startup_time_p95'), rebuffering()]);
      const model = kpiPanelModel(answers, [], audioDefaults, formatters);
      assert.equal(model.empty, undefined);
      assert.equal(model.emptyReason, undefined);
      const tiles = Object.fromEntries(model.tiles.map((t) => [t.kpiId, [t.text, t.hint]]));
      assert.deepEqual(tiles.startup_time_p95, ['–', 'No values in the time range']);
      assert.equal(tiles.rebuffering_ratio![0], '1.20%');
      assert.equal(model.chart?.kpiId, 'rebuffering_ratio');
    });
  });

  it('with part of the data: tiles for every KPI, hints for the missing, the first KPI with data charted', () => {
    const answers = readAnswers([rebuffering(), byPlatform('ios', 0.004, true), byPlatform('android', 0.02, false)]);
    const model = kpiPanelModel(answers, ['Query C: timeout'], audioDefaults, formatters);
    assert.equal(model.empty, undefined);
    assert.deepEqual(
      model.tiles.map((t) => [t.kpiId, t.text, t.state]),
      [
        ['startup_time_p95', '–', 'no-data'],
        ['rebuffering_ratio', '1.20%', 'breached'],
        ['playback_failure_rate', '–', 'no-data'],
        ['average_bitrate', '–', 'no-data'],
      ],
    );
    assert.equal(model.tilesHint, 'No data for Startup time p95, Playback failure rate, Average bitrate: add Encore KPI queries for startup_time_p95, playback_failure_rate, average_bitrate');
    assert.deepEqual(
      model.tiles.filter((t) => t.missing).map((t) => t.kpiId),
      ['startup_time_p95', 'playback_failure_rate', 'average_bitrate'],
    );
    assert.equal(model.chart?.kpiId, 'rebuffering_ratio');
    assert.equal(model.chart?.series.length, 1);
    assert.deepEqual(model.chart?.threshold, { op: '<=', value: 0.01, label: 'SLO ≤ 1%' });
    assert.deepEqual(
      model.breakdown?.rows.map((r) => [r.key, r.cells[0]!.text]),
      [
        ['android', '2.00%'],
        ['ios', '0.40%'],
      ],
    );
    assert.deepEqual(model.errors, ['Query C: timeout']);
    assert.equal(model.badge.label, 'Data quality OK (score 100)');
  });

  it('charts the KPI a tile selected, or says what that KPI needs', () => {
    const answers = readAnswers([rebuffering()]);
    const model = kpiPanelModel(answers, [], audioDefaults, formatters, 'startup_time_p95');
    assert.equal(model.chart, undefined);
    assert.equal(model.chartHint, 'No data for Startup time p95: add an Encore KPI or Anomalies query for startup_time_p95');
  });

  it('charts the groups of a KPI only queried split, and says how to get the overall line', () => {
    const answers = readAnswers([byPlatform('ios', 0.004, true), byPlatform('android', 0.02, false)]);
    const chart = kpiChart(answers, 'rebuffering_ratio', audioDefaults, formatters)!;
    assert.deepEqual(
      chart.series.map((s) => s.name),
      ['Rebuffering ratio ios', 'Rebuffering ratio android'],
    );
    assert.equal(chart.note, 'Split by Platform; add a query without Split by for the overall line and its band');
  });

  it('charts series from other data sources as they are when no KPI matches', () => {
    const cpu = createDataFrame({
      refId: 'A',
      fields: [
        { name: 'Time', type: FieldType.time, values: times(2) },
        { name: 'Value', type: FieldType.number, values: [1, 2], config: { displayNameFromDS: 'Encoder CPU', unit: 'percent' } },
        { name: 'Expected', type: FieldType.number, values: [1.5, 1.5] },
      ],
    });
    const model = kpiPanelModel(readAnswers([cpu]), [], audioDefaults, formatters);
    assert.equal(model.chart?.title, 'Encoder CPU');
    assert.equal(model.chart?.unit, 'percent');
    assert.deepEqual(model.chart?.series[0]!.expected, [1.5, 1.5]);
    assert.equal(model.badge.level, 'unchecked');
  });

  it('hints at the breakdown when no query is split, and leaves out what the options turn off', () => {
    const answers = readAnswers([rebuffering()]);
    assert.equal(kpiPanelModel(answers, [], audioDefaults, formatters).breakdownHint, 'No breakdown: split a query by platform, market or another label (Split by in the Encore query editor)');
    assert.match(kpiPanelModel(answers, [], { ...audioDefaults, breakdown: 'codec' }, formatters).breakdownHint!, /^No breakdown by Codec: split a query of Startup time p95 \(startup_time_p95\), Rebuffering ratio/);
    const off = kpiPanelModel(answers, [], { ...audioDefaults, showChart: false, showBreakdown: false }, formatters);
    assert.equal(off.chart, undefined);
    assert.equal(off.breakdown, undefined);
    assert.equal(off.breakdownHint, undefined);
  });
});
