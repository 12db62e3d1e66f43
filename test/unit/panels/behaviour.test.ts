import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionDistribution, shortDuration } from '../../../src/panels/shared/distribution';
import { readAnswers } from '../../../src/panels/shared/frames';
import { funnel, funnelStepOf } from '../../../src/panels/shared/funnel';
import { createDataFrame, encoreFrame, FieldType, formatValue, kpiMeta, times } from './support';

const plain = (refId: string, name: string, values: number[], labels: Record<string, string> = {}) =>
  createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: times(values.length) },
      { name: 'Value', type: FieldType.number, values, labels, config: { displayNameFromDS: name } },
    ],
  });

describe('streams funnel', () => {
  it('recognises the steps by KPI, legend or refId', () => {
    const [starts, streams, completions, other] = readAnswers([
      plain('A', 'Starts', [1]),
      encoreFrame({ refId: 'B', name: 'Streams', values: [1], unit: 'count:streams/h', meta: kpiMeta('streams', 'behaviour', 'up') }),
      plain('Completions', '', [1]),
      plain('D', 'Startup time p95', [1]),
    ]);
    assert.equal(funnelStepOf(starts!.series[0]!), 'starts');
    assert.equal(funnelStepOf(streams!.series[0]!), 'streams');
    assert.equal(funnelStepOf(completions!.series[0]!), 'completions');
    assert.equal(funnelStepOf(other!.series[0]!), undefined);
  });

  it('has each step’s mean and the share that makes it to the next step', () => {
    const answers = readAnswers([
      plain('A', 'Starts', [1000, 1200]),
      plain('B', '30-second streams', [800, 850]),
      plain('C', 'Completions', [400, 425]),
      plain('D', 'Skip rate', [0.3, 0.3]),
    ]);
    const f = funnel(answers, formatValue, 0);
    assert.equal(f.found, 3);
    assert.deepEqual(
      f.steps.map((s) => [s.id, s.value, s.text, s.shareText]),
      [
        ['starts', 1100, '1 K', undefined],
        ['streams', 825, '825', '75\u00a0% of starts'],
        ['completions', 412.5, '413', '50\u00a0% of 30-second streams'],
      ],
    );
    assert.equal(f.steps[2]!.shareOfFirst, 0.375);
    assert.equal(f.warning, undefined);
  });

  it('warns when steps come in different units, and has no shares across a missing step', () => {
    const answers = readAnswers([
      createDataFrame({ refId: 'S', fields: [{ name: 'Time', type: FieldType.time, values: times(1) }, { name: 'Starts', type: FieldType.number, values: [10], config: { unit: 'reqps' } }] }),
      encoreFrame({ refId: 'B', name: 'Streams', values: [3600], unit: 'count:streams/h', meta: kpiMeta('streams', 'behaviour', 'up') }),
    ]);
    const f = funnel(answers, formatValue);
    assert.match(f.warning!, /different units \(reqps, count:streams\/h\)/);
    assert.equal(f.steps[2]!.value, undefined);
    assert.equal(f.steps[2]!.text, '–');
  });
});

describe('session length distribution', () => {
  it('turns cumulative buckets into shares per bucket, with the median', () => {
    const buckets: Array<[string, number]> = [
      ['60', 10],
      ['300', 40],
      ['1800', 90],
      ['+Inf', 100],
    ];
    const answers = readAnswers(buckets.map(([le, count]) => plain('sessions', le, [count, count], { le })));
    const d = sessionDistribution(answers)!;
    assert.deepEqual(
      d.bars.map((b) => [b.label, b.shareText]),
      [
        ['< 1 min', '10\u00a0%'],
        ['1 min–5 min', '30\u00a0%'],
        ['5 min–30 min', '50\u00a0%'],
        ['> 30 min', '10\u00a0%'],
      ],
    );
    // Rank 50 falls in the 300–1800 s bucket, 10/50 of the way: 300 + 1500 × 0.2 = 600 s.
    assert.equal(d.median, 600);
    assert.equal(d.medianText, '10 min');
  });

  it('is undefined without buckets', () => {
    assert.equal(sessionDistribution(readAnswers([plain('A', 'Skip rate', [0.2])])), undefined);
  });

  it('writes durations short', () => {
    assert.deepEqual([45, 90, 5400, 172800].map(shortDuration), ['45 s', '1.5 min', '1.5 h', '2 d']);
  });
});
