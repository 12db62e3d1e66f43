import { Combobox, Field, MultiCombobox, Stack, type ComboboxOption } from '@grafana/ui';
import { findKpi, KPI_GROUP_NAMES, KPIS, kpiLabels } from '../../common/kpis/catalogue';
import type { EncoreDataSource } from '../datasource';
import { unitText } from '../display-text';
import { loadLabelNameOptions } from '../label-lookups';
import { fieldsOf, type QueryPatch } from '../query-shape';
import type { EncoreDataQuery } from '../types';
import { FiltersField } from './FiltersField';

interface Props {
  datasource: EncoreDataSource;
  query: EncoreDataQuery;
  problems: { kpi?: string; groupBy?: string; filters?: string };
  onChange: (patch: QueryPatch) => void;
  onRunQuery: () => void;
}

const KPI_OPTIONS: Array<ComboboxOption<string>> = KPIS.map((kpi) => ({
  value: kpi.id,
  label: kpi.name,
  description: `${unitText(kpi.unit)} · ${kpi.description}`,
  group: KPI_GROUP_NAMES[kpi.group],
}));

/**
 * A KPI from the catalogue (grouped by audio quality, behaviour and revenue, with unit and
 * description), its label filters and the labels to split it by. Only the labels every metric of
 * the KPI's formula carries are offered, the same rule the backend applies; those the store has
 * (the backend's labels resource, searched as the user types) come first. Used by KPI queries and
 * by the analyses of a KPI.
 */
export function KpiFields({ datasource, query, problems, onChange, onRunQuery }: Props) {
  const fields = fieldsOf(query);
  const kpi = findKpi(fields.kpi ?? '');
  const groupBy = fields.groupBy ?? [];
  const kpiProblem = problems.kpi;
  const filters = fields.filters ?? [];
  const loadLabels = (search: string): Promise<Array<ComboboxOption<string>>> => loadLabelNameOptions(datasource, kpi?.id, filters.map((f) => ({ ...f, op: f.op ?? '=' })), search);
  return (
    <Stack direction="column" gap={1}>
    <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
      <Field label="KPI" description={kpi?.description} invalid={kpiProblem !== undefined} error={kpiProblem}>
        <Combobox
          aria-label="KPI"
          width={36}
          placeholder="Choose a KPI"
          options={KPI_OPTIONS}
          value={kpi?.id ?? null}
          onChange={(option) => {
            const next = findKpi(option.value);
            // Group-by labels the new KPI cannot be split by would only come back as errors.
            const allowed = next ? kpiLabels(next) : [];
            onChange({
              kpi: option.value,
              groupBy: groupBy.filter((label) => allowed.includes(label)),
              filters: filters.filter((filter) => allowed.includes(filter.label)),
            });
            onRunQuery();
          }}
        />
      </Field>
      <Field label="Split by" invalid={problems.groupBy !== undefined} error={problems.groupBy}>
        <MultiCombobox
          aria-label="Split by"
          width={36}
          placeholder={kpi ? 'one series in all' : 'choose a KPI first'}
          disabled={!kpi}
          options={loadLabels}
          value={groupBy.map((label) => ({ value: label, label }))}
          onChange={(options) => {
            onChange({ groupBy: options.map((option) => option.value) });
            onRunQuery();
          }}
        />
      </Field>
    </Stack>
    <FiltersField
      datasource={datasource}
      kpi={kpi?.id}
      filters={filters}
      problem={problems.filters}
      onChange={(next) => onChange({ filters: next })}
      onRunQuery={onRunQuery}
    />
    </Stack>
  );
}
