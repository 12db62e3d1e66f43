// Timestamps and values of input rows: ISO-8601, epoch seconds and milliseconds decided per file
// by magnitude, and the messages for everything else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochUnitOf, formatTime, isoString, parseIsoTime, parseValue, TimestampParser } from '../../../src/cli/fields';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);

function value(parsed: ReturnType<typeof parseValue>): number {
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.value;
}

describe('parseIsoTime', () => {
  it('reads RFC 3339 times with Z, offsets, fractions and a space separator', () => {
    assert.equal(value(parseIsoTime('2026-01-05T12:00:00Z')), T);
    assert.equal(value(parseIsoTime('2026-01-05T12:00:00.250Z')), T + 250);
    assert.equal(value(parseIsoTime('2026-01-05T14:00:00+02:00')), T);
    assert.equal(value(parseIsoTime('2026-01-05T07:00:00-0500')), T);
    assert.equal(value(parseIsoTime('2026-01-05 12:00:00Z')), T);
    assert.equal(value(parseIsoTime('2026-01-05T12:00Z')), T);
    assert.equal(value(parseIsoTime('2026-01-05T12:00:00.123456789Z')), T + 123);
  });

  it('takes times without an offset, and bare dates, as UTC whatever the machine', () => {
    assert.equal(value(parseIsoTime('2026-01-05T12:00:00')), T);
    assert.equal(value(parseIsoTime('2026-01-05')), Date.UTC(2026, 0, 5));
  });

  it('rejects dates that do not exist and text that is not ISO', () => {
    for (const text of ['2026-02-30', '2026-13-01T00:00:00Z', '2026-01-05T24:00:00Z', '2026-01-05T12:60:00Z', 'Jan 5 2026', '05/01/2026', '2026-1-5']) {
      assert.equal(parseIsoTime(text).ok, false, text);
    }
    assert.equal(parseIsoTime('2024-02-29').ok, true, 'leap day');
  });
});

describe('TimestampParser', () => {
  it('decides epoch seconds or milliseconds by the magnitude of the first timestamp', () => {
    assert.equal(epochUnitOf(1_767_614_400), 'seconds');
    assert.equal(epochUnitOf(1_767_614_400_000), 'milliseconds');
    const seconds = new TimestampParser();
    assert.equal(value(seconds.parse('1767614400', 2)), T);
    assert.equal(value(seconds.parse('1767614400.5', 3)), T + 500);
    assert.equal(seconds.format, 'seconds');
    const ms = new TimestampParser();
    assert.equal(value(ms.parse(1_767_614_400_000, 2)), T);
    assert.equal(ms.format, 'milliseconds');
  });

  it('holds the first format for the whole file and says where it was decided', () => {
    const p = new TimestampParser();
    p.parse('1767614400', 2);
    const ms = p.parse('1767614400000', 7);
    assert.equal(ms.ok, false);
    assert.match(!ms.ok ? ms.message : '', /looks like epoch milliseconds, but the file's timestamps are epoch seconds \(decided at line 2/);
    const iso = p.parse('2026-01-05T12:00:00Z', 8);
    assert.match(!iso.ok ? iso.message : '', /expected epoch seconds like line 2, got the ISO time/);

    const q = new TimestampParser();
    q.parse('2026-01-05T12:00:00Z', 2);
    const n = q.parse('1767614400', 3);
    assert.match(!n.ok ? n.message : '', /expected an ISO-8601 time like line 2, got the number "1767614400"/);
  });

  it('follows a forced unit instead of the magnitude', () => {
    const p = new TimestampParser('milliseconds');
    assert.equal(value(p.parse('60000', 2)), 60_000);
    assert.equal(value(p.parse('1767614400000', 3)), T);
  });

  it('names what was expected for garbage, blanks and impossible times', () => {
    const p = new TimestampParser();
    const bad = p.parse('yesterday', 4);
    assert.match(!bad.ok ? bad.message : '', /^timestamp: expected an ISO-8601 time .* or epoch seconds or milliseconds, got "yesterday"$/);
    assert.match(!p.parse('  ', 5).ok ? 'missing' : '', /missing/);
    const huge = p.parse('1e20', 6);
    assert.match(!huge.ok ? huge.message : '', /outside the dates/);
  });
});

describe('parseValue', () => {
  it('reads decimal numbers and exponents, trimmed', () => {
    assert.equal(value(parseValue('12.5')), 12.5);
    assert.equal(value(parseValue(' -3e2 ')), -300);
    assert.equal(value(parseValue('.5')), 0.5);
    assert.equal(value(parseValue(7)), 7);
  });

  it('treats empty, NaN and null as missing points and ±Inf as non-finite values', () => {
    for (const text of ['', 'NaN', 'null', 'NA']) assert.ok(Number.isNaN(value(parseValue(text))), text);
    assert.ok(Number.isNaN(value(parseValue(null))));
    assert.equal(value(parseValue('+Inf')), Infinity);
    assert.equal(value(parseValue('-Inf')), -Infinity);
  });

  it('rejects what only JavaScript would call a number', () => {
    for (const text of ['abc', '0x10', '1,5', '12px', 'true']) {
      const parsed = parseValue(text);
      assert.equal(parsed.ok, false, text);
      assert.equal(!parsed.ok && parsed.message, `value: expected a number, got ${JSON.stringify(text)}`);
    }
    assert.equal(!parseValue(true).ok && (parseValue(true) as { message: string }).message, 'value: expected a number, got true');
  });
});

describe('formatTime', () => {
  it('writes times back in the format the input used', () => {
    assert.equal(formatTime(T, 'seconds'), '1767614400');
    assert.equal(formatTime(T, 'milliseconds'), '1767614400000');
    assert.equal(formatTime(T, 'iso'), '2026-01-05T12:00:00Z');
    assert.equal(isoString(T + 5), '2026-01-05T12:00:00.005Z');
  });
});
