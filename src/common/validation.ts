import type { z } from 'zod';

/**
 * Turns zod issues into one message a user can act on: each problem names the field path and
 * what was expected, e.g. `expr: expected a PromQL expression (got an empty string)`.
 * Used by the backend (per-query errors) and by the editors, so both say the same thing; `root`
 * names the whole value when the problem is not in one field (e.g. `(event)` in the collector).
 */
export function describeIssues(error: z.ZodError, root = '(query)'): string {
  // zod goes on checking a value after it had the wrong type ("expected a list", then "at most 5
  // entries" for a string); the first problem of each field is the one to fix.
  const seen = new Set<string>();
  const messages: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : root;
    if (seen.has(path)) continue;
    seen.add(path);
    messages.push(`${path}: ${issue.message}`);
  }
  return messages.join('; ');
}

/** `30s`, `1m`, `1h30m`, `250ms`: Prometheus-style durations. */
const DURATION_PART = /(\d+)(ms|s|m|h|d|w|y)/g;
const DURATION_WHOLE = /^(\d+(ms|s|m|h|d|w|y))+$/;
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parses a Prometheus duration into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION_WHOLE.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}

/** Formats milliseconds as the shortest Prometheus duration, e.g. 90000 -> `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const units: Array<[string, number]> = [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/**
 * A value from the input as a message quotes it: JSON-escaped (control characters and quotes
 * cannot break the line or the quoting) and cut to `max` characters. Messages travel in places
 * with size limits: a gRPC status goes in an HTTP/2 trailer, and one that echoed a 64 KiB service
 * name was larger than the client's header list limit, so the call never completed.
 */
export function quoteInput(value: string, max = 100): string {
  const text = String(value);
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)` : JSON.stringify(text);
}

/** `text` cut to `max` characters, with an ellipsis when it was longer: for messages that quote what they were given. */
export function shortened(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
