/**
 * The stack the provisioning checks query: the native stack (src/stack/stack.ts, what
 * `npm run stack` runs: Prometheus scraping the collector, the live simulator sending to it, a
 * backfill of history into the running Prometheus, Redis). Tests get the provisioned data sources
 * through `provisioningEnv` (what the stack would put in Grafana's environment:
 * ENCORE_PROMETHEUS_URL, ENCORE_REDIS_ADDRESS, ENCORE_CACHE_KEY), so this is the one place that
 * knows where Prometheus and Redis are.
 *
 * The stack is up long before it holds what the dashboards and rules read: `waitForData` waits
 * for the scrapes, the live traffic and the backfilled history, by asking Prometheus.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { waitHealthy } from '../../../src/stack/health';
import type { Stack, StackOptions } from '../../../src/stack/stack';
import type { DataSourceInput } from '../../harness/plugin-context';
import { provisionedDataSource } from './files';
import type { Env } from './grafana-env';

const MINUTE = 60_000;

/**
 * Six hours of history: the default range of four dashboards (Revenue's two days then show their
 * last six hours) and the longest rule range (subscription revenue, 6 h), so every panel and rule
 * reads history over its whole range or at least part of it. A minute or so of backfill on two
 * cores, and up to a minute more until Prometheus loads it (docs/stack.md); the detectors train on
 * what there is (they want days, and do with less).
 */
export const PROVISIONING_BACKFILL_DAYS = 0.25;

/** The native stack on free loopback ports, with the provisioning checks' history. */
export const PROVISIONING_STACK: StackOptions = { ports: { prometheus: 0, collector: 0, redis: 0 }, backfillDays: PROVISIONING_BACKFILL_DAYS };

/**
 * Grafana's environment for the provisioning files on this stack, as compose sets it on Grafana:
 * the stack's Prometheus, its Redis for the results cache, and a cache key of its own (each call
 * makes a new one, as each Grafana start without ENCORE_CACHE_KEY does: build it once per stack).
 */
export function provisioningEnv(stack: Pick<Stack, 'urls' | 'ports'>): Env {
  return {
    ENCORE_PROMETHEUS_URL: stack.urls.prometheus,
    ...(stack.ports.redis !== undefined ? redisCacheEnv(`127.0.0.1:${stack.ports.redis}`) : { ENCORE_CACHE_KEY: newCacheKey() }),
  };
}

/** The provisioned data source's results cache on the Redis at `address`, with a new key. */
export function redisCacheEnv(address: string): Env {
  return { ENCORE_REDIS_ADDRESS: address, ENCORE_CACHE_KEY: newCacheKey() };
}

/** As Grafana's image makes one on its first start: 32 random bytes. */
const newCacheKey = () => randomBytes(32).toString('base64url');

