// Pure helpers behind the data source's browser code: template variables in PromQL, the
// settings edits of the config editor, and the editors' validation messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingsProblems } from '../../../src/datasource/ConfigEditor/problems';
import {
  effectiveSourceKind,
  headerRows,
  withHeaderAdded,
  withHeaderName,
  withHeaderRemoved,
  withHeaderValue,
  withSecretReset,
  type Settings,
} from '../../../src/datasource/ConfigEditor/settings-edit';
import { interpolatePromqlValue } from '../../../src/datasource/interpolate';
import { queryProblems } from '../../../src/datasource/query-problems';

function settings(patch: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'enc',
    orgId: 1,
    name: 'Encore',
    typeLogoUrl: '',
    type: 'encore-streaming-datasource',
    typeName: 'Encore',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: {},
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...patch,
  };
}

describe('interpolatePromqlValue', () => {
  it('writes a single-value variable verbatim', () => {
    assert.equal(interpolatePromqlValue('5m', { multi: false }), '5m');
    assert.equal(interpolatePromqlValue('eu.west'), 'eu.west');
  });

  it('turns multi-value selections into an escaped regex alternative for =~', () => {
    assert.equal(interpolatePromqlValue(['eu.west', 'us'], { multi: true }), '(eu\\\\.west|us)');
    assert.equal(interpolatePromqlValue(['a(b)'], { multi: true }), 'a\\\\(b\\\\)');
    assert.equal(interpolatePromqlValue('one', { includeAll: true }), 'one');
  });
});

describe('config editor settings edits', () => {
  it('defaults to demo without a URL and to Prometheus with one, unless chosen', () => {
    assert.equal(effectiveSourceKind(settings()), 'demo');
    assert.equal(effectiveSourceKind(settings({ url: 'http://prom:9090' })), 'prometheus');
    assert.equal(effectiveSourceKind(settings({ url: 'http://prom:9090', jsonData: { sourceKind: 'demo' } })), 'demo');
  });

  it('adds, edits and removes headers without renumbering the others', () => {
    let s = withHeaderAdded(withHeaderAdded(settings()));
    s = withHeaderName(s, 1, 'X-Scope-OrgID');
    s = withHeaderValue(s, 1, 'tenant-a');
    s = withHeaderName(s, 2, 'X-Api-Key');
    s = { ...s, secureJsonFields: { httpHeaderValue2: true } };
    assert.deepEqual(
      headerRows(s).map((r) => [r.index, r.name, r.configured, r.value]),
      [
        [1, 'X-Scope-OrgID', false, 'tenant-a'],
        [2, 'X-Api-Key', true, undefined],
      ],
    );
    s = withHeaderRemoved(s, 1);
    assert.deepEqual(
      headerRows(s).map((r) => r.index),
      [2],
    );
    assert.equal(s.secureJsonData?.httpHeaderValue1, '', 'the removed value is cleared on save');
    assert.equal(headerRows(withHeaderAdded(s)).at(-1)?.index, 3, 'new headers never reuse a number');
  });

  it('resets a saved secret by marking it unconfigured and sending it empty', () => {
    const s = withSecretReset(settings({ secureJsonFields: { bearerToken: true } }), 'bearerToken');
    assert.equal(s.secureJsonFields.bearerToken, false);
    assert.equal(s.secureJsonData?.bearerToken, '');
  });

  it('reports settings problems per field, in the backend wording', () => {
    assert.deepEqual(settingsProblems(settings()).fields, {}, 'the demo needs nothing');
    const problems = settingsProblems(settings({ jsonData: { sourceKind: 'prometheus', timeoutSeconds: 0 } }));
    assert.match(problems.fields.url ?? '', /^url: required; expected an http\(s\) URL/);
    assert.match(problems.fields.timeoutSeconds ?? '', /^timeoutSeconds: /);
    assert.match(settingsProblems(settings({ url: 'http://u:p@prom:9090' })).fields.url ?? '', /must not contain a user or password/);
  });
});

describe('query editor validation', () => {
  it('puts each message under its field', () => {
    const problems = queryProblems({ refId: 'A', expr: '', step: 'soon' });
    assert.match(problems.fields.expr ?? '', /^expr: expected a PromQL expression/);
    assert.match(problems.fields.step ?? '', /^step: expected a duration/);
    assert.equal(problems.other, undefined);
  });

  it('reports a problem outside the editor fields for the whole query', () => {
    const problems = queryProblems({ refId: 'A', queryType: 'sql', expr: 'up' });
    assert.match(problems.other ?? '', /queryType/);
  });

  it('finds nothing wrong with a valid query', () => {
    assert.deepEqual(queryProblems({ refId: 'A', expr: 'up', step: '30s', legendFormat: '{{job}}' }), { fields: {} });
  });
});
