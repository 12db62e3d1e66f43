import type { ChangeEvent, ComponentProps } from 'react';
import { Field, FieldSet, InlineField, InlineSwitch, Input, RadioButtonGroup, SecretInput, Stack, Text } from '@grafana/ui';
import { CACHE_DEFAULTS, CACHE_KEY_MIN_LENGTH, redisUsesTls, SECURE_KEYS, type CacheMode, type SecureKey } from '../../common/settings';
import type { GroupedProblems } from '../problems';
import type { SettingsField } from './problems';
import { isSecretConfigured, withJsonData, withSecret, withSecretReset, type Settings } from './settings-edit';
import { JsonTextField } from './JsonTextField';
import { PemField } from './PemField';

interface Props {
  settings: Settings;
  onChange: (settings: Settings) => void;
  problems: GroupedProblems<SettingsField>;
}

const MODE_OPTIONS: Array<{ label: string; value: CacheMode; description: string }> = [
  { label: 'Memory', value: 'memory', description: 'In the Grafana server: nothing to set up' },
  { label: 'Redis', value: 'redis', description: 'Shared by every Grafana server; memory stays the near cache and the fallback' },
  { label: 'Off', value: 'off', description: 'Every query goes to the store' },
];

/**
 * The results cache: where it lives, how long it keeps what, and for Redis how to reach it and
 * the key it encrypts with. Empty fields use the default shown; the backend's schema checks every
 * value as you type, and "Save & test" says whether Redis answers.
 */
