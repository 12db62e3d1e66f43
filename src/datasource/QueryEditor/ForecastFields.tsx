import { Stack } from '@grafana/ui';
import { NumberOption, SeasonOption, TextOption } from './inputs';

interface Props {
  horizon: string | undefined;
  coverage: number | undefined;
  season: string | undefined;
  problems: { horizon?: string; coverage?: string; season?: string };
  onChange: (patch: { horizon?: string; coverage?: number; season?: string }) => void;
  onRunQuery: () => void;
}

/** How far ahead to forecast, how wide the prediction band is, and the rhythm to follow. */
export function ForecastFields({ horizon, coverage, season, problems, onChange, onRunQuery }: Props) {
  return (
    <Stack direction="row" gap={2} wrap="wrap" alignItems="flex-start">
      <TextOption
        label="Horizon"
        tooltip="How far past the end of the time range to forecast, a duration such as 6h, 1d or 1w. Default 1d"
        placeholder="1d"
        error={problems.horizon}
        value={horizon}
        onChange={(value) => onChange({ horizon: value })}
        onRunQuery={onRunQuery}
      />
      <NumberOption
        label="Coverage"
        tooltip="Share of future values the prediction band should hold, 0.5 to 0.99: 0.95 means 1 in 20 falls outside. Default 0.95"
        placeholder="0.95"
        min={0.5}
        max={0.99}
        step={0.01}
        error={problems.coverage}
        value={coverage}
        onChange={(value) => onChange({ coverage: value })}
        onRunQuery={onRunQuery}
      />
      <SeasonOption
        tooltip="The rhythm to carry forward: auto finds a daily or weekly one, none projects level and trend only, or type a period such as 1d"
        error={problems.season}
        value={season}
        onChange={(value) => onChange({ season: value })}
        onRunQuery={onRunQuery}
      />
    </Stack>
  );
}
