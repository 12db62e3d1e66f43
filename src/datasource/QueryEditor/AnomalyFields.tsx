import { InlineField, RadioButtonGroup, Stack } from '@grafana/ui';
import { SwitchOption } from './inputs';

const FORMAT_OPTIONS: Array<{ value: 'timeseries' | 'events'; label: string; description: string }> = [
  { value: 'timeseries', label: 'Time series', description: 'The series with their bands and scores, for panels and alert rules' },
  { value: 'events', label: 'Events', description: 'One row per anomaly (start, end, severity): for annotation queries' },
];

interface Props {
  /** root-cause hints need a KPI target */
  explainable: boolean;
  explain: boolean | undefined;
  format: 'timeseries' | 'events' | undefined;
  problems: { explain?: string; format?: string };
  onChange: (patch: { explain?: boolean; format?: 'timeseries' | 'events' }) => void;
  onRunQuery: () => void;
}

/** What an anomaly query adds: root-cause hints (KPI targets) and the events format for annotations. */
export function AnomalyFields({ explainable, explain, format, problems, onChange, onRunQuery }: Props) {
  return (
    <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
      {explainable && (
        <SwitchOption
          label="Explain"
          ariaLabel="Explain anomalies"
          labelWidth={14}
          tooltip="Root-cause hints: which market, platform or CDN explains an anomaly of the whole KPI. KPI targets without split-by only"
          error={problems.explain}
          value={explain ?? true}
          onChange={(value) => onChange({ explain: value })}
          onRunQuery={onRunQuery}
        />
      )}
      <InlineField label="Format" labelWidth={14} tooltip="Events for annotation queries, time series otherwise" invalid={problems.format !== undefined} error={problems.format}>
        <RadioButtonGroup
          aria-label="Format"
          options={FORMAT_OPTIONS}
          value={format ?? 'timeseries'}
          onChange={(value) => {
            onChange({ format: value });
            onRunQuery();
          }}
        />
      </InlineField>
    </Stack>
  );
}
