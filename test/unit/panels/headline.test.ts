import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { readAnswers } from '../../../src/panels/shared/frames';
import { headlineTile, verdictOf } from '../../../src/panels/shared/headline';
import { effectiveSlo, kpisInGroup, matchKpiName } from '../../../src/panels/shared/kpis';
import { overallSeries, reduceSeries } from '../../../src/panels/shared/series';
import { sloState, sloText } from '../../../src/panels/shared/slo';
import { encoreFrame, formatValue, kpiMeta } from './support';

describe('KPI catalogue lookups', () => {
  it('matches names and ids, case and punctuation aside, the longest name first', () => {
    assert.equal(matchKpiName('Startup time p95')?.id, 'startup_time_p95');
    assert.equal(matchKpiName('STARTUP-TIME-P95 ios / US')?.id, 'startup_time_p95');
    assert.equal(matchKpiName('rebuffering_ratio')?.id, 'rebuffering_ratio');
    assert.equal(matchKpiName('Recommendation skip rate')?.id, 'recommendation_skip_rate');
    assert.equal(matchKpiName('Skip rates of the week'), undefined);
    assert.equal(matchKpiName(''), undefined);
  });

  it('lists a group’s KPIs in catalogue order', () => {
    assert.deepEqual(
      kpisInGroup('revenue').map((k) => k.id),
      ['subscription_revenue', 'ad_revenue', 'ecpm', 'arpu', 'trial_conversion', 'churn_rate', 'payment_failure_rate'],
    );
  });

  it('uses the catalogue SLO unless the panel sets a threshold', () => {
    const startup = findKpi('startup_time_p95')!;
    assert.deepEqual(effectiveSlo(startup), startup.slo);
    assert.deepEqual(effectiveSlo(startup, 1.5), { op: '<=', threshold: 1.5, basis: 'set in the panel options' });
    // No catalogue SLO: the operator follows the good direction.
    assert.deepEqual(effectiveSlo(findKpi('average_bitrate')!, 128), { op: '>=', threshold: 128, basis: 'set in the panel options' });
    assert.equal(effectiveSlo(findKpi('average_bitrate')!), undefined);
    assert.equal(effectiveSlo(findKpi('average_bitrate')!, null), undefined);
  });
});

describe('SLO state', () => {
  const atMost2 = { op: '<=' as const, threshold: 2, basis: '' };
  const atLeast128 = { op: '>=' as const, threshold: 128, basis: '' };
  it('is met, at risk within the last tenth, or breached', () => {
    assert.equal(sloState(1.2, atMost2), 'met');
    assert.equal(sloState(1.85, atMost2), 'at-risk');
    assert.equal(sloState(2, atMost2), 'at-risk');
    assert.equal(sloState(2.01, atMost2), 'breached');
    assert.equal(sloState(160, atLeast128), 'met');
    assert.equal(sloState(130, atLeast128), 'at-risk');
    assert.equal(sloState(96, atLeast128), 'breached');
    assert.equal(sloState(NaN, atMost2), 'no-data');
    assert.equal(sloState(1, undefined), 'no-slo');
  });

  it('says the objective with Grafana’s unit formatting', () => {
    assert.equal(sloText(atMost2, 's', formatValue), 'SLO ≤ 2 s');
    assert.equal(sloText({ op: '<=', threshold: 0.01, basis: '' }, 'percentunit', formatValue), 'SLO ≤ 1%');
  });
});

describe('reduceSeries and overallSeries', () => {
  const frame = encoreFrame({
    refId: 'A',
    name: 'Startup time p95',
    values: [1.0, 1.4, 3.0, 9.9],
    expected: [1.1, 1.2, 1.3, 1.3],
    lower: [0.8, 0.9, 1.0, 1.0],
    upper: [1.4, 1.5, 1.6, 1.6],
    anomaly: [0, 0, 1, 1],
    dataIssue: [0, 0, 0, 1],
    unit: 's',
    meta: kpiMeta('startup_time_p95', 'audio_quality', 'down'),
  });
  const s = readAnswers([frame])[0]!.series[0]!;

  it('last: the latest point that is not a data issue, with its band, flagged as such', () => {
    const r = reduceSeries(s, 'last')!;
    assert.equal(r.value, 3.0);
    assert.equal(r.expected, 1.3);
    assert.equal(r.lower, 1.0);
    assert.equal(r.anomalous, true);
    assert.equal(r.latestIsDataIssue, true);
    assert.equal(r.dataIssues, 1);
    // The data-issue point is not counted as an anomaly.
    assert.equal(r.anomalies, 1);
  });

  it('mean: over the points that are not data issues', () => {
    const r = reduceSeries(s, 'mean')!;
    assert.ok(Math.abs(r.value - (1.0 + 1.4 + 3.0) / 3) < 1e-12);
    assert.ok(Math.abs(r.expected! - (1.1 + 1.2 + 1.3) / 3) < 1e-12);
  });

  it('prefers the unsplit series; with only split series there is no overall one', () => {
    const ios = encoreFrame({ refId: 'B', name: 'Startup time p95 ios', labels: { platform: 'ios' }, values: [1], meta: kpiMeta('startup_time_p95', 'audio_quality', 'down') });
    const web = encoreFrame({ refId: 'B', name: 'Startup time p95 web', labels: { platform: 'web' }, values: [2] });
    assert.equal(overallSeries(readAnswers([ios, web, frame]), 'startup_time_p95').series?.name, 'Startup time p95');
    assert.deepEqual(overallSeries(readAnswers([ios, web]), 'startup_time_p95'), { splitBy: ['platform'] });
    assert.deepEqual(overallSeries(readAnswers([ios, web]), 'rebuffering_ratio'), {});
  });
});

