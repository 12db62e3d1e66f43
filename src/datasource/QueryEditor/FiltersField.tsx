import { Button, Combobox, Field, IconButton, Stack, type ComboboxOption } from '@grafana/ui';
import { findKpi, kpiLabels } from '../../common/kpis/catalogue';
import { FILTER_OPERATORS, type FilterOperator, type LabelFilter } from '../../common/kpis/filters';
import type { EncoreDataSource } from '../datasource';
import { fetchLabelValues, loadLabelNameOptions } from '../label-lookups';

/** A filter as saved: the operator may be missing (the schema's default is `=`). */
type SavedFilter = Omit<LabelFilter, 'op'> & { op?: FilterOperator };

interface Props {
  datasource: EncoreDataSource;
  kpi: string | undefined;
  filters: readonly SavedFilter[];
  problem?: string;
  onChange: (filters: LabelFilter[]) => void;
  onRunQuery: () => void;
}

const OPERATOR_OPTIONS: Array<ComboboxOption<FilterOperator>> = FILTER_OPERATORS.map((op) => ({
  value: op,
  label: op,
  description: { '=': 'equals', '!=': 'differs from', '=~': 'matches the regular expression', '!~': 'does not match the regular expression' }[op],
}));

/**
 * Label filters of a KPI (`market = BR`, `platform =~ ios|android`). Labels are those the KPI can
 * be filtered by (the backend's rule), those the store has first (the backend's labels resource);
 * values come from the backend's label-values resource. Both are searched on the server as the
 * user types and narrowed by the other filters. A value not in the list (a regex, a market that
 * has no data yet) can still be typed.
 */
export function FiltersField({ datasource, kpi, filters, problem, onChange, onRunQuery }: Props) {
  const definition = findKpi(kpi ?? '');
  const complete: LabelFilter[] = filters.map((f) => ({ ...f, op: f.op ?? '=' }));
  const replace = (index: number, patch: Partial<LabelFilter>, run: boolean) => {
    onChange(complete.map((f, i) => (i === index ? { ...f, ...patch } : f)));
    if (run) onRunQuery();
  };
  const remove = (index: number) => {
    onChange(complete.filter((_, i) => i !== index));
    onRunQuery();
  };
  // A new filter starts on the first label not filtered yet; the picker offers the rest.
  const add = () => onChange([...complete, { label: (definition ? kpiLabels(definition) : []).find((label) => !filters.some((f) => f.label === label)) ?? '', op: '=', value: '' }]);

  return (
    <Field label="Filters" description="Only series whose labels match every filter" invalid={problem !== undefined} error={problem}>
      <Stack direction="column" gap={1}>
        {complete.map((filter, index) => {
          const position = `filter ${index + 1}`;
          const others = complete.filter((_, i) => i !== index);
          const loadLabels = (search: string): Promise<Array<ComboboxOption<string>>> => loadLabelNameOptions(datasource, kpi, others, search);
          const loadValues = async (search: string): Promise<Array<ComboboxOption<string>>> => {
            if (filter.label === '') return [];
            const values = await fetchLabelValues(datasource, kpi, filter.label, complete, search);
            return values.map((value) => ({ value, label: value }));
          };
          return (
            <Stack key={index} direction="row" gap={1} alignItems="center" role="group" aria-label={position}>
              <Combobox
                aria-label={`Label of ${position}`}
                width={20}
                options={loadLabels}
                value={filter.label === '' ? null : { value: filter.label, label: filter.label }}
                placeholder="label"
                onChange={(option) => replace(index, { label: option.value, value: '' }, false)}
              />
              <Combobox aria-label={`Operator of ${position}`} width={8} options={OPERATOR_OPTIONS} value={filter.op} onChange={(option) => replace(index, { op: option.value }, filter.value !== '')} />
              <Combobox
                aria-label={`Value of ${position}`}
                width={28}
                // Re-created per label, so the list is fetched again for the new label.
                key={filter.label}
                options={loadValues}
                value={filter.value === '' ? null : { value: filter.value, label: filter.value }}
                placeholder={filter.op === '=~' || filter.op === '!~' ? 'regular expression' : 'value'}
                createCustomValue
                disabled={filter.label === ''}
                onChange={(option) => replace(index, { value: option?.value ?? '' }, true)}
              />
              <IconButton name="times" tooltip={`Remove ${position}`} onClick={() => remove(index)} />
            </Stack>
          );
        })}
        <div>
          <Button icon="plus" variant="secondary" size="sm" onClick={add} disabled={!definition}>
            Add filter
          </Button>
        </div>
      </Stack>
    </Field>
  );
}
