import { InlineField, RadioButtonGroup, Stack } from '@grafana/ui';
import type { EncoreDataSource } from '../datasource';
import type { GroupedProblems } from '../problems';
import type { QueryEditorField } from '../query-problems';
import type { QueryPatch, TargetKind } from '../query-shape';
import { targetOf } from '../query-shape';
import { withTarget } from '../query-type-switch';
import type { EncoreDataQuery } from '../types';
import { KpiFields } from './KpiFields';
import { PromqlFields } from './PromqlFields';

const TARGET_OPTIONS: Array<{ value: TargetKind; label: string; description: string }> = [
  { value: 'kpi', label: 'KPI', description: 'Analyse a KPI from the catalogue, filtered and split like a KPI query' },
  { value: 'promql', label: 'PromQL', description: 'Analyse any PromQL expression' },
];

interface Props {
  datasource: EncoreDataSource;
  query: EncoreDataQuery;
  problems: GroupedProblems<QueryEditorField>['fields'];
  /** replaces the whole query (the target switch removes fields) */
  onReplace: (query: EncoreDataQuery) => void;
  onChange: (patch: QueryPatch) => void;
  onRunQuery: () => void;
}

/** What an analysis reads: a catalogue KPI or a PromQL expression, with the fields of that choice. */
export function TargetFields({ datasource, query, problems, onReplace, onChange, onRunQuery }: Props) {
  const target = targetOf(query);
  return (
    <Stack direction="column" gap={1}>
      <InlineField label="Target" labelWidth={10} tooltip="What to analyse: a KPI from the Encore catalogue or a PromQL expression">
        <RadioButtonGroup
          aria-label="Target"
          options={TARGET_OPTIONS}
          value={target}
          onChange={(next) => {
            onReplace(withTarget(query, next));
            onRunQuery();
          }}
        />
      </InlineField>
      {target === 'kpi' ? (
        <KpiFields datasource={datasource} query={query} problems={problems} onChange={onChange} onRunQuery={onRunQuery} />
      ) : (
        // With neither a KPI nor an expression the schema names `kpi`; on this side that means the expression.
        <PromqlFields query={query} problem={problems.expr ?? problems.kpi} onChange={onChange} onRunQuery={onRunQuery} />
      )}
    </Stack>
  );
}
