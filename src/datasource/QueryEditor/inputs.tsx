import { useId, useState, type ChangeEvent, type ReactNode } from 'react';
import { Combobox, InlineField, InlineSwitch, Input, type ComboboxOption } from '@grafana/ui';

interface OptionProps {
  label: string;
  tooltip: string;
  /** the backend's message about this field, if any */
  error?: string;
  labelWidth?: number;
  width?: number;
  placeholder?: string;
  /** what screen readers call the input; the label when absent */
  ariaLabel?: string;
  onRunQuery: () => void;
}

interface TextOptionProps extends OptionProps {
  value: string | undefined;
  /** undefined when the box is emptied: the schema's default applies */
  onChange: (value: string | undefined) => void;
}

/** A short text option (a duration such as 5m or 1d): empty means the default. */
export function TextOption({ label, tooltip, error, labelWidth = 14, width = 12, placeholder, ariaLabel, value, onChange, onRunQuery }: TextOptionProps) {
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={error !== undefined} error={error}>
      <Input
        aria-label={ariaLabel ?? label}
        width={width}
        placeholder={placeholder}
        value={value ?? ''}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value)}
        onBlur={onRunQuery}
      />
    </InlineField>
  );
}

interface NumberOptionProps extends OptionProps {
  value: number | undefined;
  min: number;
  max: number;
  step: number;
  onChange: (value: number | undefined) => void;
}

/**
 * A number option. What is being typed stays in the box until it loses focus ("0." is not a
 * number yet); every complete number reaches the query as it is typed.
 */
export function NumberOption({ label, tooltip, error, labelWidth = 14, width = 10, placeholder, value, min, max, step, onChange, onRunQuery }: NumberOptionProps) {
  const [draft, setDraft] = useState<string | undefined>(undefined);
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={error !== undefined} error={error}>
      <Input
        aria-label={label}
        type="number"
        width={width}
        min={min}
        max={max}
        step={step}
        placeholder={placeholder}
        value={draft ?? (value === undefined ? '' : String(value))}
        onChange={(e: ChangeEvent<HTMLInputElement>) => {
          const text = e.currentTarget.value;
          setDraft(text);
          if (text.trim() === '') onChange(undefined);
          else if (Number.isFinite(Number(text))) onChange(Number(text));
        }}
        onBlur={() => {
          setDraft(undefined);
          onRunQuery();
        }}
      />
    </InlineField>
  );
}

const SEASON_OPTIONS: Array<ComboboxOption<string>> = [
  { value: 'auto', label: 'auto', description: 'Find the period in the data (a daily or weekly rhythm), none if there is none' },
  { value: 'none', label: 'none', description: 'No seasonality: compare with the recent past only' },
  { value: '1d', label: '1d', description: 'A daily rhythm: evening peaks, night troughs' },
  { value: '1w', label: '1w', description: 'A weekly rhythm: weekends differ from weekdays' },
];

interface SeasonOptionProps {
  tooltip: string;
  error?: string;
  value: string | undefined;
  onChange: (value: string) => void;
  onRunQuery: () => void;
}

/** The season: auto, none, or a period such as 1d (any duration can be typed). */
export function SeasonOption({ tooltip, error, value, onChange, onRunQuery }: SeasonOptionProps) {
  const current = value ?? 'auto';
  const known = SEASON_OPTIONS.some((option) => option.value === current);
  return (
    <InlineField label="Season" labelWidth={14} tooltip={tooltip} invalid={error !== undefined} error={error}>
      <Combobox
        aria-label="Season"
        width={14}
        createCustomValue
        customValueDescription="Use this period"
        options={SEASON_OPTIONS}
        value={known ? current : { value: current, label: current }}
        onChange={(option) => {
          onChange(option.value.trim());
          onRunQuery();
        }}
      />
    </InlineField>
  );
}

interface SwitchOptionProps {
  label: string;
  tooltip: string;
  error?: string;
  labelWidth?: number;
  ariaLabel: string;
  value: boolean;
  /** the query runs again after every flip */
  onChange: (value: boolean) => void;
  onRunQuery: () => void;
}

/** An on/off option; flipping it runs the query. */
export function SwitchOption({ label, tooltip, error, labelWidth, ariaLabel, value, onChange, onRunQuery }: SwitchOptionProps) {
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={error !== undefined} error={error}>
      <InlineSwitch
        aria-label={ariaLabel}
        value={value}
        onChange={(e: ChangeEvent<HTMLInputElement>) => {
          onChange(e.currentTarget.checked);
          onRunQuery();
        }}
      />
    </InlineField>
  );
}

interface NamedControlProps {
  /** what the control is called, in full: `Quality output` beside a label reading `Output` */
  name: string;
  /** the control, given the id of the element holding its name (for its aria-labelledby) */
  children: (labelledBy: string) => ReactNode;
}

/**
 * A control of an InlineField that its short visible label does not name on its own ("Output",
 * "Checks" among the quality options). InlineField names its child after that label: a radio
 * group through aria-labelledby (which wins over the group's aria-label, and which InlineField
 * sets over the child's own), a combobox through the label's `for`, and MultiCombobox has no
 * aria-label at all. Here the control is labelled by a hidden element holding the whole name;
 * the visible label stays as it is. InlineField's props (invalid, disabled...) stop here: the
 * control reads them from the field's context.
 */
export function NamedControl({ name, children }: NamedControlProps) {
  const id = useId();
  return (
    <>
      <span id={id} hidden>
        {name}
      </span>
      {children(id)}
    </>
  );
}
