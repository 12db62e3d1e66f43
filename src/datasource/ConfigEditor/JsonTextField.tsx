import type { ChangeEvent, ReactNode } from 'react';
import { Field, Input } from '@grafana/ui';
import type { EncoreJsonData } from '../types';
import type { GroupedProblems } from '../problems';
import type { SettingsField } from './problems';
import { withJsonData, type Settings } from './settings-edit';

/** The jsonData settings that hold free text. */
type TextSetting = {
  [K in keyof EncoreJsonData & SettingsField]-?: NonNullable<EncoreJsonData[K]> extends string ? K : never;
}[keyof EncoreJsonData & SettingsField];

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  problems: GroupedProblems<SettingsField>;
  setting: TextSetting;
  label: string;
  description?: ReactNode;
  /** the input's accessible name (the label alone is often too short out of context) */
  ariaLabel: string;
  width: number;
  placeholder?: string;
  required?: boolean;
  autoComplete?: string;
}

/**
 * A text setting of jsonData with the backend schema's message under it. An empty input removes
 * the setting, so the backend's default applies (the placeholder shows it where there is one).
 */
export function JsonTextField({ settings, onChange, problems, setting, label, description, ariaLabel, width, placeholder, required, autoComplete }: Props) {
  const problem = problems.fields[setting];
  return (
    <Field label={label} description={description} required={required} invalid={!!problem} error={problem}>
      <Input
        aria-label={ariaLabel}
        width={width}
        placeholder={placeholder}
        autoComplete={autoComplete}
        value={settings.jsonData[setting] ?? ''}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { [setting]: e.currentTarget.value === '' ? undefined : e.currentTarget.value }))}
      />
    </Field>
  );
}
