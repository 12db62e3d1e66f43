import { Alert, Combobox, InlineField, RadioButtonGroup, Slider, Stack, type ComboboxOption } from '@grafana/ui';
import type { DETECTION_ALGORITHMS, DETECTION_DIRECTIONS, DetectionOptions } from '../../common/query';
import type { GroupedProblems } from '../problems';
import type { DetectionField } from '../query-problems';
import { SeasonOption, TextOption } from './inputs';

type Algorithm = (typeof DETECTION_ALGORITHMS)[number];
type Direction = (typeof DETECTION_DIRECTIONS)[number];
/** The detection options as the query stores them: any of them may be absent (the default). */
export type DetectionInput = Partial<DetectionOptions>;

const ALGORITHM_OPTIONS: Array<ComboboxOption<Algorithm>> = [
  { value: 'auto', label: 'Auto', description: 'Seasonal when the history repeats (a daily or weekly rhythm), rolling median otherwise; a share of few events (a market’s payment failures) by its counts' },
  { value: 'rolling', label: 'Rolling median', description: 'Median of the last two hours; spikes do not move it, a lasting change becomes the new normal' },
  { value: 'ewma', label: 'EWMA', description: 'Control chart on an exponentially weighted mean (about an hour); for steady series' },
  { value: 'seasonal', label: 'Seasonal', description: 'Same moment of the last cycles (yesterday, the day before...): prime-time peaks are expected' },
  { value: 'holt_winters', label: 'Holt-Winters', description: 'Level, trend and season: follows growth such as a launch or a campaign' },
];

const DIRECTION_OPTIONS: Array<{ value: Direction; label: string; description: string }> = [
  { value: 'both', label: 'Both', description: 'Flag rises and drops' },
  { value: 'up', label: 'Up', description: 'Flag rises only, e.g. rebuffering or errors going up' },
  { value: 'down', label: 'Down', description: 'Flag drops only, e.g. streams or revenue falling' },
];

interface SliderProps {
  value: number | undefined;
  onChange: (value: number) => void;
  onRunQuery: () => void;
}

/** Sensitivity 0..1 in steps of 0.05, with a box to type into. InlineField's `invalid` stops here, not on a div. */
function SensitivitySlider({ value, onChange, onRunQuery }: SliderProps) {
  return (
    <div style={{ width: 240 }}>
      <Slider min={0} max={1} step={0.05} value={value ?? 0.5} ariaLabelForHandle="Sensitivity" onChange={onChange} onAfterChange={() => onRunQuery()} />
    </div>
  );
}

interface Props {
  detect: DetectionInput | undefined;
  problems: GroupedProblems<DetectionField>;
  /** outliers compare series with their peers: no algorithm or season of their own */
  peersOnly?: boolean;
  onChange: (detect: DetectionInput) => void;
  onRunQuery: () => void;
}

/** How anomalies are detected: algorithm, sensitivity, direction, minimum duration, season. */
export function DetectionFields({ detect = {}, problems, peersOnly = false, onChange, onRunQuery }: Props) {
  const set = (patch: DetectionInput) => onChange({ ...detect, ...patch });
  const setAndRun = (patch: DetectionInput) => {
    set(patch);
    onRunQuery();
  };
  const { fields } = problems;
  return (
    <Stack direction="column" gap={0}>
      {problems.other && <Alert severity="warning" title={problems.other} />}
      <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
        {!peersOnly && (
          <InlineField label="Algorithm" labelWidth={14} tooltip="How the expected value and its band are learnt from the series' own history" invalid={fields.algorithm !== undefined} error={fields.algorithm}>
            <Combobox aria-label="Algorithm" width={20} options={ALGORITHM_OPTIONS} value={detect.algorithm ?? 'auto'} onChange={(option) => setAndRun({ algorithm: option.value })} />
          </InlineField>
        )}
        <InlineField
          label="Sensitivity"
          labelWidth={14}
          tooltip="0 to 1. Higher flags smaller departures (the band narrows from 6 to 1.5 typical deviations); lower pages less often. Default 0.5"
          invalid={fields.sensitivity !== undefined}
          error={fields.sensitivity}
        >
          <SensitivitySlider value={detect.sensitivity} onChange={(sensitivity) => set({ sensitivity })} onRunQuery={onRunQuery} />
        </InlineField>
        <InlineField label="Direction" labelWidth={14} tooltip="Which departures count: for a ratio where up is bad, choose Up" invalid={fields.direction !== undefined} error={fields.direction}>
          <RadioButtonGroup aria-label="Direction" options={DIRECTION_OPTIONS} value={detect.direction ?? 'both'} onChange={(value) => setAndRun({ direction: value })} />
        </InlineField>
        <TextOption
          label="Min duration"
          // Wide enough for the label and its tooltip icon on one line.
          labelWidth={16}
          tooltip="Flag only departures that last at least this long, e.g. 5m, so one bad scrape does not page anyone. Empty: two steps in a row"
          placeholder="two steps"
          error={fields.minDuration}
          value={detect.minDuration}
          onChange={(minDuration) => set({ minDuration })}
          onRunQuery={onRunQuery}
        />
        {!peersOnly && (
          <SeasonOption
            tooltip="The rhythm the series repeats with: auto finds a daily or weekly one, none compares with the recent past only, or type a period such as 1d"
            error={fields.season}
            value={detect.season}
            onChange={(season) => set({ season })}
            onRunQuery={onRunQuery}
          />
        )}
      </Stack>
    </Stack>
  );
}
