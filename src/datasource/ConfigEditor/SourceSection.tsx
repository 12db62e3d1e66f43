import type { ChangeEvent } from 'react';
import { Field, FieldSet, Input, RadioButtonGroup, Text } from '@grafana/ui';
import type { SourceKind } from '../../common/settings';
import type { GroupedProblems } from '../problems';
import type { SettingsField } from './problems';
import { effectiveSourceKind, withJsonData, type Settings } from './settings-edit';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  problems: GroupedProblems<SettingsField>;
}

const KIND_OPTIONS: Array<{ label: string; value: SourceKind; description: string }> = [
  { label: 'Demo', value: 'demo', description: 'Built-in synthetic streaming metrics, no store needed' },
  { label: 'Prometheus', value: 'prometheus', description: 'Prometheus or a compatible store: Mimir, Thanos, Cortex, VictoriaMetrics' },
];

const METHOD_OPTIONS: Array<{ label: string; value: 'GET' | 'POST' }> = [
  { label: 'POST', value: 'POST' },
  { label: 'GET', value: 'GET' },
];

/** Where the data comes from: the built-in demo, or a Prometheus-compatible HTTP API. */
export function SourceSection({ settings, onChange, problems }: Props) {
  const kind = effectiveSourceKind(settings);
  const timeout = settings.jsonData.timeoutSeconds;
  return (
    <FieldSet label="Source">
      <Field label="Read from" description="Where Encore reads metrics from" invalid={!!problems.fields.sourceKind} error={problems.fields.sourceKind}>
        <RadioButtonGroup<SourceKind>
          aria-label="Source"
          options={KIND_OPTIONS}
          value={kind}
          onChange={(value) => onChange(withJsonData(settings, { sourceKind: value }))}
        />
      </Field>
      {kind === 'demo' ? (
        <Text element="p" color="secondary">
          The demo source serves deterministic synthetic streaming metrics, incidents included, from inside the plugin. Use it
          to try dashboards and alert rules; switch to Prometheus for real data.
        </Text>
      ) : (
        <>
          <Field
            label="URL"
            description="Base address of the Prometheus HTTP API, with any path prefix (e.g. http://mimir:8080/prometheus)"
            required
            invalid={!!problems.fields.url}
            error={problems.fields.url}
          >
            <Input
              aria-label="URL"
              width={60}
              placeholder="http://prometheus:9090"
              value={settings.url}
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...settings, url: e.currentTarget.value })}
            />
          </Field>
          <Field
            label="HTTP method"
            description="POST allows long queries; use GET if a proxy in front of Prometheus only allows reads"
            invalid={!!problems.fields.httpMethod}
            error={problems.fields.httpMethod}
          >
            <RadioButtonGroup<'GET' | 'POST'>
              aria-label="HTTP method"
              options={METHOD_OPTIONS}
              value={settings.jsonData.httpMethod ?? 'POST'}
              onChange={(value) => onChange(withJsonData(settings, { httpMethod: value }))}
            />
          </Field>
          <Field
            label="Timeout"
            description="Seconds to wait for Prometheus before a query fails (default 30, at most 600)"
            invalid={!!problems.fields.timeoutSeconds}
            error={problems.fields.timeoutSeconds}
          >
            <Input
              aria-label="Timeout in seconds"
              type="number"
              min={1}
              max={600}
              width={12}
              suffix="s"
              placeholder="30"
              value={timeout ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) => {
                const text = e.currentTarget.value;
                onChange(withJsonData(settings, { timeoutSeconds: text === '' ? undefined : Number(text) }));
              }}
            />
          </Field>
        </>
      )}
    </FieldSet>
  );
}
