import type { ChangeEvent } from 'react';
import { Field, SecretTextArea } from '@grafana/ui';
import type { SecureKey } from '../../common/settings';
import { isSecretConfigured, withSecret, withSecretReset, type Settings } from './settings-edit';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  /** the secureJsonData key the PEM text is stored under */
  secret: SecureKey;
  label: string;
  placeholder: string;
}

/** A certificate or key in PEM form, kept in secureJsonData: shown as configured, never read back. */
export function PemField({ settings, onChange, secret, label, placeholder }: Props) {
  return (
    <Field label={label} required>
      <SecretTextArea
        aria-label={label}
        rows={5}
        cols={64}
        spellCheck={false}
        placeholder={placeholder}
        isConfigured={isSecretConfigured(settings, secret)}
        value={settings.secureJsonData?.[secret] ?? ''}
        onChange={(e: ChangeEvent<HTMLTextAreaElement>) => onChange(withSecret(settings, secret, e.currentTarget.value))}
        onReset={() => onChange(withSecretReset(settings, secret))}
      />
    </Field>
  );
}