describe('headline tiles', () => {
  const answers = readAnswers([
    encoreFrame({
      refId: 'A',
      name: 'Rebuffering ratio',
      values: [0.004, 0.0123],
      expected: [0.004, 0.005],
      lower: [0.002, 0.003],
      upper: [0.006, 0.007],
      anomaly: [0, 1],
      unit: 'percentunit',
      decimals: 2,
      meta: kpiMeta('rebuffering_ratio', 'audio_quality', 'down'),
    }),
  ]);

  it('formats the value, colours it by SLO state and compares it with the expected band', () => {
    const tile = headlineTile(answers, 'rebuffering_ratio', { reducer: 'last' }, formatValue);
    assert.equal(tile.title, 'Rebuffering ratio');
    assert.equal(tile.value, 0.0123);
    assert.equal(tile.text, '1.23%');
    assert.equal(tile.state, 'breached');
    assert.equal(tile.stateText, 'SLO breached');
    assert.equal(tile.sloText, 'SLO ≤ 1%');
    assert.equal(tile.expectedText, '0.50%');
    assert.equal(tile.bandText, '0.30%–0.70%');
    assert.ok(Math.abs(tile.deviation! - 1.46) < 1e-9);
    assert.equal(tile.deviationText, '+146\u00a0%');
    assert.equal(tile.verdict, 'worse');
    assert.equal(tile.anomalous, true);
    assert.equal(tile.summary, 'Rebuffering ratio now 1.23%; SLO breached (SLO ≤ 1%); expected 0.50%, band 0.30%–0.70%, worse than expected; anomalous');
  });

  it('uses the panel’s threshold and decimals', () => {
    const tile = headlineTile(answers, 'rebuffering_ratio', { reducer: 'last', slo: { rebuffering_ratio: 0.02 }, decimals: 1 }, formatValue);
    assert.equal(tile.state, 'met');
    assert.equal(tile.text, '1.2%');
    assert.equal(tile.sloText, 'SLO ≤ 2%');
  });

  it('says what to add when a KPI has no query, or only split ones', () => {
    const missing = headlineTile(answers, 'startup_time_p95', { reducer: 'last' }, formatValue);
    assert.equal(missing.text, '–');
    assert.equal(missing.state, 'no-data');
    assert.equal(missing.hint, 'No data: add an Encore KPI query for startup_time_p95');
    const split = readAnswers([
      encoreFrame({ refId: 'B', name: 'Skip rate ios', labels: { platform: 'ios' }, values: [0.2], meta: kpiMeta('skip_rate', 'behaviour', 'down') }),
      encoreFrame({ refId: 'B', name: 'Skip rate web', labels: { platform: 'web' }, values: [0.3] }),
    ]);
    assert.equal(headlineTile(split, 'skip_rate', { reducer: 'last' }, formatValue).hint, 'Only queried split by platform: add a query without Split by for the overall value');
  });

  it('verdicts follow the good direction; neutral KPIs are above or below', () => {
    assert.equal(verdictOf({ value: 5, lower: 1, upper: 3 }, 'up'), 'better');
    assert.equal(verdictOf({ value: 0.5, lower: 1, upper: 3 }, 'up'), 'worse');
    assert.equal(verdictOf({ value: 2, lower: 1, upper: 3 }, 'down'), 'as-expected');
    assert.equal(verdictOf({ value: 5, lower: 1, upper: 3 }, 'neutral'), 'above');
    assert.equal(verdictOf({ value: 5, expected: 6 }, 'down'), 'better');
    assert.equal(verdictOf({ value: 5 }, 'down'), undefined);
  });
});
