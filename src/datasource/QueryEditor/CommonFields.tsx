import { Stack } from '@grafana/ui';
import type { GroupedProblems } from '../problems';
import type { QueryEditorField } from '../query-problems';
import type { QueryFields, QueryPatch } from '../query-shape';
import { SwitchOption, TextOption } from './inputs';

interface Props {
  fields: QueryFields;
  problems: GroupedProblems<QueryEditorField>['fields'];
  /** instant and live exist on KPI and PromQL queries only */
  rangeOptions: boolean;
  onChange: (patch: QueryPatch) => void;
  onRunQuery: () => void;
}

/** Legend and minimum step (every type), instant and live (KPI and PromQL). */
export function CommonFields({ fields, problems, rangeOptions, onChange, onRunQuery }: Props) {
  return (
    <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
      <TextOption
        label="Legend"
        ariaLabel="Legend format"
        labelWidth={10}
        width={28}
        tooltip="Series name; {{label}} is replaced by the series' label value, e.g. {{market}}"
        placeholder="{{market}}"
        error={problems.legendFormat}
        value={fields.legendFormat}
        onChange={(legendFormat) => onChange({ legendFormat })}
        onRunQuery={onRunQuery}
      />
      <TextOption
        label="Min step"
        ariaLabel="Minimum step"
        labelWidth={12}
        tooltip="Lower bound for the step between points, a Prometheus duration such as 30s or 1m. Grafana's interval and the panel width may make it coarser, never finer."
        placeholder="auto"
        error={problems.step}
        value={fields.step}
        onChange={(step) => onChange({ step })}
        onRunQuery={onRunQuery}
      />
      {rangeOptions && (
        <>
          <SwitchOption
            label="Instant"
            ariaLabel="Instant query"
            tooltip="Evaluate once at the end of the time range instead of over the whole range"
            error={problems.instant}
            value={fields.instant ?? false}
            onChange={(instant) => onChange({ instant })}
            onRunQuery={onRunQuery}
          />
          <SwitchOption
            label="Live"
            ariaLabel="Live query"
            tooltip="Keep the panel updated: new samples stream in through Grafana Live"
            error={problems.live}
            value={fields.live ?? false}
            onChange={(live) => onChange({ live })}
            onRunQuery={onRunQuery}
          />
        </>
      )}
    </Stack>
  );
}
