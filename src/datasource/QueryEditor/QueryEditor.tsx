import { useMemo, type ChangeEvent } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Alert, InlineField, InlineSwitch, Input, RadioButtonGroup, Stack } from '@grafana/ui';
import type { EncoreDataSource } from '../datasource';
import { queryProblems } from '../query-problems';
import type { EncoreDataQuery, EncoreJsonData } from '../types';
import { KpiFields } from './KpiFields';
import { PromqlFields } from './PromqlFields';

type Props = QueryEditorProps<EncoreDataSource, EncoreDataQuery, EncoreJsonData>;

const QUERY_TYPE_OPTIONS = [
  { value: 'kpi' as const, label: 'KPI', description: 'A streaming KPI from the Encore catalogue' },
  { value: 'promql' as const, label: 'PromQL', description: 'Any PromQL expression' },
];

/**
 * The query editor: query type, then the fields of that type, then the options every query has
 * (legend, minimum step, instant, live). Problems are shown under the field they concern,
 * worded exactly as the backend would answer.
 */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const problems = useMemo(() => queryProblems(query), [query]);
  const update = (patch: Partial<EncoreDataQuery>) => onChange({ ...query, ...patch } as EncoreDataQuery);
  const updateAndRun = (patch: Partial<EncoreDataQuery>) => {
    update(patch);
    onRunQuery();
  };
  const queryType = query.queryType ?? 'promql';

  return (
    <Stack direction="column" gap={1}>
      {problems.other && (
        <Alert severity="warning" title="This query cannot run as saved">
          {problems.other}
        </Alert>
      )}
      <RadioButtonGroup
        aria-label="Query type"
        options={QUERY_TYPE_OPTIONS}
        value={queryType}
        onChange={(value) => updateAndRun({ queryType: value } as Partial<EncoreDataQuery>)}
      />
      {queryType === 'kpi' ? (
        <KpiFields query={query} problems={problems.fields} onChange={update} onRunQuery={onRunQuery} />
      ) : (
        <PromqlFields query={query} problem={problems.fields.expr} onChange={update} onRunQuery={onRunQuery} />
      )}
      <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
        <InlineField
          label="Legend"
          labelWidth={10}
          tooltip="Series name; {{label}} is replaced by the series' label value, e.g. {{market}}"
          invalid={problems.fields.legendFormat !== undefined}
          error={problems.fields.legendFormat}
        >
          <Input
            aria-label="Legend format"
            width={28}
            placeholder="{{market}}"
            value={query.legendFormat ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) => update({ legendFormat: e.currentTarget.value === '' ? undefined : e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField
          label="Min step"
          labelWidth={10}
          tooltip="Lower bound for the step between points, a Prometheus duration such as 30s or 1m. Grafana's interval and the panel width may make it coarser, never finer."
          invalid={problems.fields.step !== undefined}
          error={problems.fields.step}
        >
          <Input
            aria-label="Minimum step"
            width={12}
            placeholder="auto"
            value={query.step ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) => update({ step: e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField
          label="Instant"
          tooltip="Evaluate once at the end of the time range instead of over the whole range"
          invalid={problems.fields.instant !== undefined}
          error={problems.fields.instant}
        >
          <InlineSwitch
            aria-label="Instant query"
            value={query.instant ?? false}
            onChange={(e: ChangeEvent<HTMLInputElement>) => updateAndRun({ instant: e.currentTarget.checked })}
          />
        </InlineField>
        <InlineField
          label="Live"
          tooltip="Keep the panel updated: new samples stream in through Grafana Live"
          invalid={problems.fields.live !== undefined}
          error={problems.fields.live}
        >
          <InlineSwitch
            aria-label="Live query"
            value={query.live ?? false}
            onChange={(e: ChangeEvent<HTMLInputElement>) => updateAndRun({ live: e.currentTarget.checked })}
          />
        </InlineField>
      </Stack>
    </Stack>
  );
}
