import { Stack } from '@grafana/ui';
import type { AnalysisOutput } from '../../common/query';
import type { GroupedProblems } from '../problems';
import type { DetectionField } from '../query-problems';
import { DetectionFields, type DetectionInput } from './DetectionFields';
import { SwitchOption } from './inputs';
import { OutputField } from './OutputField';

interface Props {
  detect: DetectionInput | undefined;
  output: string | undefined;
  detectProblems: GroupedProblems<DetectionField>;
  outputProblem?: string;
  onChange: (patch: { detect?: DetectionInput; output?: AnalysisOutput }) => void;
  onRunQuery: () => void;
}

/**
 * "Detect anomalies" on a KPI or PromQL query: on, the frames gain the expected value, the band,
 * the score and the anomaly flag. Off removes the options (their absence is what off means).
 */
export function DetectToggle({ detect, output, detectProblems, outputProblem, onChange, onRunQuery }: Props) {
  return (
    <Stack direction="column" gap={1}>
      <SwitchOption
        label="Detect anomalies"
        ariaLabel="Detect anomalies"
        labelWidth={21}
        tooltip="Add the expected value, the normal band, a 0-1 score and an anomaly flag to each series"
        value={detect !== undefined}
        onChange={(on) => onChange(on ? { detect: detect ?? {} } : { detect: undefined, output: undefined })}
        onRunQuery={onRunQuery}
      />
      {detect !== undefined && (
        <>
          <DetectionFields detect={detect} problems={detectProblems} onChange={(next) => onChange({ detect: next })} onRunQuery={onRunQuery} />
          <OutputField value={output} error={outputProblem} onChange={(next) => onChange({ output: next })} onRunQuery={onRunQuery} />
        </>
      )}
    </Stack>
  );
}
