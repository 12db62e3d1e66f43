import type { ChangeEvent } from 'react';
import { FieldSet, InlineField, InlineSwitch, Stack } from '@grafana/ui';
import { SECURE_KEYS, type SecureKey } from '../../common/settings';
import type { GroupedProblems } from '../problems';
import type { SettingsField } from './problems';
import { withJsonData, type Settings } from './settings-edit';
import { JsonTextField } from './JsonTextField';
import { PemField } from './PemField';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  problems: GroupedProblems<SettingsField>;
}

/** TLS towards Prometheus: verification, a private CA, a client certificate, the server name. */
export function TlsSection({ settings, onChange, problems }: Props) {
  const { tlsSkipVerify = false, tlsAuthWithCACert = false, tlsAuth = false } = settings.jsonData;

  const pem = (secret: SecureKey, label: string, placeholder: string) => <PemField settings={settings} onChange={onChange} secret={secret} label={label} placeholder={placeholder} />;

  return (
    <FieldSet label="TLS">
      <Stack direction="column" gap={1}>
        <InlineField
          label="Skip certificate verification"
          labelWidth={32}
          tooltip="Accept any server certificate. Only for testing: it lets anyone on the path read and change the traffic."
          invalid={!!problems.fields.tlsSkipVerify}
          error={problems.fields.tlsSkipVerify}
        >
          <InlineSwitch
            aria-label="Skip TLS certificate verification"
            value={tlsSkipVerify}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { tlsSkipVerify: e.currentTarget.checked }))}
          />
        </InlineField>
        <InlineField label="With CA certificate" labelWidth={32} tooltip="Verify the server against your own certificate authority">
          <InlineSwitch
            aria-label="Use a CA certificate"
            value={tlsAuthWithCACert}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { tlsAuthWithCACert: e.currentTarget.checked }))}
          />
        </InlineField>
        {tlsAuthWithCACert && pem(SECURE_KEYS.tlsCACert, 'CA certificate (PEM)', '-----BEGIN CERTIFICATE-----')}
        <InlineField label="With client certificate" labelWidth={32} tooltip="Authenticate to the server with a certificate (mutual TLS)">
          <InlineSwitch
            aria-label="Use a client certificate"
            value={tlsAuth}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { tlsAuth: e.currentTarget.checked }))}
          />
        </InlineField>
        {tlsAuth && (
          <>
            {pem(SECURE_KEYS.tlsClientCert, 'Client certificate (PEM)', '-----BEGIN CERTIFICATE-----')}
            {pem(SECURE_KEYS.tlsClientKey, 'Client key (PEM)', '-----BEGIN PRIVATE KEY-----')}
          </>
        )}
        <JsonTextField
          settings={settings}
          onChange={onChange}
          problems={problems}
          setting="serverName"
          label="Server name"
          description="Name to verify the certificate against, when it differs from the URL's host (e.g. behind a load balancer)"
          ariaLabel="TLS server name"
          width={40}
          placeholder="prometheus.example.com"
        />
      </Stack>
    </FieldSet>
  );
}
