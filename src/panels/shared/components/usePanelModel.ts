import { LoadingState, type PanelProps } from '@grafana/data';
import { useEffect, useMemo, useState } from 'react';
import { readAnswers, type QueryAnswer } from '../frames';
import { grafanaFormatters } from '../grafana-format';
import { kpiPanelModel, type KpiPanelOptions } from '../panel-model';

/** Query errors as Grafana reports them, one line each: `Query B: …`. */
export function queryErrors(data: PanelProps['data']): string[] {
  const errors = data.errors ?? (data.error ? [data.error] : []);
  const lines = errors.map((e) => {
    const message = e.message ?? e.data?.message ?? 'the query failed';
    return e.refId ? `Query ${e.refId}: ${message}` : message;
  });
  return [...new Set(lines)];
}

/**
 * What a KPI panel needs from its props: the answers read from the frames (optionally
 * transformed, e.g. converted to another currency), the panel model, the KPI a tile click charts
 * (reset when the option changes) and Grafana's formatters for the dashboard's time zone.
 */
export interface AnswerTransform {
  (answers: QueryAnswer[]): { answers: QueryAnswer[]; notes?: string[] };
}

export function usePanelModel<T extends KpiPanelOptions>(props: PanelProps<T>, transform?: AnswerTransform) {
  const { data, options, timeZone, timeRange } = props;
  const formatters = useMemo(() => grafanaFormatters(timeZone), [timeZone]);
  const [selectedKpi, setSelectedKpi] = useState<string | undefined>(undefined);
  useEffect(() => setSelectedKpi(undefined), [options.chartKpi, options.kpis]);
  const { answers, notes } = useMemo(() => {
    const read = readAnswers(data.series, data.annotations ?? []);
    return transform ? transform(read) : { answers: read };
  }, [data.series, data.annotations, transform]);
  const errors = useMemo(() => queryErrors(data), [data]);
  const model = useMemo(() => kpiPanelModel(answers, errors, options, formatters, selectedKpi), [answers, errors, options, formatters, selectedKpi]);
  const range = useMemo(() => ({ from: timeRange.from.valueOf(), to: timeRange.to.valueOf() }), [timeRange]);
  const loading = data.state === LoadingState.Loading && data.series.length === 0;
  return { answers, notes: notes ?? [], model, formatters, range, selectedKpi, setSelectedKpi, loading };
}