interface QueryAnswer {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** The first sample of an instant query straight to Prometheus' HTTP API (undefined: no series). */
export async function instantValue(prometheusUrl: string, expr: string, timeSeconds?: number): Promise<number | undefined> {
  const params = new URLSearchParams({ query: expr, ...(timeSeconds ? { time: String(timeSeconds) } : {}) });
  const answer = (await (await fetch(`${prometheusUrl}/api/v1/query?${params}`)).json()) as QueryAnswer;
  if (answer.status !== 'success') throw new Error(`${expr}: ${JSON.stringify(answer)}`);
  const value = answer.data.result[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

export interface EventuallyOptions {
  what: string;
  timeoutMs: number;
  /** evaluation time (epoch seconds), asked anew each time; default now */
  atSeconds?: () => number;
  /** stop waiting with this reason (e.g. a service exited) */
  abandon?: () => string | undefined;
}

/** Waits until `expr` evaluates to a number above 0, and returns it. */
export async function eventually(prometheusUrl: string, expr: string, options: EventuallyOptions): Promise<number> {
  let last: number | undefined;
  await waitHealthy(
    async () => {
      last = await instantValue(prometheusUrl, expr, options.atSeconds?.());
      return last !== undefined && last > 0 ? undefined : `${expr} = ${last}`;
    },
    { what: options.what, timeoutMs: options.timeoutMs, intervalMs: 1000, abandon: options.abandon },
  );
  return last!;
}

export interface StackData {
  /** the backfill's first and last sample (epoch ms): history before, scraped live data after */
  historyFromMs: number;
  historyToMs: number;
}

/**
 * From this long after the history ends, a point of a rate at a step of a minute or less holds
 * only scraped samples in its rate() window (the backend's rateWindowMs: a step plus a scrape, at
 * least four scrapes; so at most 75 s), and its value comes from the live traffic. (A gauge may
 * still show the last backfilled sample for Prometheus' 5-minute lookback.)
 */
export const LIVE_ONLY_AFTER_MS = 90_000;

/**
 * How long live traffic has been scraped when waitForData returns: half a minute of live-only
 * points, at least one at the 6-hour dashboards' 22 s steps. Loading the history takes longer
 * than that anyway, so this rarely waits.
 */
export const LIVE_SPAN_MS = 2 * MINUTE;

/**
 * Waits, with deadlines generous enough for a loaded two-core machine, until the stack holds what
 * the provisioned dashboards and rules read: Prometheus has scraped the collector, the simulator's
 * warm-up is delivered and its plays show as a rate (two scrapes), the backfill is done and
 * Prometheus has loaded its blocks (it reloads them every minute) from the first sample to the
 * last, and live traffic has run for LIVE_SPAN_MS after the history ends.
 */
export async function waitForData(stack: Stack): Promise<StackData> {
  const url = stack.urls.prometheus;
  let failure: string | undefined;
  void stack.failed.then((message) => (failure = message));
  const abandon = () => failure;
  await eventually(url, 'up{job="encore",instance="collector"}', { what: 'the first scrape of the collector', timeoutMs: 2 * MINUTE, abandon });
  await stack.live!.caughtUp(2 * MINUTE);
  await eventually(url, 'sum(rate(encore_play_attempts_total{job="encore",instance="collector"}[1m]))', { what: 'live plays as a rate', timeoutMs: 2 * MINUTE, abandon });
  // Six hours take a minute or two; ten minutes means it is stuck, not slow.
  const { state, exit } = await Promise.race([stack.backfill!.finished, rejectAfter(10 * MINUTE, () => `the backfill has not finished within 10 minutes:\n${stack.logs('backfill')}`)]);
  if (state !== 'done') throw new Error(`backfill ended ${state} (${JSON.stringify(exit)}):\n${stack.logs('backfill')}`);
  const status = JSON.parse(readFileSync(stack.backfill!.statusFile, 'utf8')) as { from: string; to: string };
  const data = { historyFromMs: Date.parse(status.from), historyToMs: Date.parse(status.to) };
  for (const atMs of [data.historyFromMs + MINUTE, data.historyToMs]) {
    const what = `backfilled plays at ${new Date(atMs).toISOString()}`;
    await eventually(url, 'sum(encore_play_attempts_total{job="encore",instance="backfill"})', { what, timeoutMs: 3 * MINUTE, atSeconds: () => atMs / 1000, abandon });
  }
  const liveUntil = data.historyToMs + LIVE_SPAN_MS;
  if (Date.now() < liveUntil) await new Promise((resolve) => setTimeout(resolve, liveUntil - Date.now()));
  return data;
}

function rejectAfter(ms: number, message: () => string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message())), ms).unref());
}

/** A provisioned data source as Grafana hands it to the plugin (DataSourceInstanceSettings). */
export function dataSourceInput(uid: string, env: Env): DataSourceInput & { uid: string } {
  const ds = provisionedDataSource(uid, env);
  return {
    uid: ds.uid,
    name: ds.name,
    url: ds.url ?? '',
    basicAuth: ds.basicAuth ?? false,
    basicAuthUser: ds.basicAuthUser ?? '',
    jsonData: ds.jsonData ?? {},
    secureJsonData: ds.secureJsonData ?? {},
  };
}
