import { Combobox, InlineField, type ComboboxOption } from '@grafana/ui';
import type { AnalysisOutput } from '../../common/query';

const OUTPUT_OPTIONS: Array<ComboboxOption<AnalysisOutput>> = [
  { value: 'all', label: 'All', description: 'Value, expected value, band, score and anomaly flag, plus the anomaly events: for panels' },
  { value: 'value', label: 'Value', description: 'The series itself' },
  { value: 'expected', label: 'Expected', description: 'What the model expected at each point' },
  { value: 'lower', label: 'Lower bound', description: 'Bottom of the normal band' },
  { value: 'upper', label: 'Upper bound', description: 'Top of the normal band' },
  { value: 'score', label: 'Score', description: '0 to 1, 0.9 at the band edge: for alert rules, e.g. score > 0.9 for 10m' },
  { value: 'anomaly', label: 'Anomaly flag', description: '1 while flagged (anomalous, or out of line with its peers), 0 otherwise' },
];

interface Props {
  value: string | undefined;
  error?: string;
  onChange: (output: AnalysisOutput) => void;
  onRunQuery: () => void;
}

/** Which fields the frames carry: all for panels, one number per series for alert rules. */
export function OutputField({ value, error, onChange, onRunQuery }: Props) {
  const known = OUTPUT_OPTIONS.find((option) => option.value === value);
  return (
    <InlineField
      label="Output"
      labelWidth={14}
      tooltip="All for panels. Alert rules need one number per series: for alert rules choose Score"
      invalid={error !== undefined}
      error={error}
    >
      <Combobox
        aria-label="Output"
        width={20}
        options={OUTPUT_OPTIONS}
        value={known?.value ?? 'all'}
        onChange={(option) => {
          onChange(option.value);
          onRunQuery();
        }}
      />
    </InlineField>
  );
}
