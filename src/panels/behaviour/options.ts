import type { PanelOptionsEditorBuilder } from '@grafana/data';
import { addKpiPanelOptions, defaultKpiPanelOptions } from '../shared/options';
import type { KpiPanelOptions } from '../shared/panel-model';

export interface BehaviourOptions extends KpiPanelOptions {
  /** starts → 30-second streams → completions */
  showFunnel: boolean;
  /** session length histogram */
  showDistribution: boolean;
}

export const defaultOptions: BehaviourOptions = {
  ...defaultKpiPanelOptions(['skip_rate', 'completion_rate', 'listening_hours_per_user', 'session_length', 'recommendation_stream_share', 'recommendation_skip_rate']),
  showFunnel: true,
  showDistribution: true,
};

export function behaviourOptions(builder: PanelOptionsEditorBuilder<BehaviourOptions>) {
  addKpiPanelOptions(builder, 'behaviour', defaultOptions);
  return builder
    .addBooleanSwitch({
      path: 'showFunnel',
      name: 'Streams funnel',
      description: 'Starts, 30-second streams and completions: queries whose refId or legend is Starts, Streams and Completions (the streams KPI is the middle step)',
      category: ['Layout'],
      defaultValue: defaultOptions.showFunnel,
    })
    .addBooleanSwitch({
      path: 'showDistribution',
      name: 'Session length distribution',
      description: 'From a query of the session-duration histogram by le: sum by (le) (rate(encore_session_duration_seconds_bucket[$__rate_interval]))',
      category: ['Layout'],
      defaultValue: defaultOptions.showDistribution,
    });
}
