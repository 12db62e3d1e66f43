import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autocorrelation, detectSeason, MIN_STRENGTH } from '../../../src/backend/analysis/detectors/period';
import { random, gaussian } from './random';

const MIN = 60_000;
const DAY = 1440; // points per day at a 1-minute step
const WEEK = 7 * DAY;

/** `shape(i)` plus noise of sd `noise`, `length` points. */
function series(length: number, shape: (i: number) => number, noise: number, seed = 1): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length }, (_, i) => shape(i) + noise * gaussian(next));
}

const sine = (period: number, amplitude = 100) => (i: number) => 1000 + amplitude * Math.sin((2 * Math.PI * i) / period);

/**
 * The autocorrelation of a noisy series is flat at its peak: the period is known to about half a
 * percent (two points in 540), which is what a seasonal baseline needs.
 */
const tolerance = (period: number) => Math.max(2, Math.round(0.005 * period));
const nearMultiple = (found: number, period: number) => {
  const k = Math.max(1, Math.round(found / period));
  return Math.abs(found - k * period) <= tolerance(k * period);
};

describe('autocorrelation', () => {
  it('is 1 at a whole period of a sine, -1 at half of it, NaN where undefined', () => {
    const values = series(1000, sine(100), 0);
    assert.ok(Math.abs(autocorrelation(values, 100) - 1) < 1e-3);
    assert.ok(Math.abs(autocorrelation(values, 50) + 1) < 1e-3);
    assert.ok(Number.isNaN(autocorrelation(values, 0)));
    assert.ok(Number.isNaN(autocorrelation(values, -1)));
    assert.ok(Number.isNaN(autocorrelation(values, 1000)));
    assert.ok(Number.isNaN(autocorrelation(new Float64Array(100).fill(3), 5)), 'a constant series has no correlation');
    assert.ok(Number.isNaN(autocorrelation(new Float64Array(100).fill(Number.NaN), 5)));
  });

  it('skips pairs with a missing value', () => {
    const values = series(1000, sine(100), 0);
    for (let i = 0; i < values.length; i += 3) values[i] = Number.NaN;
    assert.ok(Math.abs(autocorrelation(values, 100) - 1) < 1e-2);
  });
});

