// The analysis query types through the query pipeline in process, on the demo source (a real
// Source with scheduled incidents): frame shapes for panels, alert rules and annotations, the
// options' effects, and per-query errors. The built executable and Prometheus are covered by
// test/integration/analysis-queries.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame } from '../../../src/backend/grafana/frames/frame';
import type { QueryAnswer } from '../../../src/backend/query/pipeline';
import { MARKET_CODES } from '../../../src/backend/sources/demo/model';
import { DAY, HOUR } from '../demo/helpers';
import { demoPipeline } from './demo-pipeline';

/** A fixed past range, so the demo's scheduled incidents are the same on every run. */
const TO = Date.UTC(2026, 10, 30);
const FROM = TO - 2 * DAY;
const { run } = demoPipeline(FROM, TO, TO + HOUR);

const names = (frame: Frame) => frame.fields.map((f) => f.name);
const values = (frame: Frame, name: string) => frame.fields.find((f) => f.name === name)!.values as number[];

describe('queryType anomaly', () => {
  it('answers value, expected, band, score, flag and data issue per series, plus an annotations frame', async () => {
    const [answer] = await run({ queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'] });
    assert.equal(answer!.failure, undefined);
    const series = answer!.frames.filter((f) => f.name !== 'Anomalies');
    const events = answer!.frames.find((f) => f.name === 'Anomalies');
    assert.equal(series.length, MARKET_CODES.length, 'one frame per market');
    for (const frame of series) {
      assert.deepEqual(names(frame), ['Time', 'Value', 'Expected', 'Lower', 'Upper', 'Score', 'Anomaly', 'Data issue']);
      const [value, lower, upper, score, issue] = ['Value', 'Lower', 'Upper', 'Score', 'Data issue'].map((n) => values(frame, n));
      score!.forEach((s, i) => {
        assert.ok(s >= 0 && s <= 1);
        // Outside the band is at least the band edge's 0.9; inside, a sustained shift can score more (shift.ts).
        const outside = value![i]! < lower![i]! || value![i]! > upper![i]!;
        if (outside && issue![i] !== 1) assert.ok(s >= 0.9, `outside the band scores at least 0.9 (point ${i}: ${s})`);
      });
      assert.equal(frame.fields[1]!.config?.unit, 'percentunit');
      assert.deepEqual(frame.fields[5]!.config?.custom, { hideFrom: { viz: true, legend: true, tooltip: false } });
      assert.equal(frame.fields[4]!.config?.custom?.fillBelowTo, `${frame.name} lower`);
    }
    assert.ok(events, 'an events frame');
    assert.equal(events.meta?.dataTopic, 'annotations');
    assert.deepEqual(names(events).slice(0, 5), ['time', 'timeEnd', 'title', 'text', 'tags']);
    const stats = series[0]!.meta?.stats?.map((s) => s.displayName) ?? [];
    assert.ok(stats.includes('Upstream time') && stats.includes('Analysis time') && stats.includes('Points analysed'));
    assert.match(series[0]!.meta?.executedQueryString ?? '', /^KPI: rebuffering_ratio/);
  });

  it('keeps one numeric field for alert rules and leaves the events out', async () => {
    const [answer] = await run({ queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'], output: 'anomaly' });
    assert.equal(answer!.frames.length, MARKET_CODES.length);
    for (const frame of answer!.frames) {
      assert.deepEqual(names(frame), ['Time', 'Anomaly']);
      assert.ok(frame.fields[1]!.labels?.market);
      assert.ok(values(frame, 'Anomaly').every((v) => v === 0 || v === 1));
    }
  });

  it('answers only the events for annotation queries, with root-cause hints for the aggregate', async () => {
    const [answer] = await run({ queryType: 'anomaly', kpi: 'rebuffering_ratio', format: 'events', detect: { sensitivity: 1 } });
    assert.equal(answer!.frames.length, 1);
    const [events] = answer!.frames;
    assert.equal(events!.meta?.dataTopic, undefined, 'annotation queries read the frame as it is');
    const texts = events!.fields.find((f) => f.name === 'text')!.values as string[];
    assert.ok(texts.length >= 1, 'the demo schedules incidents every few hours');
    assert.ok(texts.some((t) => /market=[A-Z]{2}.*: \d+% of the rebuffering ratio (increase|decrease)/.test(t)), texts.join(' | '));
  });

  it('flags more with more sensitivity, and the direction option silences the other side', async () => {
    const [low, high, up] = await run(
      { queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'], output: 'anomaly', detect: { sensitivity: 0.2 } },
      { queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'], output: 'anomaly', detect: { sensitivity: 0.9 } },
      { queryType: 'anomaly', kpi: 'rebuffering_ratio', groupBy: ['market'], output: 'all', detect: { sensitivity: 0.9, direction: 'up' } },
    );
    const flagged = (a: QueryAnswer) => a.frames.reduce((n, f) => n + values(f, 'Anomaly').filter((v) => v === 1).length, 0);
    assert.ok(flagged(high!) > flagged(low!), `${flagged(high!)} > ${flagged(low!)}`);
    for (const frame of up!.frames.filter((f) => f.name !== 'Anomalies')) {
      const [value, expected, anomaly] = ['Value', 'Expected', 'Anomaly'].map((n) => values(frame, n));
      anomaly!.forEach((a, i) => a === 1 && assert.ok(value![i]! > expected![i]!, 'direction up flags rises only'));
    }
  });

  it('runs as an option of kpi and promql queries', async () => {
    const [kpi, promql] = await run(
      { queryType: 'kpi', kpi: 'skip_rate', detect: {}, output: 'score' },
      { queryType: 'promql', expr: 'avg(encore_demo_skip_rate)', detect: { algorithm: 'ewma' } },
    );
    assert.deepEqual(names(kpi!.frames[0]!), ['Time', 'Score']);
    assert.deepEqual(names(promql!.frames[0]!), ['Time', 'Value', 'Expected', 'Lower', 'Upper', 'Score', 'Anomaly', 'Data issue']);
    assert.deepEqual((promql!.frames[0]!.meta?.custom as { algorithms: string[] }).algorithms, ['ewma']);
    assert.ok(!promql!.frames.some((f) => f.name === 'Anomalies'), 'events only for queryType anomaly');
  });
});

describe('queryTypes outliers, forecast, quality', () => {
  it('outliers answer one frame per peer with bands in the series units', async () => {
    const [answer] = await run({ queryType: 'outliers', kpi: 'rebuffering_ratio', groupBy: ['market'] });
    assert.equal(answer!.frames.length, MARKET_CODES.length);
    for (const frame of answer!.frames) {
      const [value, expected] = ['Value', 'Expected'].map((n) => values(frame, n));
      const i = value!.findIndex((v, k) => Number.isFinite(v) && Number.isFinite(expected![k]!));
      assert.ok(i >= 0 && Math.abs(Math.log(expected![i]! / value![i]!)) < 2, 'expected values are in the units of the series');
    }
  });

  it('forecasts the horizon past the range end', async () => {
    const [answer] = await run({ queryType: 'forecast', kpi: 'ad_revenue', horizon: '6h' });
    const [frame] = answer!.frames;
    assert.deepEqual(names(frame!), ['Time', 'Value', 'Forecast', 'Lower', 'Upper']);
    const times = values(frame!, 'Time');
    const future = times.filter((t) => t > TO);
    assert.ok(future.length >= 1);
    assert.ok(future.at(-1)! >= TO + 6 * 3_600_000 - 10 * 60_000 && future.at(-1)! <= TO + 6 * 3_600_000 + 10 * 60_000);
    const forecast = values(frame!, 'Forecast').slice(times.length - future.length);
    assert.ok(forecast.every((v) => v >= 0), 'revenue never forecast below zero');
  });

  it('quality answers a table, a score or levels', async () => {
    const [table, score, levels] = await run(
      { queryType: 'quality', kpi: 'rebuffering_ratio', groupBy: ['market'] },
      { queryType: 'quality', kpi: 'rebuffering_ratio', groupBy: ['market'], output: 'score' },
      { queryType: 'quality', kpi: 'rebuffering_ratio', groupBy: ['market'], output: 'levels', maxSeries: 5 },
    );
    assert.deepEqual(names(table!.frames[0]!), ['check', 'title', 'status', 'level', 'value', 'threshold', 'unit', 'message', 'series']);
    const s = values(score!.frames[0]!, 'Quality score');
    assert.equal(s.length, 1);
    assert.ok(s[0]! >= 0 && s[0]! <= 100);
    const cardinality = levels!.frames.find((f) => f.fields[1]!.labels?.check === 'cardinality');
    assert.deepEqual(values(cardinality!, 'Level'), [2], '7 markets over a limit of 5 fails');
  });
});

describe('bad analysis queries', () => {
  it('fail alone, with the field named', async () => {
    const answers = await run(
      { queryType: 'anomaly' },
      { queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { direction: 'sideways' } },
      { queryType: 'forecast', kpi: 'ad_revenue', horizon: '1y' },
      { queryType: 'anomaly', expr: 'up', groupBy: ['market'] },
      { queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { season: '1s' } },
      { queryType: 'quality', kpi: 'rebuffering_ratio' },
    );
    const messages = answers.map((a) => a.failure?.message);
    assert.match(messages[0]!, /^kpi: expected a KPI id or a PromQL expression/);
    assert.match(messages[1]!, /^detect\.direction: expected one of both, up, down/);
    assert.match(messages[2]!, /^horizon: expected at most 10000 steps ahead/);
    assert.match(messages[3]!, /^groupBy: filters and groupBy apply to KPI queries/);
    assert.match(messages[4]!, /^detect\.season: expected a period of at least two steps/);
    assert.equal(answers[5]!.failure, undefined, 'the neighbour still answers');
    for (const a of answers.slice(0, 5)) assert.equal(a.failure?.status, 400);
  });
});
