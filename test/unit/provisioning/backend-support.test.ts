// What the provisioned rules and dashboards need from the backend, in process on the demo
// source: `checks` narrows a quality query to the checks an alert rule is about; Grafana's
// interval macros ($__rate_interval, $__interval) are replaced in PromQL, which Grafana's
// template service leaves alone for non-Prometheus data sources and alerting never runs; and the
// demo source takes a dashboard's "All" filter on a label it does not model (tier=~".*") as
// Prometheus would, as matching every series.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECK_IDS } from '../../../src/backend/analysis/quality/types';
import { expandIntervalMacros } from '../../../src/backend/query/macros';
import { demoKpiExpression } from '../../../src/backend/sources/demo/kpis';
import { findKpi } from '../../../src/common/kpis/catalogue';
import { QUALITY_CHECK_IDS, qualityQuerySchema } from '../../../src/common/query';
import { demoPipeline } from '../query/demo-pipeline';

const HOUR = 3_600_000;
const TO = Date.UTC(2026, 10, 30);
const { run } = demoPipeline(TO - 6 * HOUR, TO, TO + HOUR);

describe('quality queries narrowed by checks', () => {
  it('name the same checks as the backend', () => {
    assert.deepEqual([...QUALITY_CHECK_IDS], [...CHECK_IDS]);
  });

  it('answer levels and the table for the checks asked for only; the score still counts all', async () => {
    const [all, freshness, table, score] = await run(
      { queryType: 'quality', kpi: 'rebuffering_ratio', output: 'levels' },
      { queryType: 'quality', kpi: 'rebuffering_ratio', output: 'levels', checks: ['freshness'] },
      { queryType: 'quality', kpi: 'rebuffering_ratio', output: 'table', checks: ['completeness', 'freshness'] },
      { queryType: 'quality', kpi: 'rebuffering_ratio', output: 'score', checks: ['freshness'] },
    );
    assert.ok(all!.frames.length > 2);
    assert.deepEqual(freshness!.frames.map((f) => f.fields[1]!.labels?.check), ['freshness']);
    assert.deepEqual(freshness!.frames[0]!.fields.map((f) => f.name), ['Time', 'Level']);
    assert.deepEqual(table!.frames[0]!.fields.find((f) => f.name === 'check')!.values, ['completeness', 'freshness']);
    assert.equal(score!.frames[0]!.fields[1]!.values[0], (all!.frames[0]!.meta?.custom as { qualityScore?: number } | undefined)?.qualityScore);
  });

  it('refuse an unknown check with the list of checks', () => {
    const parsed = qualityQuerySchema.safeParse({ queryType: 'quality', kpi: 'streams', checks: ['freshnes'] });
    assert.ok(!parsed.success);
    assert.match(parsed.error.issues[0]!.message, /expected one of completeness, freshness/);
  });
});

describe("Grafana's interval macros in PromQL", () => {
  it('become the step and the KPI rate window', () => {
    assert.equal(expandIntervalMacros('rate(x[$__rate_interval])', 60_000, 15_000), 'rate(x[1m15s])');
    assert.equal(expandIntervalMacros('rate(x[${__rate_interval}]) / $__interval_ms', 15_000, 15_000), 'rate(x[1m]) / 15000');
    assert.equal(expandIntervalMacros('avg_over_time(x[$__interval])', 300_000, 15_000), 'avg_over_time(x[5m])');
    assert.equal(expandIntervalMacros('x{a="$__intervals"}', 60_000, 15_000), 'x{a="$__intervals"}', 'a longer name is not a macro');
  });

  it('are replaced before the source runs the query', async () => {
    // The demo evaluates a PromQL subset without rate(): arithmetic shows the replacement.
    const [answer] = await run({ queryType: 'promql', expr: 'sum(encore_demo_active_listeners) * 0 + $__interval_ms' });
    assert.equal(answer!.failure, undefined, answer!.failure?.message);
    assert.match(String(answer!.frames[0]!.meta?.executedQueryString), /Expr: sum\(encore_demo_active_listeners\) \* 0 \+ 60000\n/);
    const values = answer!.frames[0]!.fields[1]!.values as number[];
    assert.ok(values.length > 0 && values.every((v) => v === 60_000));
  });
});

describe('the demo source and filters on labels it does not model', () => {
  const kpi = findKpi('rebuffering_ratio')!;
  it('keeps every series for a filter that matches an absent label (a dashboard "All")', () => {
    assert.equal(demoKpiExpression(kpi, [{ label: 'tier', op: '=~', value: '.*' }, { label: 'market', op: '=~', value: '.*' }], []), demoKpiExpression(kpi, [{ label: 'market', op: '=~', value: '.*' }], []));
    assert.equal(demoKpiExpression(kpi, [{ label: 'tier', op: '!=', value: 'premium' }], []), demoKpiExpression(kpi, [], []));
  });
  it('still refuses a filter that needs the label, and a split by it', () => {
    assert.throws(() => demoKpiExpression(kpi, [{ label: 'tier', op: '=', value: 'premium' }], []), /the demo source splits rebuffering_ratio only by market and platform, got "tier"/);
    assert.throws(() => demoKpiExpression(kpi, [], ['tier']), /groupBy: the demo source splits/);
  });
});
