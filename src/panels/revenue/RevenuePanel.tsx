import type { PanelProps } from '@grafana/data';
import { useCallback, useMemo } from 'react';
import { KpiPanelView } from '../shared/components/KpiPanelView';
import { usePanelModel } from '../shared/components/usePanelModel';
import { convertCurrency } from '../shared/currency';
import type { QueryAnswer } from '../shared/frames';
import { forecastComparisons } from '../shared/forecast';
import { ForecastTable } from './ForecastTable';
import type { RevenueOptions } from './options';

export { defaultOptions } from './options';

/**
 * Revenue: subscription and ad revenue, ARPU, trial conversion and churn, actuals against the
 * expected band and the forecast, anomalies; amounts in the currency the panel is set to.
 */
export function RevenuePanel(props: PanelProps<RevenueOptions>) {
  const { currency, showForecast, kpis, decimals } = props.options;
  const transform = useCallback((answers: QueryAnswer[]) => {
    const converted = convertCurrency(answers, currency ?? 'auto');
    const notes = [converted.note, converted.unconverted.length > 0 ? `Not converted (unknown currency): ${converted.unconverted.join(', ')}` : undefined].filter((n): n is string => n !== undefined);
    return { answers: converted.answers, notes };
  }, [currency]);
  const { model, answers, notes, formatters, range, setSelectedKpi, selectedKpi, loading } = usePanelModel(props, transform);
  const comparisons = useMemo(
    () => (showForecast ? forecastComparisons(answers, kpis, formatters.value, decimals ?? undefined) : []),
    [answers, kpis, formatters, showForecast, decimals],
  );
  if (loading) return null;
  return (
    <KpiPanelView
      model={model}
      width={props.width}
      height={props.height}
      formatters={formatters}
      range={range}
      label="Revenue"
      notes={notes}
      {...(selectedKpi ? { selectedKpi } : {})}
      onSelectKpi={setSelectedKpi}
      extras={<ForecastTable comparisons={comparisons} formatTime={formatters.time} />}
      extrasHeight={comparisons.length > 0 ? comparisons.length * 26 + 48 : 0}
      testId="encore-revenue-panel"
    />
  );
}
