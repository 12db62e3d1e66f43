// The query a new Encore annotation starts as: valid under the schema the backend uses, and
// answered as annotation events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encoreQuerySchema } from '../../../src/common/query';
import { ANNOTATION_DEFAULT_QUERY } from '../../../src/datasource/annotations';
import { queryProblems } from '../../../src/datasource/query-problems';

describe('ANNOTATION_DEFAULT_QUERY', () => {
  it('is an anomaly query of a catalogue KPI in the events format, with nothing for the editor to flag', () => {
    const query = { refId: 'Anno', ...ANNOTATION_DEFAULT_QUERY };
    const parsed = encoreQuerySchema.safeParse(query);
    assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    assert.equal(parsed.data.queryType, 'anomaly');
    assert.equal((parsed.data as { format?: string }).format, 'events');
    assert.deepEqual(queryProblems(query), { fields: {} });
  });
});
