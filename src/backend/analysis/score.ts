/**
 * One meaning of "anomalous" for every detector and every series: a value's distance from what
 * was expected, in scales (z), becomes a score in [0, 1] that is 0.9 exactly at the band edge.
 * The sensitivity knob moves the band edge; alert rules can then say "score > 0.9" whatever the
 * series, its unit or the algorithm.
 */

export const DEFAULT_SENSITIVITY = 0.5;

/** The band score; a flag needs the score at or above it. */
export const FLAG_SCORE = 0.9;

/**
 * The band's half-width in scales for a sensitivity in [0, 1]: 6 at 0, 3 at the default 0.5,
 * 1.5 at 1 (each tenth of sensitivity narrows the band by about 15 %). The default is the
 * widest-recall band that kept false alerts under one per series-week on the simulator's
 * labelled runs (bench/results/accuracy.md, sensitivity sweep).
 */
export function bandZ(sensitivity: number): number {
  const s = Number.isFinite(sensitivity) ? Math.min(1, Math.max(0, sensitivity)) : DEFAULT_SENSITIVITY;
  return 6 * 4 ** -s;
}

/**
 * Score of a deviation of `z` scales when the band is `zBand` wide: with r = z / zBand,
 * 9r^4 / (9r^4 + 1), i.e. 0 at the expected value, 0.36 at half the band, 0.9 exactly at the band
 * edge, 0.993 at twice the band; monotone in |z|, in [0, 1]. A rational function rather than an
 * exponential because it runs once per analysed point.
 */
export function scoreOf(z: number, zBand: number): number {
  const r = z / zBand;
  const r4 = 9 * r * r * r * r;
  if (r4 !== r4) return z !== z ? 0 : 1;
  return r4 > 1e15 ? 1 : r4 / (r4 + 1);
}

export type Direction = 'up' | 'down' | 'both';
export const DIRECTIONS: readonly Direction[] = ['up', 'down', 'both'];
