import { useMemo } from 'react';
import { Combobox, Field, MultiCombobox, Stack, type ComboboxOption } from '@grafana/ui';
import { findKpi, KPI_GROUP_NAMES, KPIS, kpiLabels } from '../../common/kpis/catalogue';
import { fieldsOf, type QueryPatch } from '../query-shape';
import type { EncoreDataQuery } from '../types';

interface Props {
  query: EncoreDataQuery;
  problems: { kpi?: string; groupBy?: string; filters?: string };
  onChange: (patch: QueryPatch) => void;
  onRunQuery: () => void;
}

const KPI_OPTIONS: Array<ComboboxOption<string>> = KPIS.map((kpi) => ({
  value: kpi.id,
  label: kpi.name,
  description: kpi.description,
  group: KPI_GROUP_NAMES[kpi.group],
}));

/**
 * A KPI from the catalogue and the labels to split it by. Only the labels every metric of the
 * KPI's formula carries are offered, the same rule the backend applies. Used by KPI queries and by
 * the analyses of a KPI. Filters have no editor here yet (saved queries and the API set them), so
 * their problems are shown with the KPI's.
 */
export function KpiFields({ query, problems, onChange, onRunQuery }: Props) {
  const fields = fieldsOf(query);
  const kpi = findKpi(fields.kpi ?? '');
  const groupBy = fields.groupBy ?? [];
  const labelOptions = useMemo(() => (kpi ? kpiLabels(kpi).map((label) => ({ value: label, label })) : []), [kpi]);
  const kpiProblem = [problems.kpi, problems.filters].filter((p) => p !== undefined).join('; ') || undefined;
  return (
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
            onChange({ kpi: option.value, groupBy: groupBy.filter((label) => allowed.includes(label)) });
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
          options={labelOptions}
          value={groupBy}
          onChange={(options) => {
            onChange({ groupBy: options.map((option) => option.value) });
            onRunQuery();
          }}
        />
      </Field>
    </Stack>
  );
}
