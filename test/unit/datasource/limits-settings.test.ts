// The config editor's Limits section validates with the backend's own schema: each bad value is
// reported under its field, in the words the backend would use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataSourceOptionsSchema } from '../../../src/common/settings';
import { LIMIT_FIELDS } from '../../../src/common/settings-limits';
import { describeIssues } from '../../../src/common/validation';
import { SETTINGS_FIELDS, settingsProblems } from '../../../src/datasource/ConfigEditor/problems';
import type { Settings } from '../../../src/datasource/ConfigEditor/settings-edit';

function settings(jsonData: Record<string, unknown>): Settings {
  return { url: '', jsonData } as unknown as Settings;
}

describe('Limits section validation', () => {
  it('knows every limit field', () => {
    for (const field of LIMIT_FIELDS) assert.ok((SETTINGS_FIELDS as readonly string[]).includes(field), field);
  });

  it('reports each bad limit under its field, as the backend says it', () => {
    const jsonData = { maxSeries: 0, maxQueryRange: 'a while', rateLimitUserBurst: 2.5, circuitBreakerCooldownSeconds: -1, allowLinkLocal: 'yes' };
    const problems = settingsProblems(settings(jsonData));
    const backend = dataSourceOptionsSchema.safeParse(jsonData);
    assert.equal(backend.success, false);
    for (const field of Object.keys(jsonData)) {
      const message = problems.fields[field as keyof typeof problems.fields];
      assert.ok(message?.startsWith(`${field}: `), `${field}: ${message}`);
      assert.ok(describeIssues(backend.error!).includes(message!), message);
    }
    assert.equal(problems.other, undefined);
  });

  it('accepts empty limits (the defaults) and sensible values', () => {
    assert.deepEqual(settingsProblems(settings({})).fields, {});
    assert.deepEqual(settingsProblems(settings({ maxSeries: 500, maxQueryRange: '90d', rateLimitOrgQps: 0, retries: 0, circuitBreakerFailures: 0 })).fields, {});
  });
});
