import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { promqlQuerySchema } from '../../../src/common/query';
import { formatLegend, seriesName } from '../../../src/backend/query/legend';
import { queryFromTailPath, tailChannelPath } from '../../../src/backend/streaming/tail-path';

test('legend placeholders and default series names', () => {
  const labels = { __name__: 'encore_demo_skip_rate', market: 'SE', platform: 'ios' };
  assert.equal(formatLegend('{{market}} / {{ platform }} / {{missing}}', labels), 'SE / ios / ');
  assert.equal(seriesName(labels), 'encore_demo_skip_rate{market="SE", platform="ios"}');
  assert.equal(seriesName({ __name__: 'up' }), 'up');
  assert.equal(seriesName({ job: 'x' }), '{job="x"}');
});

// Grafana Live accepts these characters in channel paths.
const CHANNEL_PATH = /^[A-Za-z0-9_\-/=.]+$/;

test('tail channel paths round-trip any query and stay within channel-path characters', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), fc.option(fc.string()), (expr, legend) => {
      const query = promqlQuerySchema.parse({ expr, legendFormat: legend ?? undefined, step: '15s', live: true });
      const path = tailChannelPath(query);
      assert.match(path, CHANNEL_PATH);
      const back = queryFromTailPath(path);
      assert.ok(back);
      assert.equal(back.expr, query.expr);
      assert.equal(back.legendFormat, query.legendFormat);
      assert.equal(back.step, '15s');
    }),
  );
});

test('foreign or corrupt tail paths are not ours', () => {
  assert.equal(queryFromTailPath('other/abc'), undefined);
  assert.equal(queryFromTailPath('tail/!!!'), undefined);
  assert.equal(queryFromTailPath('tail/' + Buffer.from('not json').toString('base64url')), undefined);
  assert.equal(queryFromTailPath('tail/' + Buffer.from('{"expr":""}').toString('base64url')), undefined);
});
