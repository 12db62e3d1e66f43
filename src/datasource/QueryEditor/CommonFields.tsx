import type { ChangeEvent } from 'react';
import { InlineField, InlineSwitch, Input, Stack } from '@grafana/ui';
import type { GroupedProblems } from '../problems';
import type { QueryEditorField } from '../query-problems';
import type { QueryFields, QueryPatch } from '../query-shape';

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
  const updateAndRun = (patch: QueryPatch) => {
    onChange(patch);
    onRunQuery();
  };
  return (
    <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
      <InlineField
        label="Legend"
        labelWidth={10}
        tooltip="Series name; {{label}} is replaced by the series' label value, e.g. {{market}}"
        invalid={problems.legendFormat !== undefined}
        error={problems.legendFormat}
      >
        <Input
          aria-label="Legend format"
          width={28}
          placeholder="{{market}}"
          value={fields.legendFormat ?? ''}
          onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ legendFormat: e.currentTarget.value === '' ? undefined : e.currentTarget.value })}
          onBlur={onRunQuery}
        />
      </InlineField>
      <InlineField
        label="Min step"
        labelWidth={10}
        tooltip="Lower bound for the step between points, a Prometheus duration such as 30s or 1m. Grafana's interval and the panel width may make it coarser, never finer."
        invalid={problems.step !== undefined}
        error={problems.step}
      >
        <Input
          aria-label="Minimum step"
          width={12}
          placeholder="auto"
          value={fields.step ?? ''}
          onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ step: e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value })}
          onBlur={onRunQuery}
        />
      </InlineField>
      {rangeOptions && (
        <>
          <InlineField
            label="Instant"
            tooltip="Evaluate once at the end of the time range instead of over the whole range"
            invalid={problems.instant !== undefined}
            error={problems.instant}
          >
            <InlineSwitch
              aria-label="Instant query"
              value={fields.instant ?? false}
              onChange={(e: ChangeEvent<HTMLInputElement>) => updateAndRun({ instant: e.currentTarget.checked })}
            />
          </InlineField>
          <InlineField label="Live" tooltip="Keep the panel updated: new samples stream in through Grafana Live" invalid={problems.live !== undefined} error={problems.live}>
            <InlineSwitch
              aria-label="Live query"
              value={fields.live ?? false}
              onChange={(e: ChangeEvent<HTMLInputElement>) => updateAndRun({ live: e.currentTarget.checked })}
            />
          </InlineField>
        </>
      )}
    </Stack>
  );
}
