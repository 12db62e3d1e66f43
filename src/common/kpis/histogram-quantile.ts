/**
 * Prometheus' histogram_quantile over classic buckets, for the evaluator: cumulative bucket counts
 * by upper bound (with +Inf), linear interpolation inside the bucket that holds the rank, the
 * lowest bucket starting at 0 when its bound is positive, and the upper bound of the highest
 * finite bucket when the rank falls in +Inf. Matching it exactly lets a model's expected buckets
 * predict what Prometheus will answer, interpolation error included.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (sorted.length < 2 || last === undefined || last.le !== Infinity) return NaN;
  // Cumulative counts can dip through float error in rate(); Prometheus makes them monotonic.
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.count < sorted[i - 1]!.count) sorted[i] = { le: sorted[i]!.le, count: sorted[i - 1]!.count };
  }
  // The +Inf count after that fix, as Prometheus takes it (`last` holds the one from before).
  const total = sorted[sorted.length - 1]!.count;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let index = sorted.findIndex((bucket) => bucket.count >= rank);
  if (index === -1) index = sorted.length - 1;
  if (index === sorted.length - 1) return sorted[sorted.length - 2]!.le;
  if (index === 0 && sorted[0]!.le <= 0) return sorted[0]!.le;
  const upper = sorted[index]!;
  const lowerBound = index === 0 ? 0 : sorted[index - 1]!.le;
  const below = index === 0 ? 0 : sorted[index - 1]!.count;
  const inBucket = upper.count - below;
  return lowerBound + (upper.le - lowerBound) * ((rank - below) / inBucket);
}
