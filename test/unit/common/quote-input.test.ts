import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { quoteInput } from '../../../src/common/validation';

describe('quoteInput', () => {
  it('quotes a short value as JSON, whole', () => {
    assert.equal(quoteInput('plugin'), '"plugin"');
    assert.equal(quoteInput('a"b\nc'), '"a\\"b\\nc"');
  });

  it('cuts a long value and says how long it was', () => {
    assert.equal(quoteInput('x'.repeat(65_536)), `"${'x'.repeat(100)}"… (65536 characters)`);
    assert.equal(quoteInput('abcdef', 3), '"abc"… (6 characters)');
  });

  it('stays one bounded line whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        const quoted = quoteInput(text);
        assert.ok(![...quoted].some((c) => c.charCodeAt(0) < 0x20), quoted);
        // 100 characters, each at most a 6-character escape, the quotes and the length note
        assert.ok(quoted.length <= 100 * 6 + 40, String(quoted.length));
      }),
    );
  });
});
