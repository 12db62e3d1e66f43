import { InlineField, MultiCombobox, RadioButtonGroup, Stack } from '@grafana/ui';
import { QUALITY_CHECK_IDS, type QUALITY_OUTPUTS, type QualityCheckId } from '../../common/query';
import { NamedControl, NumberOption, TextOption } from './inputs';

type QualityOutput = (typeof QUALITY_OUTPUTS)[number];

const QUALITY_OUTPUT_OPTIONS: Array<{ value: QualityOutput; label: string; description: string }> = [
  { value: 'table', label: 'Table', description: 'One row per check with its status, value, limit and message: for panels' },
  { value: 'score', label: 'Score', description: 'One 0-100 quality score: for stat panels and alert rules' },
  { value: 'levels', label: 'Levels', description: 'Per check a number labelled check=<id>: 0 pass, 1 warn, 2 fail. For alert rules such as "freshness failing"' },
];

const CHECK_OPTIONS: Array<{ value: QualityCheckId; label: string }> = QUALITY_CHECK_IDS.map((id) => ({ value: id, label: id.replace(/_/g, ' ') }));

interface Props {
  freshness: string | undefined;
  maxSeries: number | undefined;
  output: string | undefined;
  checks: readonly string[] | undefined;
  problems: { freshness?: string; maxSeries?: string; output?: string; checks?: string };
  onChange: (patch: { freshness?: string; maxSeries?: number; output?: QualityOutput; checks?: QualityCheckId[] }) => void;
  onRunQuery: () => void;
}

/** The limits of the freshness and cardinality checks, and what the checks come back as. */
export function QualityFields({ freshness, maxSeries, output, checks, problems, onChange, onRunQuery }: Props) {
  return (
    <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
      <TextOption
        label="Freshness"
        tooltip="Fail freshness when the newest sample is older than this, e.g. 5m: the collector or a scrape has stopped. Default 5m"
        placeholder="5m"
        error={problems.freshness}
        value={freshness}
        onChange={(value) => onChange({ freshness: value })}
        onRunQuery={onRunQuery}
      />
      <NumberOption
        label="Max series"
        tooltip="Fail cardinality above this many series, 1 to 10000: a label such as a session id leaking into the metrics. Default 100"
        placeholder="100"
        min={1}
        max={10_000}
        step={1}
        error={problems.maxSeries}
        value={maxSeries}
        onChange={(value) => onChange({ maxSeries: value })}
        onRunQuery={onRunQuery}
      />
      {output !== 'score' && (
        <InlineField
          label="Checks"
          labelWidth={14}
          tooltip="Only these checks in the table and the levels, e.g. freshness for an alert rule on stale data. Empty: every check. The score always counts every check"
          invalid={problems.checks !== undefined}
          error={problems.checks}
        >
          <NamedControl name="Quality checks">
            {(labelledBy) => (
              <MultiCombobox<QualityCheckId>
                aria-labelledby={labelledBy}
                width={36}
                placeholder="every check"
                options={CHECK_OPTIONS}
                value={(checks ?? []).filter((id): id is QualityCheckId => (QUALITY_CHECK_IDS as readonly string[]).includes(id))}
                onChange={(options) => {
                  const next = options.map((option) => option.value);
                  onChange({ checks: next.length > 0 ? next : undefined });
                  onRunQuery();
                }}
              />
            )}
          </NamedControl>
        </InlineField>
      )}
      {/* useFieldset: what InlineField does for a RadioButtonGroup child (the wrapper hides it from it), so the label is a span, not a <label> of nothing. */}
      <InlineField label="Output" labelWidth={14} tooltip="Table for panels; Score or Levels for alert rules" invalid={problems.output !== undefined} error={problems.output} useFieldset>
        <NamedControl name="Quality output">
          {(labelledBy) => (
            <RadioButtonGroup
              aria-labelledby={labelledBy}
              options={QUALITY_OUTPUT_OPTIONS}
              value={(output as QualityOutput | undefined) ?? 'table'}
              onChange={(value) => {
                onChange({ output: value });
                onRunQuery();
              }}
            />
          )}
        </NamedControl>
      </InlineField>
    </Stack>
  );
}
