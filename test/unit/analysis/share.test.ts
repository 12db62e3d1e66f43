import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detect } from '../../../src/backend/analysis/detect';
import {
  devianceResidual,
  eventsPerStep,
  isSparseShare,
  shareAtResidual,
  shareBaseline,
  shareDispersion,
  ShareShiftEvidence,
  shareShiftLimit,
} from '../../../src/backend/analysis/detectors/share';
import { LEARNING_Z } from '../../../src/backend/analysis/detectors/types';
import type { Grid } from '../../../src/backend/analysis/grid';
import { random } from './random';

const FIVE_MINUTES = 300_000;
const DAY_POINTS = 288;
const HISTORY = 3 * DAY_POINTS;

/** Exact upper tail P(K >= k) of a binomial(n, p), for small n. */
function binomialTail(k: number, n: number, p: number): number {
  let total = 0;
  let term = (1 - p) ** n;
  for (let j = 0; j <= n; j++) {
    if (j >= k) total += term;
    term *= ((n - j) / (j + 1)) * (p / (1 - p));
  }
  return total;
}

/** A Poisson draw by inversion (small means only). */
function poisson(mean: number, next: () => number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  const u = next();
  while (u > cumulative && k < 1000) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

/**
 * A sparse share as a market's payment failure rate is: Poisson(eventsPerPoint) events a point,
 * each failing with `share` (or `during(i)` where it says so); the value is NaN without events.
 */
function sparseShare(points: number, eventsPerPoint: number, share: number, seed: number, during?: (i: number) => number | undefined) {
  const next = random(seed);
  const values = new Float64Array(points);
  const events = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    const n = poisson(eventsPerPoint, next);
    const p = during?.(i) ?? share;
    let k = 0;
    for (let j = 0; j < n; j++) if (next() < p) k++;
    events[i] = n;
    values[i] = n > 0 ? k / n : NaN;
  }
  return { values, events };
}

function grid(values: Float64Array): Grid {
  return { startMs: Date.parse('2026-11-02T00:00:00Z'), stepMs: FIVE_MINUTES, values };
}

/** Separate flagged runs at or after `from`. */
function flaggedRuns(anomaly: Uint8Array, from: number, to = anomaly.length): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (let i = from; i < to; i++) {
    if (anomaly[i] !== 1) continue;
    const start = i;
    while (i + 1 < to && anomaly[i + 1] === 1) i++;
    runs.push([start, i]);
  }
  return runs;
}

describe('devianceResidual', () => {
  it('is 0 at the expected count, positive above it and negative below', () => {
    assert.equal(devianceResidual(3, 10, 0.3), 0);
    assert.ok(devianceResidual(5, 10, 0.3) > 0);
    assert.ok(devianceResidual(1, 10, 0.3) < 0);
  });

  it('reads a few events close to their exact binomial tail, where a Gaussian z overstates them', () => {
    // One failure in three payments at a 3 % share: the Gaussian z is 3.1 scales, yet it happens 9 % of the time.
    const gaussianZ = (1 - 3 * 0.03) / Math.sqrt(3 * 0.03 * 0.97);
    assert.ok(gaussianZ > 3);
    const tail = binomialTail(1, 3, 0.03);
    assert.ok(tail > 0.08 && tail < 0.09, `${tail}`);
    const d = devianceResidual(1, 3, 0.03);
    assert.ok(d > 1.5 && d < 2.1, `deviance residual ${d}`);
    // Two failures in three: rare (0.26 %), and read as such.
    assert.ok(binomialTail(2, 3, 0.03) < 0.003);
    assert.ok(devianceResidual(2, 3, 0.03) > 3);
  });

  it('is symmetric in the outcomes', () => {
    assert.ok(Math.abs(devianceResidual(7, 10, 0.4) + devianceResidual(3, 10, 0.6)) < 1e-12);
  });
});

