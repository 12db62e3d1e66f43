import { useMemo, useState, type ChangeEvent, type KeyboardEvent } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Alert, Field, InlineField, InlineSwitch, Input, Stack, TextArea } from '@grafana/ui';
import type { EncoreDataSource } from './datasource';
import { queryProblems } from './query-problems';
import type { EncoreDataQuery, EncoreJsonData } from './types';

type Props = QueryEditorProps<EncoreDataSource, EncoreDataQuery, EncoreJsonData>;

/**
 * PromQL query editor: expression, legend, minimum step, instant and live switches. Problems are
 * shown under the field they concern, worded exactly as the backend would answer.
 */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const problems = useMemo(() => queryProblems(query), [query]);
  // A new query starts empty: complain about the missing expression only once it was edited.
  const [exprTouched, setExprTouched] = useState(false);
  const exprProblem = exprTouched || (query.expr ?? '') !== '' ? problems.fields.expr : undefined;

  const update = (patch: Partial<EncoreDataQuery>) => onChange({ ...query, ...patch });
  const updateAndRun = (patch: Partial<EncoreDataQuery>) => {
    update(patch);
    onRunQuery();
  };
  // Shift+Enter runs the query from the expression box, as in Grafana's Prometheus editor.
  const runOnShiftEnter = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && event.shiftKey) {
      event.preventDefault();
      setExprTouched(true);
      onRunQuery();
    }
  };

  return (
    <Stack direction="column" gap={1}>
      {problems.other && (
        <Alert severity="warning" title="This query cannot run as saved">
          {problems.other}
        </Alert>
      )}
      <Field
        label="PromQL"
        description="Shift+Enter runs the query"
        invalid={exprProblem !== undefined}
        error={exprProblem}
      >
        <TextArea
          aria-label="PromQL expression"
          rows={3}
          spellCheck={false}
          placeholder="e.g. sum by (job) (rate(http_requests_total[$__rate_interval]))"
          value={query.expr ?? ''}
          onChange={(e: ChangeEvent<HTMLTextAreaElement>) => update({ expr: e.currentTarget.value })}
          onBlur={() => {
            setExprTouched(true);
            onRunQuery();
          }}
          onKeyDown={runOnShiftEnter}
          style={{ fontFamily: 'monospace' }}
        />
      </Field>
      <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
        <InlineField
          label="Legend"
          labelWidth={10}
          tooltip="Series name; {{label}} is replaced by the series' label value, e.g. {{region}}"
          invalid={problems.fields.legendFormat !== undefined}
          error={problems.fields.legendFormat}
        >
          <Input
            aria-label="Legend format"
            width={28}
            placeholder="{{region}}"
            value={query.legendFormat ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) =>
              update({ legendFormat: e.currentTarget.value === '' ? undefined : e.currentTarget.value })
            }
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
            onChange={(e: ChangeEvent<HTMLInputElement>) =>
              update({ step: e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value })
            }
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
