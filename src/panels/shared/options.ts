import type { PanelOptionsEditorBuilder, SelectableValue } from '@grafana/data';
import { DIMENSION_NAMES } from './breakdown';
import { kpisInGroup, kpiSelectOptions, type KpiGroup } from './kpis';
import type { KpiPanelOptions } from './panel-model';
import { REDUCERS } from './series';

/**
 * The panel-editor options every Encore panel shares: which KPIs, the charted KPI, how tiles
 * reduce a series, SLO thresholds per KPI, the breakdown dimension, decimals. Each threshold is
 * its own number field (path `slo.<kpi id>`), shown while its KPI is selected; empty means the
 * catalogue's objective.
 */

export function defaultKpiPanelOptions(kpis: string[]): KpiPanelOptions {
  return { kpis, chartKpi: 'auto', reducer: 'last', slo: {}, breakdown: 'auto', breakdownLimit: 10, showChart: true, showBreakdown: true };
}

export function addKpiPanelOptions<T extends KpiPanelOptions>(builder: PanelOptionsEditorBuilder<T>, group: KpiGroup, defaults: KpiPanelOptions): PanelOptionsEditorBuilder<T> {
  const kpiOptions = kpiSelectOptions(group);
  builder
    .addMultiSelect({
      path: 'kpis',
      name: 'KPIs',
      description: 'The KPIs of the headline tiles and the breakdown, in this order. Each needs a query (Encore KPI or Anomalies query, or a series named after the KPI).',
      category: ['KPIs'],
      defaultValue: defaults.kpis,
      // The builder types a multi-select's options by the option's value type (string[]); each choice is one id.
      settings: { options: kpiOptions as unknown as Array<SelectableValue<string[]>> },
    })
    .addSelect({
      path: 'chartKpi',
      name: 'Charted KPI',
      description: 'The KPI drawn over time with its expected band and anomalies. Auto: the first KPI with data. Selecting a tile charts its KPI too.',
      category: ['KPIs'],
      defaultValue: defaults.chartKpi,
      settings: { options: [{ value: 'auto', label: 'Auto', description: 'The first KPI with data' }, ...kpiOptions] },
    })
    .addRadio({
      path: 'reducer',
      name: 'Tile value',
      description: 'What a headline tile and a breakdown cell show of a series',
      category: ['KPIs'],
      defaultValue: defaults.reducer,
      settings: { options: REDUCERS.map((r) => ({ value: r.value, label: r.label, description: r.description })) },
    })
    .addNumberInput({
      path: 'decimals',
      name: 'Decimals',
      description: 'Decimals of every value. Empty: each KPI’s own (from the KPI catalogue).',
      category: ['KPIs'],
      settings: { min: 0, max: 10, integer: true, placeholder: 'From the KPI' },
    });
  for (const kpi of kpisInGroup(group)) {
    if (kpi.good === 'neutral') continue;
    const op = kpi.slo?.op ?? (kpi.good === 'down' ? '<=' : '>=');
    builder.addNumberInput({
      path: `slo.${kpi.id}`,
      name: `${kpi.name} ${op === '<=' ? '≤' : '≥'}`,
      description: `${kpi.slo ? `Catalogue objective: ${op} ${kpi.slo.threshold} (${kpi.slo.basis}).` : 'No objective in the catalogue.'} In the KPI’s unit (${kpi.unit}${kpi.unit === 'percentunit' ? ': 0.01 is 1 %' : ''}). Empty: the catalogue’s.`,
      category: ['SLO thresholds'],
      settings: { placeholder: kpi.slo ? String(kpi.slo.threshold) : 'none' },
      showIf: (options: T) => (options.kpis ?? []).includes(kpi.id),
    });
  }
  builder
    .addBooleanSwitch({ path: 'showChart', name: 'Chart', description: 'The charted KPI over time', category: ['Layout'], defaultValue: defaults.showChart })
    .addBooleanSwitch({ path: 'showBreakdown', name: 'Breakdown', description: 'The KPIs by one label', category: ['Layout'], defaultValue: defaults.showBreakdown })
    .addSelect({
      path: 'breakdown',
      name: 'Breakdown by',
      description: 'The label of the breakdown rows. It needs queries split by that label (Split by in the Encore query editor). Auto: platform, then market, network, codec, whichever the data has.',
      category: ['Layout'],
      defaultValue: defaults.breakdown,
      settings: {
        allowCustomValue: true,
        options: [
          { value: 'auto', label: 'Auto' },
          { value: 'none', label: 'None' },
          ...Object.entries(DIMENSION_NAMES).map(([value, label]) => ({ value, label })),
        ],
      },
      showIf: (options: T) => options.showBreakdown !== false,
    })
    .addNumberInput({
      path: 'breakdownLimit',
      name: 'Breakdown rows',
      description: 'At most this many rows, worst first',
      category: ['Layout'],
      defaultValue: defaults.breakdownLimit,
      settings: { min: 1, max: 100, integer: true },
      showIf: (options: T) => options.showBreakdown !== false,
    });
  return builder;
}