describe('shareAtResidual', () => {
  it('inverts devianceResidual, or gives the extreme share when even that is closer', () => {
    const next = random(11);
    for (let trial = 0; trial < 2000; trial++) {
      const n = Math.ceil(next() * 10 ** (next() * 5));
      const p = 0.001 + 0.998 * next();
      const z = (next() - 0.5) * 16;
      const x = shareAtResidual(n, p, z);
      assert.ok(x >= 0 && x <= 1, `n ${n} p ${p} z ${z}: ${x}`);
      const reached = devianceResidual(x * n, n, p);
      if (x === 0 || x === 1) assert.ok(Math.abs(reached) <= Math.abs(z) + 1e-9 && Math.sign(x - p) === Math.sign(z), `n ${n} p ${p} z ${z}: ${x} reaches ${reached}`);
      else assert.ok(Math.abs(reached - z) < 1e-6 * Math.max(1, Math.abs(z)), `n ${n} p ${p} z ${z}: ${x} reaches ${reached}`);
    }
  });

  it('answers NaN without events or expectation', () => {
    assert.ok(Number.isNaN(shareAtResidual(0, 0.1, 3)));
    assert.ok(Number.isNaN(shareAtResidual(5, NaN, 3)));
    assert.equal(shareAtResidual(5, 0.1, 0), 0.1);
  });
});

describe('isSparseShare', () => {
  it('holds for a small market’s payments and not for a large market’s plays', () => {
    const payments = sparseShare(HISTORY, 0.5, 0.03, 1);
    assert.equal(isSparseShare(payments.values, payments.events, HISTORY), true);
    const plays = sparseShare(HISTORY, 2000, 0.03, 2);
    assert.equal(isSparseShare(plays.values, plays.events, HISTORY), false);
    // Few events a point whatever the share: its values are a handful of fractions.
    const skips = sparseShare(HISTORY, 3, 0.6, 3);
    assert.equal(isSparseShare(skips.values, skips.events, HISTORY), true);
  });

  it('does not hold on a history too short to say', () => {
    const few = sparseShare(20, 0.5, 0.03, 4);
    assert.equal(isSparseShare(few.values, few.events, 20), false);
  });
});

describe('shareBaseline', () => {
  it('learns the pooled share, weighted by events, from earlier points only', () => {
    const { values, events } = sparseShare(4 * DAY_POINTS, 2, 0.05, 5);
    const { expected } = shareBaseline(values, events, FIVE_MINUTES, LEARNING_Z);
    const last = expected[expected.length - 1]!;
    assert.ok(last > 0.035 && last < 0.065, `${last}`);
    // Causal: changing a point changes nothing before it or at it.
    const changed = Float64Array.from(values);
    changed[600] = 1;
    const { expected: again } = shareBaseline(changed, events, FIVE_MINUTES, LEARNING_Z);
    for (let i = 0; i <= 600; i++) assert.ok(Object.is(again[i], expected[i]), `point ${i}`);
  });

  it('expects a small share, not 0, of a market that has not failed yet', () => {
    const events = new Float64Array(DAY_POINTS).fill(1);
    const values = new Float64Array(DAY_POINTS);
    const { expected } = shareBaseline(values, events, FIVE_MINUTES, LEARNING_Z);
    const last = expected[DAY_POINTS - 1]!;
    assert.ok(last > 0 && last < 0.01, `${last}`);
  });
});

