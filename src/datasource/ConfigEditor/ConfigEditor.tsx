import { useMemo } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Alert, Stack } from '@grafana/ui';
import type { EncoreJsonData, EncoreSecureJsonData } from '../types';
import { AuthSection } from './AuthSection';
import { CacheSection } from './CacheSection';
import { HeadersSection } from './HeadersSection';
import { LimitsSection } from './LimitsSection';
import { settingsProblems } from './problems';
import { effectiveSourceKind } from './settings-edit';
import { SourceSection } from './SourceSection';
import { TlsSection } from './TlsSection';

type Props = DataSourcePluginOptionsEditorProps<EncoreJsonData, EncoreSecureJsonData>;

/**
 * Settings of an Encore data source. The demo source needs none; a Prometheus source needs a
 * URL and optionally authentication, custom headers and TLS; limits (all with defaults) apply to
 * both. "Save & test" runs the backend's health check, which also reports problems this editor
 * cannot see (a wrong password, say).
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const problems = useMemo(() => settingsProblems(options), [options]);
  const prometheus = effectiveSourceKind(options) === 'prometheus';
  return (
    <Stack direction="column" gap={2}>
      {problems.other && (
        <Alert severity="warning" title="Some saved settings are not valid">
          {problems.other}
        </Alert>
      )}
      <SourceSection settings={options} onChange={onOptionsChange} problems={problems} />
      {prometheus && (
        <>
          <AuthSection settings={options} onChange={onOptionsChange} problems={problems} />
          <HeadersSection settings={options} onChange={onOptionsChange} />
          <TlsSection settings={options} onChange={onOptionsChange} problems={problems} />
        </>
      )}
      <CacheSection settings={options} onChange={onOptionsChange} problems={problems} />
      <LimitsSection settings={options} onChange={onOptionsChange} problems={problems} prometheus={prometheus} />
    </Stack>
  );
}
