import type { QueryType } from '../../common/query';
import type { GroupedProblems } from '../problems';
import type { DetectionField, QueryEditorField } from '../query-problems';
import { targetOf, type QueryFields, type QueryPatch } from '../query-shape';
import { AnomalyFields } from './AnomalyFields';
import { DetectToggle } from './DetectToggle';
import { DetectionFields } from './DetectionFields';
import { ForecastFields } from './ForecastFields';
import { OutputField } from './OutputField';
import { QualityFields } from './QualityFields';

interface Props {
  type: QueryType;
  fields: QueryFields;
  problems: GroupedProblems<QueryEditorField>['fields'];
  detectProblems: GroupedProblems<DetectionField>;
  onChange: (patch: QueryPatch) => void;
  onRunQuery: () => void;
}

/** The options of the query's type, between its target and the legend and step every query has. */
export function TypeOptions({ type, fields, problems, detectProblems, onChange, onRunQuery }: Props) {
  const run = { onChange, onRunQuery };
  switch (type) {
    case 'kpi':
    case 'promql':
      return <DetectToggle detect={fields.detect} output={fields.output} detectProblems={detectProblems} outputProblem={problems.output} {...run} />;
    case 'anomaly':
    case 'outliers':
      return (
        <>
          <DetectionFields detect={fields.detect} problems={detectProblems} peersOnly={type === 'outliers'} onChange={(detect) => onChange({ detect })} onRunQuery={onRunQuery} />
          {/* root-cause hints split a KPI by its labels: nothing to offer for PromQL */}
          {type === 'anomaly' && <AnomalyFields explainable={targetOf(fields) === 'kpi'} explain={fields.explain} format={fields.format} problems={problems} {...run} />}
          {fields.format !== 'events' && <OutputField value={fields.output} error={problems.output} onChange={(output) => onChange({ output })} onRunQuery={onRunQuery} />}
        </>
      );
    case 'forecast':
      return <ForecastFields horizon={fields.horizon} coverage={fields.coverage} season={fields.season} problems={problems} {...run} />;
    case 'quality':
      return <QualityFields freshness={fields.freshness} maxSeries={fields.maxSeries} output={fields.output} checks={fields.checks} problems={problems} {...run} />;
  }
}
