import { useMemo } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { Alert, Stack } from '@grafana/ui';
import type { EncoreDataSource } from '../datasource';
import { detectionProblems, queryProblems } from '../query-problems';
import { fieldsOf, isAnalysisType, queryTypeOf, type QueryPatch } from '../query-shape';
import { withQueryType } from '../query-type-switch';
import type { EncoreDataQuery, EncoreJsonData } from '../types';
import { CommonFields } from './CommonFields';
import { KpiFields } from './KpiFields';
import { PromqlFields } from './PromqlFields';
import { QueryTypeField } from './QueryTypeField';
import { TargetFields } from './TargetFields';
import { TypeOptions } from './TypeOptions';

type Props = QueryEditorProps<EncoreDataSource, EncoreDataQuery, EncoreJsonData>;

/**
 * The query editor: query type, then what the query reads (a KPI or PromQL; the analyses offer
 * both), then the options of the type, then legend and step (and instant and live for KPI and
 * PromQL). Problems are shown under the field they concern, worded exactly as the backend would
 * answer.
 */
export function QueryEditor({ datasource, query, onChange, onRunQuery }: Props) {
  const problems = useMemo(() => queryProblems(query), [query]);
  const detectProblems = useMemo(() => detectionProblems(query), [query]);
  const update = (patch: QueryPatch) => onChange({ ...query, ...patch } as EncoreDataQuery);
  const replaceAndRun = (next: EncoreDataQuery) => {
    onChange(next);
    onRunQuery();
  };
  const fields = fieldsOf(query);
  // An unknown type from an old dashboard keeps the PromQL box; the alert above says what is wrong.
  const type = queryTypeOf(query) ?? 'promql';
  const target = { datasource, query, onChange: update, onRunQuery };

  return (
    <Stack direction="column" gap={1}>
      {problems.other && (
        <Alert severity="warning" title="This query cannot run as saved">
          {problems.other}
        </Alert>
      )}
      <QueryTypeField value={query.queryType} onChange={(next) => replaceAndRun(withQueryType(query, next))} />
      {isAnalysisType(type) ? (
        <TargetFields {...target} problems={problems.fields} onReplace={onChange} />
      ) : type === 'kpi' ? (
        <KpiFields {...target} problems={problems.fields} />
      ) : (
        <PromqlFields query={query} onChange={update} onRunQuery={onRunQuery} problem={problems.fields.expr} />
      )}
      <TypeOptions type={type} fields={fields} problems={problems.fields} detectProblems={detectProblems} onChange={update} onRunQuery={onRunQuery} />
      <CommonFields fields={fields} problems={problems.fields} rangeOptions={!isAnalysisType(type)} onChange={update} onRunQuery={onRunQuery} />
    </Stack>
  );
}
