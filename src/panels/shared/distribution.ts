import { histogramQuantile } from '../../common/kpis/histogram-quantile';
import type { KpiSeries, QueryAnswer } from './frames';
import { formatShare } from './format';
import { reduceSeries } from './series';

/**
 * The session length distribution, from the collector's histogram buckets split by `le`:
 *
 *   sum by (le) (rate(encore_session_duration_seconds_bucket[$__rate_interval]))   legend {{le}}
 *
 * Buckets are cumulative (sessions up to `le` seconds); each bar is one bucket's share of the
 * sessions over the time range (the mean rate of each bucket series), and the median is
 * interpolated inside its bucket the way Prometheus' histogram_quantile does.
 */

export interface DistributionBar {
  /** `5–10 min` */
  label: string;
  fromSeconds: number;
  toSeconds: number;
  share: number;
  shareText: string;
}

export interface Distribution {
  bars: DistributionBar[];
  /** in seconds */
  median?: number;
  medianText?: string;
  /** where the buckets came from: the answer's refId */
  refId: string;
}

/** `45 s`, `5 min`, `1.5 h`, `2 d` */
export function shortDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞';
  const trim = (v: number) => String(Number(v.toFixed(1)));
  if (seconds < 60) return `${trim(seconds)} s`;
  if (seconds < 3600) return `${trim(seconds / 60)} min`;
  if (seconds < 86_400) return `${trim(seconds / 3600)} h`;
  return `${trim(seconds / 86_400)} d`;
}

function bucketBound(s: KpiSeries): number | undefined {
  const le = s.labels.le;
  if (le === undefined) return undefined;
  if (le === '+Inf' || le === 'Inf' || le === 'inf') return Infinity;
  const bound = Number(le);
  return Number.isFinite(bound) ? bound : undefined;
}

/** The answer holding histogram buckets: one whose refId or series mention sessions first. */
function bucketAnswer(answers: readonly QueryAnswer[]): QueryAnswer | undefined {
  const withBuckets = answers.filter((a) => a.series.some((s) => bucketBound(s) !== undefined));
  return withBuckets.find((a) => /session/i.test(a.refId) || a.series.some((s) => /session/i.test(s.name))) ?? withBuckets[0];
}

export function sessionDistribution(answers: readonly QueryAnswer[]): Distribution | undefined {
  const answer = bucketAnswer(answers);
  if (!answer) return undefined;
  const buckets: Array<{ le: number; count: number }> = [];
  for (const s of answer.series) {
    const le = bucketBound(s);
    if (le === undefined) continue;
    const reading = reduceSeries(s, 'mean');
    if (reading) buckets.push({ le, count: reading.value });
  }
  buckets.sort((a, b) => a.le - b.le);
  // Cumulative counts never fall; rate() noise can make them: Prometheus' fix.
  for (let i = 1; i < buckets.length; i++) buckets[i]!.count = Math.max(buckets[i]!.count, buckets[i - 1]!.count);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (buckets.length === 0 || !(total > 0)) return undefined;
  const bars: DistributionBar[] = buckets.map((b, i) => {
    const from = i === 0 ? 0 : buckets[i - 1]!.le;
    const count = b.count - (i === 0 ? 0 : buckets[i - 1]!.count);
    const label = i === 0 ? `< ${shortDuration(b.le)}` : b.le === Infinity ? `> ${shortDuration(from)}` : `${shortDuration(from)}–${shortDuration(b.le)}`;
    return { label, fromSeconds: from, toSeconds: b.le, share: count / total, shareText: formatShare(count / total) };
  });
  const out: Distribution = { bars, refId: answer.refId };
  if (buckets[buckets.length - 1]!.le === Infinity) {
    const median = histogramQuantile(0.5, buckets);
    if (Number.isFinite(median)) {
      out.median = median;
      out.medianText = shortDuration(median);
    }
  }
  return out;
}
