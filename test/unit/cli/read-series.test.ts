// Reading input files: CSV (quotes, CRLF, BOM, extra and series columns) and NDJSON, streamed in
// chunks that split lines and characters anywhere, with file:line messages for bad input.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { splitCsvRecord } from '../../../src/cli/csv';
import { defaultSeriesName, InputError, MAX_PROBLEMS, parseSeriesText, readSeries, streamLines, type ParsedInput } from '../../../src/cli/read-series';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);

function problems(source: string, text: string): string[] {
  try {
    parseSeriesText(source, text);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message.split('\n');
  }
  assert.fail('expected an InputError');
}

const only = (input: ParsedInput) => {
  assert.equal(input.series.length, 1);
  return { times: [...input.series[0]!.timestamps], values: [...input.series[0]!.values] };
};

describe('CSV', () => {
  it('reads timestamp,value with ISO times and names the series after the file', () => {
    const input = parseSeriesText('dir/plays.csv', 'timestamp,value\n2026-01-05T12:00:00Z,1\n2026-01-05T12:01:00Z,2.5\n');
    assert.equal(input.format, 'csv');
    assert.equal(input.timeFormat, 'iso');
    assert.equal(input.rows, 2);
    assert.equal(input.hasSeriesColumn, false);
    assert.equal(input.series[0]!.name, 'plays');
    assert.deepEqual(only(input), { times: [T, T + 60_000], values: [1, 2.5] });
  });

  it('reads epoch seconds and milliseconds', () => {
    assert.deepEqual(only(parseSeriesText('s.csv', 'timestamp,value\n1767614400,1\n1767614460,2\n')).times, [T, T + 60_000]);
    const ms = parseSeriesText('ms.csv', 'timestamp,value\n1767614400000,1\n1767614460000,2\n');
    assert.equal(ms.timeFormat, 'milliseconds');
    assert.deepEqual(only(ms).times, [T, T + 60_000]);
  });

  it('finds the columns by name in any order and case, ignoring the others', () => {
    const input = parseSeriesText('x.csv', 'host,Value,unit,TIME\na,3,ms,1767614400\nb,4,ms,1767614460\n');
    assert.deepEqual(only(input), { times: [T, T + 60_000], values: [3, 4] });
  });

  it('splits a file by its series (or name) column, in order of appearance', () => {
    const input = parseSeriesText('m.csv', 'timestamp,series,value\n1767614400,SE,1\n1767614400,BR,2\n1767614460,SE,3\n');
    assert.equal(input.hasSeriesColumn, true);
    assert.deepEqual(
      input.series.map((s) => [s.name, [...s.values], s.firstLine]),
      [
        ['SE', [1, 3], 2],
        ['BR', [2], 3],
      ],
    );
    assert.deepEqual(
      parseSeriesText('n.csv', 'name,timestamp,value\nplays,1767614400,1\n').series.map((s) => s.name),
      ['plays'],
    );
  });

  it('handles quoted fields with commas, doubled quotes and line breaks', () => {
    assert.deepEqual(splitCsvRecord('"a,b","say ""hi""",3'), { kind: 'fields', fields: ['a,b', 'say "hi"', '3'] });
    assert.deepEqual(splitCsvRecord('"open'), { kind: 'open' });
    assert.equal(splitCsvRecord('"a"b,1').kind, 'error');
    const input = parseSeriesText('q.csv', '"timestamp","value","note"\n"2026-01-05T12:00:00Z","1","multi\nline, note"\n"2026-01-05T12:01:00Z","2",""\n');
    assert.deepEqual(only(input).values, [1, 2]);
    assert.equal(input.rows, 2);
  });

  it('accepts a byte order mark, CRLF line ends, blank lines and no final line break', () => {
    const input = parseSeriesText('w.csv', '\uFEFFtimestamp,value\r\n\r\n1767614400,1\r\n1767614460,2');
    assert.deepEqual(only(input), { times: [T, T + 60_000], values: [1, 2] });
  });

  it('keeps empty and NaN values as missing points', () => {
    const { values } = only(parseSeriesText('g.csv', 'timestamp,value\n1767614400,1\n1767614460,\n1767614520,NaN\n'));
    assert.equal(values[0], 1);
    assert.ok(Number.isNaN(values[1]!) && Number.isNaN(values[2]!));
  });

  it('reads a file of one row', () => {
    const input = parseSeriesText('one.csv', 'timestamp,value\n2026-01-05T12:00:00Z,5\n');
    assert.deepEqual(only(input), { times: [T], values: [5] });
  });

  it('reads an events column beside a share, empty as unknown, per series', () => {
    const input = parseSeriesText('pay.csv', 'series,timestamp,value,events\nGB,1767614400,0.5,2\nGB,1767614460,,0\nSE,1767614400,0,1\nGB,1767614520,1,\n');
    const [gb, se] = input.series;
    assert.deepEqual([...gb!.events!], [2, 0, NaN]);
    assert.deepEqual([...se!.events!], [1]);
    assert.equal(parseSeriesText('plain.csv', 'timestamp,value\n1767614400,1\n').series[0]!.events, undefined);
  });
});

