import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { detect, type DetectOptions, type Detection } from '../../../src/backend/analysis/detect';
import { ALGORITHMS } from '../../../src/backend/analysis/detectors';
import { anomalyEvents } from '../../../src/backend/analysis/events';
import type { Grid } from '../../../src/backend/analysis/grid';
import { FLAG_SCORE } from '../../../src/backend/analysis/score';

/*
 * Whatever the series and the options, detect answers: never throws, one output per input point,
 * scores in [0, 1], flags only where the score reaches the band. Series here are hostile on
 * purpose: holes, infinities, values at the edge of the double range, zeros and flat runs.
 */

const nasty = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, Number.MIN_VALUE, Number.MAX_VALUE) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
);

/** A series as segments: runs of one value (flat lines, long gaps) and stretches of mixed values. */
const series: fc.Arbitrary<Float64Array> = fc
  .array(
    fc.oneof(
      fc.tuple(nasty, fc.integer({ min: 1, max: 120 })).map(([value, length]) => new Array<number>(length).fill(value)),
      fc.array(nasty, { maxLength: 80 }),
      // A plain noisy sine, so seasons and models do start.
      fc.tuple(fc.integer({ min: 20, max: 200 }), fc.integer({ min: 2, max: 50 })).map(([length, period]) =>
        Array.from({ length }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / period) + ((i * 7919) % 13) - 6),
      ),
    ),
    { maxLength: 12 },
  )
  .map((segments) => Float64Array.from(segments.flat().slice(0, 600)));

const options: fc.Arbitrary<DetectOptions> = fc.record(
  {
    algorithm: fc.constantFrom(...ALGORITHMS),
    sensitivity: fc.oneof(fc.double({ min: 0, max: 1 }), fc.double(), fc.constantFrom(Number.NaN, -1, 2, Infinity, -Infinity)),
    direction: fc.constantFrom('up' as const, 'down' as const, 'both' as const),
    minDurationPoints: fc.oneof(fc.integer({ min: -5, max: 10 }), fc.constantFrom(0, -1, 1.5, Infinity)),
    periodPoints: fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constantFrom(0, -3, 2.5)),
    historyPoints: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(-10, 1e9)),
  },
  { requiredKeys: [] },
);

const stepMs = fc.oneof(fc.integer({ min: 1, max: 86_400_000 }), fc.constantFrom(1, 1000, 60_000, 300_000, 3_600_000, 86_400_000));

/** A random mask of data issues over the series, or none. */
function issuesFor(length: number, seed: number | undefined): Uint8Array | undefined {
  if (seed === undefined) return undefined;
  const mask = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    mask[i] = state % 7 === 0 ? 1 : 0;
  }
  return mask;
}

function check(values: Float64Array, step: number, opts: DetectOptions): Detection {
  const grid: Grid = { startMs: 1_700_000_000_000, stepMs: step, values };
  const n = values.length;
  const detection = detect(grid, opts);
  for (const key of ['expected', 'lower', 'upper', 'score', 'anomaly'] as const) assert.equal(detection[key].length, n, key);
  assert.ok((['rolling', 'ewma', 'seasonal', 'holt_winters', 'binomial'] as const).includes(detection.algorithm), detection.algorithm);
  assert.ok(detection.bandZ >= 1.5 && detection.bandZ <= 6, `bandZ ${detection.bandZ}`);
  for (let i = 0; i < n; i++) {
    const score = detection.score[i]!;
    const flag = detection.anomaly[i]!;
    assert.ok(score >= 0 && score <= 1, `score[${i}] = ${score}`);
    assert.ok(flag === 0 || flag === 1, `anomaly[${i}] = ${flag}`);
    if (flag === 1) assert.ok(score >= FLAG_SCORE, `anomaly[${i}] with score ${score}`);
    if (opts.dataIssues?.[i] === 1) assert.equal(score, 0, `data issue at ${i} scored ${score}`);
  }
  const events = anomalyEvents(grid, detection, { good: 'up' });
  let flagged = 0;
  for (const flag of detection.anomaly) flagged += flag;
  let inEvents = 0;
  for (const event of events) {
    assert.ok(event.startMs <= event.peakMs && event.peakMs <= event.endMs, `event ${JSON.stringify(event)}`);
    assert.ok(event.startMs >= grid.startMs && event.endMs <= grid.startMs + (n - 1) * step);
    assert.ok(event.points >= 1);
    assert.ok(['minor', 'major', 'critical'].includes(event.severity));
    inEvents += event.points;
  }
  assert.equal(inEvents, flagged, 'every flagged point is in exactly one event');
  for (let j = 1; j < events.length; j++) assert.ok(events[j]!.startMs > events[j - 1]!.endMs, 'events do not overlap');
  return detection;
}

