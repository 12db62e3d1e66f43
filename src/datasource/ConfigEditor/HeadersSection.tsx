import type { ChangeEvent } from 'react';
import { Button, FieldSet, IconButton, InlineField, Input, SecretInput, Stack, Text } from '@grafana/ui';
import { headerRows, withHeaderAdded, withHeaderName, withHeaderRemoved, withHeaderValue, withSecretReset, type Settings } from './settings-edit';
import { HEADER_VALUE_PREFIX } from '../../common/settings';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
}

/**
 * Extra HTTP headers on every request to Prometheus, such as X-Scope-OrgID for Mimir/Cortex
 * tenants. Values are stored encrypted because they are often credentials.
 */
export function HeadersSection({ settings, onChange }: Props) {
  const rows = headerRows(settings);
  return (
    <FieldSet label="Custom HTTP headers">
      <Stack direction="column" gap={1}>
        {rows.length === 0 && (
          <Text color="secondary">None. Add one for a tenant id (X-Scope-OrgID) or an API key your proxy expects.</Text>
        )}
        {rows.map((row) => (
          <Stack key={row.index} direction="row" gap={1} alignItems="center">
            <InlineField label="Header" labelWidth={10}>
              <Input
                aria-label={`Header ${row.index} name`}
                width={28}
                placeholder="X-Scope-OrgID"
                value={row.name}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withHeaderName(settings, row.index, e.currentTarget.value))}
              />
            </InlineField>
            <InlineField label="Value" labelWidth={8}>
              <SecretInput
                aria-label={`Header ${row.index} value`}
                width={36}
                autoComplete="off"
                isConfigured={row.configured}
                value={row.value ?? ''}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withHeaderValue(settings, row.index, e.currentTarget.value))}
                onReset={() => onChange(withSecretReset(settings, `${HEADER_VALUE_PREFIX}${row.index}`))}
              />
            </InlineField>
            <IconButton
              name="trash-alt"
              tooltip={`Remove header ${row.name || row.index}`}
              onClick={() => onChange(withHeaderRemoved(settings, row.index))}
            />
          </Stack>
        ))}
        <div>
          <Button variant="secondary" icon="plus" size="sm" onClick={() => onChange(withHeaderAdded(settings))}>
            Add header
          </Button>
        </div>
      </Stack>
    </FieldSet>
  );
}
