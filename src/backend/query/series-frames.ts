import type { Field, FieldConfig, Frame, FrameMeta } from '../grafana/frames/frame';
import type { Series } from '../sources/source';
import { formatLegend, seriesName } from './legend';

export interface SeriesFrameOptions {
  refId: string;
  legendFormat?: string;
  executedQueryString: string;
  stepMs: number;
  /** field config of every value field (unit, decimals...) */
  valueConfig?: FieldConfig;
  /** the series name when there is no legend format (KPI queries name series after the KPI) */
  defaultName?: (labels: Record<string, string>) => string;
  /** frame meta `custom`, on the first frame */
  metaCustom?: Record<string, unknown>;
}

/**
 * One frame per series, in Grafana's "timeseries-multi" data-plane shape: a time field and a
 * float64 value field carrying the series labels. Alert rules reduce these directly.
 */
export function seriesToFrames(series: Series[], options: SeriesFrameOptions): Frame[] {
  const meta: FrameMeta = {
    type: 'timeseries-multi',
    typeVersion: [0, 1],
    executedQueryString: options.executedQueryString,
    ...(options.metaCustom ? { custom: options.metaCustom } : {}),
  };
  if (series.length === 0) {
    // An empty frame with the schema: panels say "No data", alerting sees NoData rather than an error.
    return [{ refId: options.refId, meta, fields: [timeField([], options.stepMs), valueField([], {}, undefined, options.valueConfig)] }];
  }
  return series.map((s, index) => {
    const { labels, named, display } = seriesNaming(s.labels, options);
    return {
      name: display,
      refId: options.refId,
      // Only the first frame carries meta, as Grafana's own data sources do.
      meta: index === 0 ? meta : { type: meta.type, typeVersion: meta.typeVersion },
      fields: [timeField(s.timestamps, options.stepMs), valueField(s.values, labels, named, options.valueConfig)],
    };
  });
}

/**
 * How a series is called: the legend format, else the query's default name (KPI queries), else
 * Prometheus' `metric{labels}`. `named` is set when the name came from the query (it becomes the
 * field's displayNameFromDS); labels lose __name__, as Grafana's Prometheus data source does.
 */
export function seriesNaming(
  allLabels: Record<string, string>,
  options: Pick<SeriesFrameOptions, 'legendFormat' | 'defaultName'>,
): { labels: Record<string, string>; named: string | undefined; display: string } {
  const { __name__: _metric, ...labels } = allLabels;
  const named = options.legendFormat ? formatLegend(options.legendFormat, allLabels) : options.defaultName?.(labels);
  return { labels, named, display: named ?? seriesName(allLabels) };
}

function timeField(timestamps: number[], stepMs: number): Field {
  return { name: 'Time', type: 'time', values: timestamps, config: { interval: stepMs } };
}

function valueField(values: number[], labels: Record<string, string>, displayNameFromDS: string | undefined, config: FieldConfig = {}): Field {
  return {
    name: 'Value',
    type: 'float64',
    values,
    labels,
    config: displayNameFromDS === undefined ? { ...config } : { ...config, displayNameFromDS },
  };
}
