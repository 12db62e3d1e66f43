import { readFileSync } from 'node:fs';
import { parseDuration } from '../../common/validation';
import { usersForRate } from '../generate/scale';
import { BUILTIN_SCENARIOS } from '../model/builtin-scenarios';
import { parseScenario, type Scenario } from '../model/scenario';

/**
 * Flag values shared by the simulator's commands, each checked with a message that names the
 * flag and says what was expected. A UsageError ends the command with exit code 2.
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export function durationFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name}: expected a duration such as 30s, 10m or 2h, got ${JSON.stringify(value)}`);
  return ms;
}

export function integerFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function numberFlag(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name}: expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

export function timeFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'now') return Date.now();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name}: expected an RFC 3339 time such as 2026-11-24T00:00:00Z or "now", got ${JSON.stringify(value)}`);
  return ms;
}

/** A built-in scenario by name, or a scenario JSON file by path. */
export function scenarioFlag(value: string | undefined, fallback: string): Scenario {
  const name = value ?? fallback;
  const builtin = BUILTIN_SCENARIOS.get(name);
  if (builtin) return builtin;
  if (!/[./\\]/.test(name)) {
    throw new UsageError(`--scenario: no built-in scenario ${JSON.stringify(name)} (there are ${[...BUILTIN_SCENARIOS.keys()].join(', ')}); give a file path for your own`);
  }
  let text: string;
  try {
    text = readFileSync(name, 'utf8');
  } catch (error) {
    throw new UsageError(`--scenario: cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseScenario(text, name);
}

/** --users N, or --rate R (events per second; `at` says when, or the weekly average). */
export function populationFlags(values: { users?: string; rate?: string }, fallbackRate: number, at?: number): { users: number; rate?: number } {
  if (values.users !== undefined && values.rate !== undefined) throw new UsageError('give --users or --rate, not both');
  if (values.users !== undefined) return { users: integerFlag('users', values.users, 0, 1000, 1_000_000_000) };
  const rate = numberFlag('rate', values.rate, 0.1, 10_000_000) ?? fallbackRate;
  return { users: usersForRate(rate, at), rate };
}

/** `job=encore,instance=backfill` -> labels; names must be Prometheus label names. */
export function labelsFlag(name: string, value: string | undefined, fallback: Record<string, string>): Record<string, string> {
  if (value === undefined) return fallback;
  const labels: Record<string, string> = {};
  for (const pair of value.split(',').filter((p) => p.trim() !== '')) {
    const match = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new UsageError(`--${name}: expected label=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    labels[match[1]!] = match[2]!.trim();
  }
  return labels;
}
