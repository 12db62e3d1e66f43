import type { ChangeEvent } from 'react';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';
import { SECURE_KEYS, type AuthType } from '../../common/settings';
import type { GroupedProblems } from '../problems';
import type { SettingsField } from './problems';
import { isSecretConfigured, withJsonData, withSecret, withSecretReset, type Settings } from './settings-edit';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  problems: GroupedProblems<SettingsField>;
}

const AUTH_OPTIONS: Array<{ label: string; value: AuthType }> = [
  { label: 'No authentication', value: 'none' },
  { label: 'Basic', value: 'basic' },
  { label: 'Bearer token', value: 'bearer' },
];

/**
 * How Encore authenticates to Prometheus. Basic auth uses Grafana's own fields (basicAuth,
 * basicAuthUser, secure basicAuthPassword) so provisioning files look like Prometheus ones.
 */
export function AuthSection({ settings, onChange, problems }: Props) {
  const authType = settings.jsonData.authType ?? 'none';
  const selectAuth = (value: AuthType) =>
    // The backend refuses basicAuth together with a bearer token: keep the two in step.
    onChange({ ...withJsonData(settings, { authType: value }), basicAuth: value === 'basic' });

  return (
    <FieldSet label="Authentication">
      <Field label="Method" invalid={!!problems.fields.authType} error={problems.fields.authType}>
        <RadioButtonGroup<AuthType> aria-label="Authentication method" options={AUTH_OPTIONS} value={authType} onChange={selectAuth} />
      </Field>
      {authType === 'basic' && (
        <>
          <Field label="User" required>
            <Input
              aria-label="Basic auth user"
              width={40}
              autoComplete="off"
              value={settings.basicAuthUser}
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange({ ...settings, basicAuthUser: e.currentTarget.value })}
            />
          </Field>
          <Field label="Password" required>
            <SecretInput
              aria-label="Basic auth password"
              width={40}
              autoComplete="new-password"
              isConfigured={isSecretConfigured(settings, SECURE_KEYS.basicAuthPassword)}
              value={settings.secureJsonData?.[SECURE_KEYS.basicAuthPassword] ?? ''}
              onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withSecret(settings, SECURE_KEYS.basicAuthPassword, e.currentTarget.value))}
              onReset={() => onChange(withSecretReset(settings, SECURE_KEYS.basicAuthPassword))}
            />
          </Field>
        </>
      )}
      {authType === 'bearer' && (
        <Field label="Token" description="Sent as Authorization: Bearer <token>" required>
          <SecretInput
            aria-label="Bearer token"
            width={60}
            autoComplete="off"
            isConfigured={isSecretConfigured(settings, SECURE_KEYS.bearerToken)}
            value={settings.secureJsonData?.[SECURE_KEYS.bearerToken] ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withSecret(settings, SECURE_KEYS.bearerToken, e.currentTarget.value))}
            onReset={() => onChange(withSecretReset(settings, SECURE_KEYS.bearerToken))}
          />
        </Field>
      )}
    </FieldSet>
  );
}
