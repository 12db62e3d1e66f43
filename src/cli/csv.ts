/**
 * CSV records as RFC 4180 writes them: comma-separated fields, a field in double quotes may hold
 * commas, doubled quotes and line breaks. The reader hands over one line at a time; a line that
 * ends inside a quoted field is `open` and the next line continues it.
 */

export type Split = { kind: 'fields'; fields: string[] } | { kind: 'open' } | { kind: 'error'; message: string };

export function splitCsvRecord(text: string): Split {
  // The common case, numbers and names without quotes, in one call.
  if (!text.includes('"')) return { kind: 'fields', fields: text.split(',') };
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    // Leading blanks before an opening quote are tolerated (`a, "b"`).
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
    if (text[j] === '"') {
      let value = '';
      let k = j + 1;
      for (;;) {
        const close = text.indexOf('"', k);
        if (close < 0) return { kind: 'open' };
        value += text.slice(k, close);
        if (text[close + 1] === '"') {
          value += '"';
          k = close + 2;
          continue;
        }
        k = close + 1;
        break;
      }
      while (k < n && (text[k] === ' ' || text[k] === '\t')) k++;
      if (k < n && text[k] !== ',') {
        return { kind: 'error', message: `unexpected ${JSON.stringify(text[k])} after the closing quote of field ${fields.length + 1} (a quote inside a quoted field is written "")` };
      }
      fields.push(value);
      if (k >= n) return { kind: 'fields', fields };
      i = k + 1;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        fields.push(text.slice(i));
        return { kind: 'fields', fields };
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A field for a CSV file: quoted when it has a comma, a quote or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
