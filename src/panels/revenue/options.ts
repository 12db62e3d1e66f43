import type { PanelOptionsEditorBuilder } from '@grafana/data';
import { CURRENCY_CODES, type CurrencyCode } from '../shared/currency';
import { addKpiPanelOptions, defaultKpiPanelOptions } from '../shared/options';
import type { KpiPanelOptions } from '../shared/panel-model';

export interface RevenueOptions extends KpiPanelOptions {
  /** `auto`: amounts in the currency they arrive in (US dollars for Encore KPIs) */
  currency: CurrencyCode | 'auto';
  /** actuals against the expected band and the forecast, per KPI */
  showForecast: boolean;
}

export const defaultOptions: RevenueOptions = {
  ...defaultKpiPanelOptions(['subscription_revenue', 'ad_revenue', 'arpu', 'trial_conversion', 'churn_rate']),
  currency: 'auto',
  showForecast: true,
};

export function revenueOptions(builder: PanelOptionsEditorBuilder<RevenueOptions>) {
  addKpiPanelOptions(builder, 'revenue', defaultOptions);
  return builder
    .addSelect({
      path: 'currency',
      name: 'Currency',
      description:
        'Show amounts in this currency, converted from the currency they arrive in (Encore revenue KPIs are in US dollars) at the reference rates Encore’s revenue KPIs use. Auto: as they arrive.',
      category: ['Revenue'],
      defaultValue: defaultOptions.currency,
      settings: { options: [{ value: 'auto', label: 'As queried' }, ...CURRENCY_CODES.map((code) => ({ value: code, label: code }))] },
    })
    .addBooleanSwitch({
      path: 'showForecast',
      name: 'Actuals against forecast',
      description: 'Per KPI: actuals against the expected band (an Encore anomaly query) and the forecast ahead (an Encore forecast query)',
      category: ['Revenue'],
      defaultValue: defaultOptions.showForecast,
    });
}