describe('detectSeason', () => {
  it('takes the week over a strong day when the week leaves a quarter less unexplained', () => {
    // Four weeks at 5 minutes: a daily sine, weekends 0.2 higher. Near 1 the week cannot beat the
    // day by 0.05, yet the day alone would measure Mondays against the weekend.
    const day = 288;
    const withWeekend = (weekend: number) => series(28 * day, (i) => Math.sin((2 * Math.PI * i) / day) + (Math.floor(i / day) % 7 >= 5 ? weekend : 0), 0.1, 4);
    const values = withWeekend(0.2);
    const [daily, weekly] = [autocorrelation(values, day), autocorrelation(values, 7 * day)];
    assert.ok(daily > 0.95 && weekly - daily < 0.05, `day ${daily}, week ${weekly}`);
    assert.equal(detectSeason(values, 5 * MIN)?.periodPoints, 7 * day);
    assert.equal(detectSeason(withWeekend(0), 5 * MIN)?.periodPoints, day, 'no weekend: the day');
  });
  it('finds the day in 14 days of a 1-minute daily sine', () => {
    const season = detectSeason(series(14 * DAY, sine(DAY), 10), MIN);
    assert.equal(season?.periodPoints, DAY);
    assert.ok(season.strength > 0.9, `strength ${season.strength}`);
  });

  it('finds the day at other steps: 5 minutes, 1 hour', () => {
    assert.equal(detectSeason(series(14 * 288, sine(288), 10), 300_000)?.periodPoints, 288);
    assert.equal(detectSeason(series(14 * 24, sine(24), 10), 3_600_000)?.periodPoints, 24);
  });

  it('prefers the day to the week when the days are alike (the week repeats the day too)', () => {
    const season = detectSeason(series(21 * DAY, sine(DAY), 10), MIN);
    assert.equal(season?.periodPoints, DAY);
  });

  it('finds the week when weekly structure dominates', () => {
    // Weekends 60 higher than weekdays, and a smaller daily shape.
    const weekly = (i: number) => (Math.floor(i / DAY) % 7 >= 5 ? 60 : 0) + 20 * Math.sin((2 * Math.PI * i) / DAY);
    for (const seed of [1, 2, 3]) {
      const season = detectSeason(series(14 * DAY, weekly, 5, seed), MIN);
      assert.equal(season?.periodPoints, WEEK, `seed ${seed}`);
    }
    // A weekly sine with a small daily ripple, hourly.
    const hourly = detectSeason(series(21 * 24, (i) => 100 * Math.sin((2 * Math.PI * i) / 168) + 20 * Math.sin((2 * Math.PI * i) / 24), 10), 3_600_000);
    assert.equal(hourly?.periodPoints, 168);
  });

  it('finds none in white noise', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      assert.equal(detectSeason(series(14 * DAY, () => 100, 10, seed), MIN), undefined, `seed ${seed}, two weeks`);
      assert.equal(detectSeason(series(3000, () => 5, 1, seed), MIN), undefined, `seed ${seed}, 3000 points`);
    }
  });

  it('needs two cycles: one and a half days of a daily sine give no daily period', () => {
    assert.notEqual(detectSeason(series(DAY + DAY / 2, sine(DAY), 10), MIN)?.periodPoints, DAY);
    assert.equal(detectSeason(series(2 * DAY, sine(DAY), 10), MIN)?.periodPoints, DAY);
  });

  it('finds a period that is neither day nor week from the autocorrelation peak (9 hours)', () => {
    // 540 points: the day is 2.67 cycles of it, so the daily candidate correlates negatively and
    // only the peak can find it. The peak may be a multiple of the period, which repeats too.
    const period = 540;
    assert.ok(autocorrelation(series(4 * DAY, sine(period, 50), 10), DAY) < MIN_STRENGTH);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const season = detectSeason(series(4 * DAY, sine(period, 50), 10, seed), MIN);
      assert.ok(season !== undefined, `seed ${seed}: no season`);
      assert.ok(nearMultiple(season.periodPoints, period), `seed ${seed}: ${season.periodPoints} is not a multiple of ${period}`);
      assert.ok(season.strength > 0.9);
    }
  });

  it('finds a 6-hour period within a few days of 1-minute data, or the day that repeats it', () => {
    // The day (4 cycles) repeats a 6-hour pattern too, so the answer is a multiple of 360 up to a day.
    for (const seed of [1, 2, 3]) {
      const season = detectSeason(series(3 * DAY, sine(360, 50), 10, seed), MIN);
      assert.ok(season !== undefined);
      assert.ok(nearMultiple(season.periodPoints, 360), `seed ${seed}: ${season.periodPoints}`);
      assert.ok(season.periodPoints <= DAY);
    }
  });

  // Among the autocorrelation's peaks the shortest that is about as high as the highest wins, so
  // the period beats its multiples; the peak is then placed by a parabola through the hump.
  it('finds the fundamental of a period that is neither day nor week, not a multiple of it', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const [days, period] of [[4, 540], [3, 300], [3, 340]] as const) {
        const found = detectSeason(series(days * DAY, sine(period, 50), 10, seed), MIN)?.periodPoints;
        assert.ok(found !== undefined && Math.abs(found - period) <= tolerance(period), `${period} points, seed ${seed}: ${found}`);
      }
    }
  });

  // A smooth series without a period has a slowly decaying autocorrelation; its wiggles must not
  // count as peaks (a peak has to rise clearly above the trough before it).
  it('finds no period in a slowly varying series without one', () => {
    for (const seed of [1, 2, 3]) {
      assert.equal(detectSeason(series(DAY + DAY / 2, sine(DAY), 10, seed), MIN), undefined, `1.5 days, seed ${seed}`);
    }
    assert.equal(detectSeason(series(72, () => 100, 1, 11), 3_600_000), undefined, '72 hourly points of noise');
  });

  it('copes with gaps', () => {
    const values = series(14 * DAY, sine(DAY), 10);
    for (let i = 0; i < values.length; i++) if (i % 10 === 3 || (i > 5000 && i < 6000)) values[i] = Number.NaN;
    assert.equal(detectSeason(values, MIN)?.periodPoints, DAY);
    assert.equal(detectSeason(new Float64Array(5000).fill(Number.NaN), MIN), undefined);
    assert.equal(detectSeason(new Float64Array(0), MIN), undefined);
    assert.equal(detectSeason(new Float64Array(5000).fill(7), MIN), undefined, 'constant');
  });
});