describe('detect on hostile series (properties)', () => {
  it('never throws; outputs have the input length, scores in [0, 1], flags only at the band', () => {
    fc.assert(
      fc.property(series, stepMs, options, fc.option(fc.integer(), { nil: undefined }), (values, step, opts, issueSeed) => {
        check(values, step, { ...opts, dataIssues: issuesFor(values.length, issueSeed) });
      }),
      { numRuns: 200 },
    );
  });

  it('holds for shares with hostile events: negative, fractional, infinite, missing, of another length', () => {
    const count = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) },
      { weight: 2, arbitrary: fc.double({ min: -5, max: 50, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, Number.MIN_VALUE, -0) },
    );
    const share = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 0, 0, 0.5, 1, 1 / 3) }, { weight: 2, arbitrary: nasty });
    let binomial = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(share, count), { minLength: 200, maxLength: 1200 }), fc.integer({ min: -3, max: 3 }), options, (points, lengthChange, opts) => {
        const values = Float64Array.from(points, ([x, n]) => (n > 0 ? x : NaN));
        const events = Float64Array.from(points.slice(0, Math.max(0, points.length + lengthChange)), ([, n]) => n);
        if (check(values, 300_000, { ...opts, algorithm: 'auto', events }).algorithm === 'binomial') binomial++;
      }),
      { numRuns: 200 },
    );
    assert.ok(binomial >= 50, `the counts were read in ${binomial} of 200 runs`);
  });

  it('holds for every algorithm on the same series', () => {
    fc.assert(
      fc.property(series, stepMs, (values, step) => {
        for (const algorithm of ALGORITHMS) check(values, step, { algorithm });
      }),
      { numRuns: 60 },
    );
  });

  it('answers for the degenerate series: empty, one point, all NaN, all Infinity, constant, extremes', () => {
    const cases: Array<[string, Float64Array]> = [
      ['empty', new Float64Array(0)],
      ['one point', Float64Array.of(5)],
      ['all NaN', new Float64Array(300).fill(Number.NaN)],
      ['all +Infinity', new Float64Array(300).fill(Infinity)],
      ['constant', new Float64Array(300).fill(42)],
      ['zeros', new Float64Array(300)],
      ['±1e308 alternating', Float64Array.from({ length: 300 }, (_, i) => (i % 2 ? 1e308 : -1e308))],
      ['MAX_VALUE then small', Float64Array.from({ length: 300 }, (_, i) => (i === 0 ? Number.MAX_VALUE : i % 3))],
    ];
    for (const [label, values] of cases) {
      for (const algorithm of ALGORITHMS) {
        for (const step of [1, 60_000, 86_400_000]) {
          assert.doesNotThrow(() => check(values, step, { algorithm }), `${label}, ${algorithm}, step ${step}`);
        }
      }
    }
    // Nothing can be expected of a series without values: no score anywhere.
    const none = detect({ startMs: 0, stepMs: 60_000, values: new Float64Array(300).fill(Number.NaN) });
    assert.ok(none.score.every((s) => s === 0));
    assert.ok(none.anomaly.every((a) => a === 0));
    // A constant series flags nothing (its scale is the resolution floor, and it never moves).
    for (const algorithm of ALGORITHMS) {
      const flat = detect({ startMs: 0, stepMs: 60_000, values: new Float64Array(3000).fill(42) }, { algorithm, periodPoints: 1440 });
      assert.ok(flat.anomaly.every((a) => a === 0), `${algorithm}: a constant series is flagged`);
    }
  });
});
