import type { AnalysisOutput } from '../../../common/query';
import type { AnomalyEvent } from '../../analysis/events';
import type { Field, FieldConfig, Frame, FrameMeta } from '../../grafana/frames/frame';
import { seriesNaming, type SeriesFrameOptions } from '../series-frames';

/**
 * Frames of analysed series: per series one frame holding the time, the value and what the
 * analysis adds (expected value, band, score, flag, data-issue mark), each a float64 field with
 * the series' labels, so Grafana alert rules can reduce any of them. Panels see the band as a
 * shaded area and the helper fields hidden from the graph; `output` keeps one field for alert rules.
 */

export interface AnalysedSeries {
  labels: Record<string, string>;
  times: number[];
  value: ArrayLike<number>;
  expected?: ArrayLike<number>;
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  score?: ArrayLike<number>;
  anomaly?: ArrayLike<number>;
  dataIssue?: ArrayLike<number>;
}

type Part = Exclude<keyof AnalysedSeries, 'labels' | 'times'>;

const PARTS: ReadonlyArray<{ part: Part; output: AnalysisOutput | 'dataIssue'; name: string; suffix: string }> = [
  { part: 'value', output: 'value', name: 'Value', suffix: '' },
  { part: 'expected', output: 'expected', name: 'Expected', suffix: ' expected' },
  { part: 'lower', output: 'lower', name: 'Lower', suffix: ' lower' },
  { part: 'upper', output: 'upper', name: 'Upper', suffix: ' upper' },
  { part: 'score', output: 'score', name: 'Score', suffix: ' score' },
  { part: 'anomaly', output: 'anomaly', name: 'Anomaly', suffix: ' anomaly' },
  { part: 'dataIssue', output: 'dataIssue', name: 'Data issue', suffix: ' data issue' },
];

/** Hidden from the graph and the legend, still in the tooltip and the table view. */
const HELPER = { hideFrom: { viz: true, legend: true, tooltip: false } };

function partConfig(part: Part, display: string, valueConfig: FieldConfig): FieldConfig {
  const units = { unit: valueConfig.unit, decimals: valueConfig.decimals };
  switch (part) {
    case 'value':
      return { ...valueConfig, displayNameFromDS: display };
    case 'expected':
      return { ...units, displayNameFromDS: `${display} expected`, custom: { lineStyle: { fill: 'dash', dash: [10, 10] }, lineWidth: 1 } };
    case 'lower':
      return { ...units, displayNameFromDS: `${display} lower`, custom: { lineWidth: 0, hideFrom: { viz: false, legend: true, tooltip: false } } };
    case 'upper':
      return {
        ...units,
        displayNameFromDS: `${display} upper`,
        custom: { lineWidth: 0, fillOpacity: 15, fillBelowTo: `${display} lower`, hideFrom: { viz: false, legend: true, tooltip: false } },
      };
    case 'score':
      return { displayNameFromDS: `${display} score`, min: 0, max: 1, decimals: 3, description: 'Anomaly score: 0.9 at the band edge', custom: HELPER };
    case 'anomaly':
      return { displayNameFromDS: `${display} anomaly`, min: 0, max: 1, decimals: 0, description: '1 = anomalous', custom: HELPER };
    case 'dataIssue':
      return { displayNameFromDS: `${display} data issue`, min: 0, max: 1, decimals: 0, description: '1 = inside a data-quality failure', custom: HELPER };
  }
}

export function analysedFrames(series: AnalysedSeries[], options: SeriesFrameOptions, output: AnalysisOutput, extraMeta: Partial<FrameMeta> = {}): Frame[] {
  const meta: FrameMeta = {
    type: 'timeseries-multi',
    typeVersion: [0, 1],
    executedQueryString: options.executedQueryString,
    ...(options.metaCustom ? { custom: options.metaCustom } : {}),
    ...extraMeta,
  };
  const parts = PARTS.filter((p) => output === 'all' || p.output === output);
  const valueConfig = options.valueConfig ?? {};
  if (series.length === 0) {
    return [{ refId: options.refId, meta, fields: [timeField([], options.stepMs), ...parts.map((p) => numberField(p.name, [], {}, partConfig(p.part, p.name, valueConfig)))] }];
  }
  return series.map((s, index) => {
    const { labels, display } = seriesNaming(s.labels, options);
    const fields: Field[] = [timeField(s.times, options.stepMs)];
    for (const p of parts) {
      const values = s[p.part];
      if (values) fields.push(numberField(p.name, values, labels, partConfig(p.part, display, valueConfig)));
    }
    return {
      name: display,
      refId: options.refId,
      meta: index === 0 ? meta : { type: meta.type, typeVersion: meta.typeVersion },
      fields,
    };
  });
}

function timeField(times: number[], stepMs: number): Field {
  return { name: 'Time', type: 'time', values: times, config: { interval: stepMs } };
}

function numberField(name: string, values: ArrayLike<number>, labels: Record<string, string>, config: FieldConfig): Field {
  return { name, type: 'float64', values: Array.from(values), labels, config };
}

/**
 * Anomaly events as an annotation frame: `time`, `timeEnd`, `title`, `text` and `tags` are the
 * names Grafana maps onto annotations; the frame's data topic makes time-series panels draw them
 * next to the series of the same query.
 */
export interface NamedEvent extends AnomalyEvent {
  series: string;
  labels: Record<string, string>;
  /** root-cause hints, when computed */
  hints?: string[];
}

export function eventsFrame(events: NamedEvent[], refId: string, unit: string | undefined, asAnnotations: boolean): Frame {
  const format = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : String(value));
  return {
    name: 'Anomalies',
    refId,
    meta: { ...(asAnnotations ? { dataTopic: 'annotations' } : {}), typeVersion: [0, 0] },
    fields: [
      { name: 'time', type: 'time', values: events.map((e) => e.startMs) },
      { name: 'timeEnd', type: 'time', values: events.map((e) => e.endMs) },
      { name: 'title', type: 'string', values: events.map((e) => `${e.series}: ${e.severity} ${e.direction === 'up' ? 'rise' : 'drop'}`) },
      {
        name: 'text',
        type: 'string',
        values: events.map((e) =>
          [
            `${e.series} ${e.direction === 'up' ? 'rose' : 'fell'} to ${format(e.peakValue)} (expected ${format(e.peakExpected)}), score ${e.peakScore.toFixed(3)}${e.impact === 'unknown' ? '' : `, ${e.impact}`}.`,
            ...(e.hints ?? []),
          ].join('\n'),
        ),
      },
      { name: 'tags', type: 'string', values: events.map((e) => ['anomaly', e.severity, e.impact, ...Object.entries(e.labels).map(([k, v]) => `${k}=${v}`)].join(',')) },
      { name: 'severity', type: 'string', values: events.map((e) => e.severity) },
      { name: 'impact', type: 'string', values: events.map((e) => e.impact) },
      { name: 'peak', type: 'time', values: events.map((e) => e.peakMs) },
      { name: 'peakValue', type: 'float64', values: events.map((e) => e.peakValue), config: unit ? { unit } : {} },
      { name: 'expected', type: 'float64', values: events.map((e) => e.peakExpected), config: unit ? { unit } : {} },
      { name: 'score', type: 'float64', values: events.map((e) => e.peakScore) },
    ],
  };
}
