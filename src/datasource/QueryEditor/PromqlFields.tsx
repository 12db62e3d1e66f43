import { useState, type ChangeEvent, type KeyboardEvent } from 'react';
import { Field, TextArea } from '@grafana/ui';
import { fieldsOf, type QueryPatch } from '../query-shape';
import type { EncoreDataQuery } from '../types';

interface Props {
  query: EncoreDataQuery;
  problem?: string;
  onChange: (patch: QueryPatch) => void;
  onRunQuery: () => void;
}

/**
 * The PromQL expression box: Shift+Enter runs the query, as in Grafana's Prometheus editor. Used
 * by PromQL queries and by the analyses of an expression.
 */
export function PromqlFields({ query, problem, onChange, onRunQuery }: Props) {
  const expr = fieldsOf(query).expr ?? '';
  // A new query starts empty: complain about the missing expression only once it was edited.
  const [touched, setTouched] = useState(false);
  const shown = touched || expr !== '' ? problem : undefined;
  const runOnShiftEnter = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && event.shiftKey) {
      event.preventDefault();
      setTouched(true);
      onRunQuery();
    }
  };
  return (
    <Field label="PromQL" description="Shift+Enter runs the query" invalid={shown !== undefined} error={shown}>
      <TextArea
        aria-label="PromQL expression"
        rows={3}
        spellCheck={false}
        placeholder="e.g. sum by (job) (rate(http_requests_total[$__rate_interval]))"
        value={expr}
        onChange={(e: ChangeEvent<HTMLTextAreaElement>) => onChange({ expr: e.currentTarget.value })}
        onBlur={() => {
          setTouched(true);
          onRunQuery();
        }}
        onKeyDown={runOnShiftEnter}
        style={{ fontFamily: 'monospace' }}
      />
    </Field>
  );
}