describe('CSV problems', () => {
  it('names the file and line of a bad events field, and a row without one', () => {
    assert.deepEqual(problems('pay.csv', 'timestamp,value,events\n1767614400,1,3\n1767614460,0,-2\n1767614520,0,lots\n1767614580,0,Inf\n'), [
      'pay.csv:3: events: expected a count of events (a number, 0 or more), got "-2"',
      'pay.csv:4: events: expected a count of events (a number, 0 or more), got "lots"',
      'pay.csv:5: events: expected a count of events (a number, 0 or more), got "Inf"',
    ]);
    assert.deepEqual(problems('short.csv', 'timestamp,value,events\n1767614400,1\n'), ['short.csv:2: events: missing (the row has 2 fields, the header 3)']);
  });

  it('names the file and line of a bad value', () => {
    assert.deepEqual(problems('data.csv', 'timestamp,value\n1767614400,1\n1767614460,abc\n'), ['data.csv:3: value: expected a number, got "abc"']);
  });

  it('names the file and line of a bad timestamp', () => {
    assert.deepEqual(problems('data.csv', 'timestamp,value\n2026-01-05T12:00:00Z,1\nlater,2\n'), [
      'data.csv:3: timestamp: expected an ISO-8601 time such as 2026-01-05T12:00:00Z or epoch seconds or milliseconds, got "later"',
    ]);
  });

  it('counts line numbers over blank lines and quoted line breaks', () => {
    const [message] = problems('data.csv', 'timestamp,value,note\n\n1767614400,1,"a\nb"\n1767614460,x,\n');
    assert.equal(message, 'data.csv:5: value: expected a number, got "x"');
  });

  it('says when the header is missing or lacks a column', () => {
    assert.deepEqual(problems('h.csv', '1767614400,1\n1767614460,2\n'), ['h.csv:1: expected a header line naming the columns (timestamp,value), got the data row "1767614400,1"']);
    assert.deepEqual(problems('h.csv', 'when,value\n1,2\n'), ['h.csv:1: header: no timestamp (or time) column (the columns are "when", "value")']);
    assert.deepEqual(problems('h.csv', 'time,count\n1,2\n'), ['h.csv:1: header: no value column (the columns are "time", "count")']);
  });

  it('says when a row is short, a quote is unterminated, or a quote is misplaced', () => {
    assert.deepEqual(problems('s.csv', 'timestamp,value\n1767614400\n'), ['s.csv:2: value: missing (the row has 1 field, the header 2)']);
    assert.deepEqual(problems('u.csv', 'timestamp,value\n1767614400,"1\n1767614460,2\n'), ['u.csv:2: a quoted field opened here is not closed before the end of the file']);
    assert.match(problems('m.csv', 'timestamp,value\n"1767614400"x,1\n')[0]!, /^m\.csv:2: unexpected "x" after the closing quote of field 1/);
  });

  it('reports empty files and headers without rows', () => {
    assert.deepEqual(problems('e.csv', ''), ['e.csv: empty file: expected a CSV header such as timestamp,value or NDJSON lines such as {"timestamp":...,"value":...}']);
    assert.deepEqual(problems('e.csv', '\n\r\n  \n'), problems('e.csv', ''));
    assert.deepEqual(problems('h.csv', 'timestamp,value\n'), ['h.csv: no data rows after the header (line 1)']);
  });

  it('lists the first problems and counts the rest', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${1767614400 + i * 60},bad${i}`);
    const messages = problems('many.csv', `timestamp,value\n${rows.join('\n')}\n`);
    assert.equal(messages.length, MAX_PROBLEMS + 1);
    assert.equal(messages[0], 'many.csv:2: value: expected a number, got "bad0"');
    assert.equal(messages.at(-1), `many.csv: ${12 - MAX_PROBLEMS} more problem(s) not shown`);
  });
});

describe('NDJSON', () => {
  it('reads one object per line, with ISO or epoch timestamps and null values', () => {
    const input = parseSeriesText('m.ndjson', '{"timestamp":"2026-01-05T12:00:00Z","value":1}\n\n{"timestamp":"2026-01-05T12:01:00Z","value":null,"extra":true}\n');
    assert.equal(input.format, 'ndjson');
    const { times, values } = only(input);
    assert.deepEqual(times, [T, T + 60_000]);
    assert.equal(values[0], 1);
    assert.ok(Number.isNaN(values[1]!));
    assert.deepEqual(only(parseSeriesText('e.jsonl', '{"time":1767614400000,"value":"2.5"}\n')), { times: [T], values: [2.5] });
  });

  it('reads events where lines have them, unknown where they do not', () => {
    const input = parseSeriesText('pay.ndjson', '{"timestamp":1767614400,"value":0}\n{"timestamp":1767614460,"value":0.5,"events":2}\n{"timestamp":1767614520,"value":null,"events":0}\n');
    assert.deepEqual([...input.series[0]!.events!], [NaN, 2, 0]);
    assert.deepEqual(problems('bad.ndjson', '{"timestamp":1767614400,"value":0,"events":"x"}\n'), ['bad.ndjson:1: events: expected a count of events (a number, 0 or more), got "x"']);
  });

  it('splits series by the series key', () => {
    const input = parseSeriesText('m.ndjson', '{"timestamp":1767614400,"value":1,"series":"a"}\n{"timestamp":1767614400,"value":2,"series":"b"}\n');
    assert.deepEqual(
      input.series.map((s) => s.name),
      ['a', 'b'],
    );
    assert.equal(input.hasSeriesColumn, true);
  });

  it('names the line of invalid JSON, non-objects, missing keys and bad values', () => {
    const text = ['{"timestamp":1767614400,"value":1}', '{"timestamp":', '[1,2]', '{"value":1}', '{"timestamp":1767614460}', '{"timestamp":1767614520,"value":"abc"}'].join('\n');
    const messages = problems('bad.ndjson', text);
    assert.match(messages[0]!, /^bad\.ndjson:2: not valid JSON: /);
    assert.equal(messages[1], 'bad.ndjson:3: expected a JSON object such as {"timestamp":...,"value":...}, got an array');
    assert.equal(messages[2], 'bad.ndjson:4: timestamp: missing (expected a "timestamp" key)');
    assert.equal(messages[3], 'bad.ndjson:5: value: missing (expected a "value" key)');
    assert.equal(messages[4], 'bad.ndjson:6: value: expected a number, got "abc"');
  });
});

describe('streaming', () => {
  it('splits lines and multi-byte characters across chunk boundaries', async () => {
    const text = Buffer.from('timestamp,series,value\r\n1767614400,café,1\r\n1767614460,café,2\r\n1767614520,café,3');
    // Every chunk size from one byte: each boundary falls inside a CRLF, a number or the é.
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
      const input = await readSeries('-', {}, Readable.from(chunks));
      assert.equal(input.source, 'stdin');
      assert.deepEqual(
        input.series.map((s) => [s.name, [...s.values]]),
        [['café', [1, 2, 3]]],
        `chunks of ${size}`,
      );
    }
  });

  it('yields a last line without a line break and nothing for an empty stream', async () => {
    const batches: string[][] = [];
    for await (const batch of streamLines(Readable.from([Buffer.from('a\nb')]))) batches.push(batch);
    assert.deepEqual(batches.flat(), ['a', 'b']);
    const none: string[][] = [];
    for await (const batch of streamLines(Readable.from([]))) none.push(batch);
    assert.deepEqual(none, []);
  });

  it('reports progress in rows', async () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => `${1767614400 + i},${i}`).join('\n');
    const reports: number[] = [];
    await readSeries('-', { onRows: (n) => reports.push(n) }, Readable.from([Buffer.from(`timestamp,value\n${rows}\n`)]));
    assert.equal(
      reports.reduce((a, b) => a + b, 0),
      70_000,
    );
    assert.ok(reports.length >= 2);
  });
});

describe('defaultSeriesName', () => {
  it('is the base name without its extension', () => {
    assert.equal(defaultSeriesName('a/b/plays.csv'), 'plays');
    assert.equal(defaultSeriesName('x.tar.ndjson'), 'x.tar');
    assert.equal(defaultSeriesName('stdin'), 'stdin');
    assert.equal(defaultSeriesName('.hidden'), '.hidden');
  });
});
