import type { ChangeEvent } from 'react';
import { Field, FieldSet, InlineField, InlineSwitch, Input, Stack, Text } from '@grafana/ui';
import { LIMIT_DEFAULTS, type LimitField } from '../../common/settings-limits';
import type { GroupedProblems } from '../problems';
import type { SettingsField } from './problems';
import { withJsonData, type Settings } from './settings-edit';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  problems: GroupedProblems<SettingsField>;
  /** retries, circuit breaker and link-local addresses concern a Prometheus upstream only */
  prometheus: boolean;
}

type NumericLimit = Exclude<LimitField, 'maxQueryRange' | 'allowLinkLocal'>;

interface NumberSpec {
  key: NumericLimit;
  label: string;
  description: string;
  suffix?: string;
  min: number;
  max: number;
  step?: number;
}

const QUERY_LIMITS: NumberSpec[] = [
  { key: 'maxSeries', label: 'Max series', description: 'Series one upstream answer may have', min: 1, max: 1_000_000 },
  { key: 'maxPoints', label: 'Max samples', description: 'Samples one query may read, training history included', min: 1_000, max: 100_000_000 },
  { key: 'maxResponseMB', label: 'Max response size', description: 'One upstream answer, and one query\u2019s result frames', suffix: 'MiB', min: 1, max: 1024 },
  { key: 'queryTimeoutSeconds', label: 'Query timeout', description: 'One query end to end: every upstream call, history and analysis', suffix: 's', min: 1, max: 3600 },
];

const RATE_LIMITS: NumberSpec[] = [
  { key: 'rateLimitOrgQps', label: 'Per organisation', description: 'Queries per second (0 turns the limit off)', suffix: '/s', min: 0, max: 100_000, step: 0.1 },
  { key: 'rateLimitOrgBurst', label: 'Organisation burst', description: 'Queries at once after a quiet spell', min: 1, max: 1_000_000 },
  { key: 'rateLimitUserQps', label: 'Per user', description: 'Queries per second (0 turns the limit off)', suffix: '/s', min: 0, max: 100_000, step: 0.1 },
  { key: 'rateLimitUserBurst', label: 'User burst', description: 'Queries at once after a quiet spell', min: 1, max: 1_000_000 },
];

const UPSTREAM: NumberSpec[] = [
  { key: 'retries', label: 'Retries', description: 'Extra attempts after a connection failure or a 5xx/429 answer, with jittered backoff', min: 0, max: 5 },
  { key: 'circuitBreakerFailures', label: 'Circuit breaker', description: 'Consecutive failures that stop calls to the upstream (0 turns it off)', suffix: 'failures', min: 0, max: 1000 },
  { key: 'circuitBreakerCooldownSeconds', label: 'Breaker cooldown', description: 'How long calls stay stopped before one probe goes through', suffix: 's', min: 1, max: 3600 },
];

/**
 * What one query may cost and how often queries may come: limits per query, token-bucket rate
 * limits per organisation and per user, and (for Prometheus) retries, the circuit breaker and
 * the link-local policy. Empty fields mean the default, shown as the placeholder; the backend's
 * own schema checks every value as you type, with the backend's wording.
 */
export function LimitsSection({ settings, onChange, problems, prometheus }: Props) {
  const jsonData = settings.jsonData;
  const numberField = (spec: NumberSpec) => (
    <Field key={spec.key} label={spec.label} description={spec.description} invalid={!!problems.fields[spec.key]} error={problems.fields[spec.key]}>
      <Input
        aria-label={spec.label}
        type="number"
        min={spec.min}
        max={spec.max}
        step={spec.step ?? 1}
        width={16}
        suffix={spec.suffix}
        placeholder={String(LIMIT_DEFAULTS[spec.key])}
        value={jsonData[spec.key] ?? ''}
        onChange={(e: ChangeEvent<HTMLInputElement>) => {
          const text = e.currentTarget.value;
          onChange(withJsonData(settings, { [spec.key]: text === '' ? undefined : Number(text) }));
        }}
      />
    </Field>
  );

  return (
    <FieldSet label="Limits">
      <Stack direction="column" gap={1}>
        <Text element="p" color="secondary">
          A query over a limit gets its own error naming the limit; the other queries of the panel still answer. Empty fields use the
          default shown.
        </Text>
        <Field
          label="Max time range"
          description="The widest time range one query may cover (e.g. 30d, 1y)"
          invalid={!!problems.fields.maxQueryRange}
          error={problems.fields.maxQueryRange}
        >
          <Input
            aria-label="Max time range"
            width={16}
            placeholder={LIMIT_DEFAULTS.maxQueryRange}
            value={jsonData.maxQueryRange ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) =>
              onChange(withJsonData(settings, { maxQueryRange: e.currentTarget.value === '' ? undefined : e.currentTarget.value }))
            }
          />
        </Field>
        <Stack direction="row" gap={2} wrap="wrap">
          {QUERY_LIMITS.map(numberField)}
        </Stack>
        <Text element="h6">Rate limits</Text>
        <Stack direction="row" gap={2} wrap="wrap">
          {RATE_LIMITS.map(numberField)}
        </Stack>
        {prometheus && (
          <>
            <Text element="h6">Upstream</Text>
            <Stack direction="row" gap={2} wrap="wrap">
              {UPSTREAM.map(numberField)}
            </Stack>
            <InlineField
              label="Allow link-local addresses"
              labelWidth={32}
              tooltip="Let this data source reach 169.254.0.0/16, fe80::/10 and cloud metadata addresses. Also needs allow_link_local = true in the Grafana server's [plugin.encore-streaming-datasource] settings."
              invalid={!!problems.fields.allowLinkLocal}
              error={problems.fields.allowLinkLocal}
            >
              <InlineSwitch
                aria-label="Allow link-local addresses"
                value={jsonData.allowLinkLocal ?? false}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { allowLinkLocal: e.currentTarget.checked || undefined }))}
              />
            </InlineField>
          </>
        )}
      </Stack>
    </FieldSet>
  );
}