describe('shareDispersion and ShareShiftEvidence', () => {
  it('reads binomial counts as undispersed, and bursts as dispersed', () => {
    const plain = sparseShare(HISTORY, 3, 0.1, 6);
    const { expected: plainExpected } = shareBaseline(plain.values, plain.events, FIVE_MINUTES, LEARNING_Z);
    const binomial = shareDispersion(plain.values, plain.events, plainExpected, 0, HISTORY);
    assert.ok(binomial >= 1 && binomial < 1.3, `${binomial}`);
    // Every failing point fails all of its events: the same failures, in bursts.
    const bursts = Float64Array.from(plain.values, (x) => (x > 0 ? 1 : x));
    const { expected: burstExpected } = shareBaseline(bursts, plain.events, FIVE_MINUTES, LEARNING_Z);
    assert.ok(shareDispersion(bursts, plain.events, burstExpected, 0, HISTORY) > 1.5);
  });

  it('reports four failures among eight payments at a 3 % share of a payment an hour, and not one', () => {
    const limit = shareShiftLimit(1 / 12, 0.03, 3);
    const once = new ShareShiftEvidence(1, limit);
    once.add(1, 1, 0.03);
    assert.ok(once.up < 1, `${once.up}`);
    const outage = new ShareShiftEvidence(1, limit);
    for (const k of [1, 0, 1, 0, 1, 0, 1, 0]) outage.add(k, 1, 0.03);
    assert.ok(outage.up > 1, `${outage.up}`);
    assert.ok(outage.down < 0.1, `${outage.down}`);
  });

  it('sets a higher limit where more events give more chances of a chance streak, and scales with the band', () => {
    const few = shareShiftLimit(0.5, 0.03, 3);
    const many = shareShiftLimit(4, 0.03, 3);
    assert.ok(few > 3 && many > few + 1.5, `${few} ${many}`);
    assert.ok(Math.abs(shareShiftLimit(0.5, 0.03, 6) - 2 * few) < 1e-12);
    assert.equal(shareShiftLimit(0, 0.03, 3), Infinity);
    assert.equal(shareShiftLimit(1, NaN, 3), Infinity);
  });

  it('never reports with an unknown dispersion', () => {
    const unknown = new ShareShiftEvidence(NaN, 5);
    for (let i = 0; i < 50; i++) unknown.add(1, 1, 0.03);
    assert.equal(unknown.up, 0);
  });
});

describe('detect() on a sparse share with its events', () => {
  const points = HISTORY + 7 * DAY_POINTS;
  // A three-hour outage on the fifth day after training: half the payments fail.
  const outageStart = HISTORY + 4 * DAY_POINTS + 100;
  const outageEnd = outageStart + 36;
  const during = (i: number) => (i >= outageStart && i < outageEnd ? 0.5 : undefined);

  it('chooses the binomial reading and flags the outage within its window', () => {
    for (const seed of [21, 22, 23]) {
      const { values, events } = sparseShare(points, 0.5, 0.03, seed, during);
      const detection = detect(grid(values), { historyPoints: HISTORY, events });
      assert.equal(detection.algorithm, 'binomial');
      const runs = flaggedRuns(detection.anomaly, outageStart, outageEnd + 6);
      assert.ok(runs.length > 0, `seed ${seed}: the outage is not flagged`);
    }
  });

  it('raises under one false alert a series-week on such shares without an outage, few events or many', () => {
    for (const perPoint of [0.5, 4]) {
      let falseRuns = 0;
      for (const seed of [21, 22, 23, 24, 25, 26]) {
        const { values, events } = sparseShare(points, perPoint, 0.03, seed);
        falseRuns += flaggedRuns(detect(grid(values), { historyPoints: HISTORY, events }).anomaly, HISTORY).length;
      }
      assert.ok(falseRuns < 6, `${perPoint} events a point: ${falseRuns} false alerts in six series-weeks`);
    }
  });

  it('keeps the bands around the expected share, NaN where a point has no events', () => {
    const { values, events } = sparseShare(points, 0.5, 0.03, 27);
    const detection = detect(grid(values), { historyPoints: HISTORY, events });
    for (let i = HISTORY; i < points; i++) {
      const e = detection.expected[i]!;
      if (!(events[i]! > 0)) {
        assert.ok(Number.isNaN(detection.upper[i]!), `point ${i}`);
        continue;
      }
      assert.ok(detection.lower[i]! <= e && e <= detection.upper[i]!, `point ${i}: ${detection.lower[i]} ${e} ${detection.upper[i]}`);
    }
  });

  it('leaves a dense share, or a named algorithm, to the value-based detectors', () => {
    const dense = sparseShare(points, 2000, 0.03, 28);
    assert.notEqual(detect(grid(dense.values), { historyPoints: HISTORY, events: dense.events }).algorithm, 'binomial');
    const sparse = sparseShare(points, 0.5, 0.03, 29);
    assert.equal(detect(grid(sparse.values), { historyPoints: HISTORY, events: sparse.events, algorithm: 'rolling' }).algorithm, 'rolling');
  });
});

describe('eventsPerStep', () => {
  it('turns a per-second rate into the events of the step', () => {
    assert.deepEqual([...eventsPerStep(Float64Array.of(0.01, 0, NaN), FIVE_MINUTES)], [3, 0, NaN]);
  });
});
