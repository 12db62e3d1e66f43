import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableDimensions, breakdown, resolveDimension } from '../../../src/panels/shared/breakdown';
import { readAnswers } from '../../../src/panels/shared/frames';
import { qualityBadge } from '../../../src/panels/shared/quality';
import { createDataFrame, encoreFrame, FieldType, formatValue, kpiMeta } from './support';

const byPlatform = (kpi: string, group: string, good: string, refId: string, unit: string, values: Record<string, number>) =>
  Object.entries(values).map(([platform, value], i) =>
    encoreFrame({
      refId,
      name: `${kpi} ${platform}`,
      labels: { platform },
      values: [value / 2, value],
      anomaly: [0, platform === 'web' ? 1 : 0],
      unit,
      decimals: 2,
      ...(i === 0 ? { meta: kpiMeta(kpi, group, good) } : {}),
    }),
  );

describe('breakdown', () => {
  const answers = readAnswers([
    ...byPlatform('rebuffering_ratio', 'audio_quality', 'down', 'A', 'percentunit', { ios: 0.004, android: 0.015, web: 0.0095 }),
    ...byPlatform('startup_time_p95', 'audio_quality', 'down', 'B', 's', { ios: 1.1, android: 2.4 }),
    encoreFrame({ refId: 'C', name: 'Rebuffering ratio', values: [0.01, 0.011], meta: kpiMeta('rebuffering_ratio', 'audio_quality', 'down') }),
  ]);

  it('finds the labels that split the series, preferred ones first', () => {
    assert.deepEqual(availableDimensions(answers), ['platform']);
    assert.equal(resolveDimension('auto', answers, ['rebuffering_ratio']), 'platform');
    assert.equal(resolveDimension('none', answers, ['rebuffering_ratio']), undefined);
    assert.equal(resolveDimension('codec', answers, ['rebuffering_ratio']), 'codec');
  });

  it('has one row per label value, worst first by the first KPI, cells formatted and judged by the SLO', () => {
    const table = breakdown(answers, ['rebuffering_ratio', 'startup_time_p95'], 'platform', { reducer: 'last' }, formatValue)!;
    assert.equal(table.dimensionName, 'Platform');
    assert.deepEqual(
      table.columns.map((c) => [c.title, c.sloText]),
      [
        ['Rebuffering ratio', 'SLO ≤ 1%'],
        ['Startup time p95', 'SLO ≤ 2 s'],
      ],
    );
    assert.deepEqual(
      table.rows.map((r) => [r.key, ...r.cells.map((c) => `${c.text} ${c.state}${c.anomalous ? ' anomalous' : ''}`)]),
      [
        ['android', '1.50% breached', '2.40 s breached'],
        ['web', '0.95% at-risk anomalous', '– no-data'],
        ['ios', '0.40% met', '1.10 s met'],
      ],
    );
    assert.equal(table.sortedBy, 'rebuffering_ratio');
    assert.equal(table.order, 'worst-first');
  });

  it('sorts “higher is better” KPIs lowest first and keeps to the row limit', () => {
    const bitrate = readAnswers(byPlatform('average_bitrate', 'audio_quality', 'up', 'D', 'Kbits', { ios: 256, android: 96, web: 160 }));
    const table = breakdown(bitrate, ['average_bitrate'], 'platform', { reducer: 'last', limit: 2 }, formatValue)!;
    assert.deepEqual(
      table.rows.map((r) => r.key),
      ['android', 'web'],
    );
    assert.equal(table.total, 3);
  });

  it('puts the largest amounts first (money by market)', () => {
    const revenue = readAnswers(byPlatform('ad_revenue', 'revenue', 'up', 'E', 'currencyUSD', { ios: 900, android: 2500, web: 1200 }));
    const table = breakdown(revenue, ['ad_revenue'], 'platform', { reducer: 'last' }, formatValue)!;
    assert.equal(table.order, 'largest-first');
    assert.deepEqual(
      table.rows.map((r) => [r.key, r.cells[0]!.text]),
      [
        ['android', '$2.50K'],
        ['web', '$1.20K'],
        ['ios', '$900.00'],
      ],
    );
  });

  it('is undefined when no series is split by the dimension', () => {
    assert.equal(breakdown(answers, ['rebuffering_ratio'], 'market', { reducer: 'last' }, formatValue), undefined);
  });
});

describe('quality badge', () => {
  it('is OK with a score when the checks pass', () => {
    const answers = readAnswers([encoreFrame({ refId: 'A', name: 'Skip rate', values: [0.2], dataIssue: [0], meta: { ...kpiMeta('skip_rate', 'behaviour', 'down'), stats: [{ displayName: 'Quality score', value: 100 }] } })]);
    const badge = qualityBadge(answers);
    assert.equal(badge.level, 'ok');
    assert.equal(badge.label, 'Data quality OK (score 100)');
  });

  it('counts failures and warnings, worst first, from notices and quality tables', () => {
    const a = encoreFrame({
      refId: 'A',
      name: 'Skip rate',
      values: [0.2, 0.3],
      dataIssue: [1, 0],
      meta: { ...kpiMeta('skip_rate', 'behaviour', 'down'), notices: [{ severity: 'warning', text: 'Data quality: Gaps: 3 points missing' }], stats: [{ displayName: 'Quality score', value: 81 }] },
    });
    const q = createDataFrame({
      refId: 'Q',
      meta: { custom: { qualityScore: 55 } },
      fields: [
        { name: 'check', type: FieldType.string, values: ['freshness'] },
        { name: 'title', type: FieldType.string, values: ['Freshness'] },
        { name: 'status', type: FieldType.string, values: ['fail'] },
        { name: 'message', type: FieldType.string, values: ['newest sample is 12m old'] },
      ],
    });
    const badge = qualityBadge(readAnswers([a, q]));
    assert.equal(badge.level, 'error');
    assert.equal(badge.score, 55);
    assert.equal(badge.issuePoints, 1);
    assert.equal(badge.label, 'Data quality: 1 failure, 1 warning (score 55)');
    assert.deepEqual(
      badge.notices.map((n) => [n.refId, n.severity, n.text]),
      [
        ['Q', 'error', 'Data quality: Freshness: newest sample is 12m old'],
        ['A', 'warning', 'Data quality: Gaps: 3 points missing'],
      ],
    );
  });

  it('says “not checked” for frames that carry no quality information', () => {
    const plain = readAnswers([createDataFrame({ refId: 'A', fields: [{ name: 'Time', type: FieldType.time, values: [1] }, { name: 'Value', type: FieldType.number, values: [1] }] })]);
    assert.equal(qualityBadge(plain).level, 'unchecked');
    assert.equal(qualityBadge(plain).label, 'Data quality not checked');
  });
});