export function CacheSection({ settings, onChange, problems }: Props) {
  const jsonData = settings.jsonData;
  const mode = jsonData.cacheMode ?? CACHE_DEFAULTS.mode;
  const common = { settings, onChange, problems };
  const field = (setting: ComponentProps<typeof JsonTextField>['setting'], label: string, description: string, ariaLabel: string, width: number, placeholder: string) => (
    <JsonTextField {...common} setting={setting} label={label} description={description} ariaLabel={ariaLabel} width={width} placeholder={placeholder} />
  );
  const number = (key: 'cacheRedisDb' | 'cacheMaxMemoryMB') => (e: ChangeEvent<HTMLInputElement>) =>
    onChange(withJsonData(settings, { [key]: e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value) }));
  const secret = (key: string, label: string, description: string, required: boolean) => (
    <Field label={label} description={description} required={required} invalid={!!problems.fields[key as SettingsField]} error={problems.fields[key as SettingsField]}>
      <SecretInput
        aria-label={label}
        width={40}
        autoComplete="new-password"
        isConfigured={isSecretConfigured(settings, key)}
        value={settings.secureJsonData?.[key] ?? ''}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withSecret(settings, key, e.currentTarget.value))}
        onReset={() => onChange(withSecretReset(settings, key))}
      />
    </Field>
  );

  const toggle = (key: 'cacheRedisTlsSkipVerify' | 'cacheRedisTlsWithCACert' | 'cacheRedisTlsAuth', label: string, tooltip: string) => (
    <InlineField label={label} labelWidth={32} tooltip={tooltip} invalid={!!problems.fields[key]} error={problems.fields[key]}>
      <InlineSwitch
        aria-label={`Redis ${label}`}
        value={jsonData[key] ?? false}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { [key]: e.currentTarget.checked }))}
      />
    </InlineField>
  );
  const pem = (secret: SecureKey, label: string, placeholder: string) => <PemField settings={settings} onChange={onChange} secret={secret} label={label} placeholder={placeholder} />;
  // rediss:// addresses turn TLS on as the switch does; the switch shows it.
  const tls = redisUsesTls(jsonData);
  const sentinel = (jsonData.cacheRedisSentinelMaster ?? '') !== '';

  return (
    <FieldSet label="Cache">
      <Stack direction="column" gap={1}>
        <Text element="p" color="secondary">
          Results are kept in step-aligned pieces: a refresh or an alert evaluation asks the store only for what is new. Samples
          of the last five minutes may still change and are kept for the recent TTL only.
        </Text>
        <Field label="Cache" invalid={!!problems.fields.cacheMode} error={problems.fields.cacheMode}>
          <RadioButtonGroup<CacheMode>
            aria-label="Cache mode"
            options={MODE_OPTIONS}
            value={mode}
            onChange={(value) => onChange(withJsonData(settings, { cacheMode: value }))}
          />
        </Field>
        {mode !== 'off' && (
          <Stack direction="row" gap={2} wrap="wrap">
            {field('cacheSettledTtl', 'Settled TTL', 'How long settled past results are kept', 'Settled TTL', 16, CACHE_DEFAULTS.settledTtl)}
            {field('cacheRecentTtl', 'Recent TTL', "How long the last minutes' samples are served (0s: never)", 'Recent TTL', 16, CACHE_DEFAULTS.recentTtl)}
            <Field label="Memory" description="In-process budget of this data source" invalid={!!problems.fields.cacheMaxMemoryMB} error={problems.fields.cacheMaxMemoryMB}>
              <Input
                aria-label="Cache memory in MiB"
                type="number"
                min={1}
                max={65536}
                width={16}
                suffix="MiB"
                placeholder={String(CACHE_DEFAULTS.maxMemoryMB)}
                value={jsonData.cacheMaxMemoryMB ?? ''}
                onChange={number('cacheMaxMemoryMB')}
              />
            </Field>
          </Stack>
        )}
        {mode === 'redis' && (
          <>
            <JsonTextField
              {...common}
              setting="cacheRedisAddress"
              label={sentinel ? 'Sentinel addresses' : 'Redis address'}
              description={
                sentinel
                  ? 'The Sentinels, host:port separated by commas (port 26379 when left out); they name the master'
                  : 'host:port (rediss://host:port for TLS), or for a Redis Cluster some of its nodes separated by commas'
              }
              ariaLabel="Redis address"
              width={60}
              placeholder={sentinel ? 'sentinel-1:26379, sentinel-2:26379, sentinel-3:26379' : 'redis:6379'}
              required
            />
            <InlineField label="Redis Cluster" labelWidth={32} tooltip="Connect to a Redis Cluster (the address lists seed nodes)">
              <InlineSwitch
                aria-label="Redis Cluster"
                value={jsonData.cacheRedisCluster ?? false}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { cacheRedisCluster: e.currentTarget.checked }))}
              />
            </InlineField>
            {!jsonData.cacheRedisCluster &&
              field('cacheRedisSentinelMaster', 'Sentinel master', 'With Redis Sentinel: the name of the master set (sentinel monitor <name> ...); the address then lists the Sentinels', 'Sentinel master name', 32, 'mymaster')}
            {sentinel && secret(SECURE_KEYS.cacheRedisSentinelPassword, 'Sentinel password', 'Empty when the Sentinels need none (sentinel.conf requirepass)', false)}
            <InlineField label="TLS" labelWidth={32} tooltip="Connect with TLS (rediss), verifying the server certificate">
              <InlineSwitch
                aria-label="Redis TLS"
                value={jsonData.cacheRedisTls ?? tls}
                onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(withJsonData(settings, { cacheRedisTls: e.currentTarget.checked }))}
              />
            </InlineField>
            {tls && (
              <>
                {toggle('cacheRedisTlsSkipVerify', 'Skip certificate verification', 'Accept any server certificate. Only for testing: it lets anyone on the path read and change the cache traffic.')}
                {toggle('cacheRedisTlsWithCACert', 'With CA certificate', 'Verify the Redis server against your own certificate authority')}
                {jsonData.cacheRedisTlsWithCACert && pem(SECURE_KEYS.cacheRedisTlsCACert, 'Redis CA certificate (PEM)', '-----BEGIN CERTIFICATE-----')}
                {toggle('cacheRedisTlsAuth', 'With client certificate', 'Authenticate to Redis with a certificate (tls-auth-clients)')}
                {jsonData.cacheRedisTlsAuth && (
                  <>
                    {pem(SECURE_KEYS.cacheRedisTlsClientCert, 'Redis client certificate (PEM)', '-----BEGIN CERTIFICATE-----')}
                    {pem(SECURE_KEYS.cacheRedisTlsClientKey, 'Redis client key (PEM)', '-----BEGIN PRIVATE KEY-----')}
                  </>
                )}
                {field('cacheRedisTlsServerName', 'TLS server name', "Name the Redis certificate must carry, when it is not the address' host", 'Redis TLS server name', 40, 'redis.example.com')}
              </>
            )}
            <Stack direction="row" gap={2} wrap="wrap">
              <JsonTextField {...common} setting="cacheRedisUser" label="User" description="ACL user (Redis 6 and later); empty: default" ariaLabel="Redis user" width={24} autoComplete="off" />
              {!jsonData.cacheRedisCluster && (
                <Field label="Database" description="0 to 15" invalid={!!problems.fields.cacheRedisDb} error={problems.fields.cacheRedisDb}>
                  <Input aria-label="Redis database" type="number" min={0} max={15} width={12} placeholder="0" value={jsonData.cacheRedisDb ?? ''} onChange={number('cacheRedisDb')} />
                </Field>
              )}
            </Stack>
            {secret(SECURE_KEYS.cacheRedisPassword, 'Redis password', 'Empty when Redis needs none', false)}
            {secret(
              SECURE_KEYS.cacheEncryptionKey,
              'Encryption key',
              `Everything written to Redis is encrypted (AES-256-GCM) and keyed with this secret: at least ${CACHE_KEY_MIN_LENGTH} characters`,
              true,
            )}
          </>
        )}
      </Stack>
    </FieldSet>
  );
}
