import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXTENT_POINTS,
  extentMs,
  entryTtlMs,
  fetchRuns,
  isSplittable,
  joinCoverage,
  missingSpans,
  NEVER,
  overlapSteps,
  SETTLE_MS,
  settledThrough,
  splitRange,
  stepsIn,
  usableSpan,
} from '../../../../src/backend/query/cache/extents';

const STEP = 60_000;
const EXTENT = extentMs(STEP);

describe('splitRange', () => {
  it('cuts on multiples of the extent length from the epoch, each slice inside its extent', () => {
    const start = 10 * EXTENT + 5 * STEP;
    const end = 12 * EXTENT + 7 * STEP;
    const slices = splitRange(start, end, STEP);
    assert.deepEqual(slices, [
      { index: 10, lo: start, hi: 11 * EXTENT - STEP },
      { index: 11, lo: 11 * EXTENT, hi: 12 * EXTENT - STEP },
      { index: 12, lo: 12 * EXTENT, hi: end },
    ]);
    assert.equal(slices.reduce((n, s) => n + stepsIn(s, STEP), 0), stepsIn({ lo: start, hi: end }, STEP), 'every step once');
  });

  it('gives a moving window the same boundaries: only the slices at the edges change', () => {
    const a = splitRange(20 * EXTENT + STEP, 21 * EXTENT + 30 * STEP, STEP);
    const b = splitRange(20 * EXTENT + 2 * STEP, 21 * EXTENT + 31 * STEP, STEP);
    assert.deepEqual(a.map((s) => s.index), b.map((s) => s.index));
  });

  it('a single step is one slice', () => {
    assert.deepEqual(splitRange(3 * EXTENT, 3 * EXTENT, STEP), [{ index: 3, lo: 3 * EXTENT, hi: 3 * EXTENT }]);
  });

  it('only splits step-aligned ranges', () => {
    assert.ok(isSplittable(0, 10 * STEP, STEP));
    assert.ok(!isSplittable(1, 10 * STEP + 1, STEP), 'start off the step grid');
    assert.ok(!isSplittable(0, 10 * STEP + 1, STEP), 'end off the step grid');
    assert.ok(!isSplittable(0, 10, 0), 'no step');
    assert.ok(!isSplittable(0, 10, 1.5), 'fractional step');
  });
});

describe('coverage and what is missing', () => {
  const entry = (from: number, to: number, settledTo: number, volatileUntil: number) => ({ from, to, settledTo, volatileUntil });

  it('serves everything while fresh, then only the settled prefix, then nothing', () => {
    const e = entry(0, 100 * STEP, 80 * STEP, 1_000);
    assert.deepEqual(usableSpan(e, 999), { lo: 0, hi: 100 * STEP });
    assert.deepEqual(usableSpan(e, 1_000), { lo: 0, hi: 80 * STEP });
    assert.equal(usableSpan(entry(0, 10 * STEP, -1, 1_000), 1_000), undefined, 'nothing was settled');
  });

  it('fetches the steps before and after what the entry covers, gaps included', () => {
    const have = { lo: 10 * STEP, hi: 20 * STEP };
    assert.deepEqual(missingSpans({ lo: 12 * STEP, hi: 18 * STEP }, have, STEP), [], 'covered');
    assert.deepEqual(missingSpans({ lo: 12 * STEP, hi: 25 * STEP }, have, STEP), [{ lo: 21 * STEP, hi: 25 * STEP }], 'the new steps of a moving window');
    assert.deepEqual(missingSpans({ lo: 5 * STEP, hi: 25 * STEP }, have, STEP), [
      { lo: 5 * STEP, hi: 9 * STEP },
      { lo: 21 * STEP, hi: 25 * STEP },
    ]);
    assert.deepEqual(missingSpans({ lo: 30 * STEP, hi: 35 * STEP }, have, STEP), [{ lo: 21 * STEP, hi: 35 * STEP }], 'a gap after the entry is filled');
    assert.deepEqual(missingSpans({ lo: 0, hi: 3 * STEP }, have, STEP), [{ lo: 0, hi: 9 * STEP }], 'and one before it');
    assert.deepEqual(missingSpans({ lo: 0, hi: 3 * STEP }, undefined, STEP), [{ lo: 0, hi: 3 * STEP }]);
    assert.equal(overlapSteps({ lo: 12 * STEP, hi: 25 * STEP }, have, STEP), 9);
    assert.equal(overlapSteps({ lo: 30 * STEP, hi: 35 * STEP }, have, STEP), 0);
  });
});

describe('fetchRuns', () => {
  it('joins touching spans into one request and keeps apart ones with a hole between them', () => {
    const runs = fetchRuns(
      [
        { lo: 0, hi: 9 * STEP },
        { lo: 10 * STEP, hi: 20 * STEP },
        { lo: 40 * STEP, hi: 41 * STEP },
      ],
      STEP,
    );
    assert.deepEqual(runs, [
      { lo: 0, hi: 20 * STEP },
      { lo: 40 * STEP, hi: 41 * STEP },
    ]);
  });

  it('cuts a request longer than the point limit on extent boundaries', () => {
    const maxPoints = 2 * EXTENT_POINTS;
    const runs = fetchRuns([{ lo: 5 * STEP, hi: 5 * EXTENT }], STEP, maxPoints);
    for (const run of runs) assert.ok(stepsIn(run, STEP) <= maxPoints, `${stepsIn(run, STEP)} steps`);
    assert.equal(runs[0]!.lo, 5 * STEP);
    assert.equal(runs.at(-1)!.hi, 5 * EXTENT);
    for (let i = 1; i < runs.length; i++) {
      assert.equal(runs[i]!.lo, runs[i - 1]!.hi + STEP, 'no hole, no overlap');
      assert.equal(runs[i]!.lo % EXTENT, 0, 'cut on an extent boundary');
    }
  });
});

describe('settledness and TTLs', () => {
  const now = 1_000 * EXTENT;

  it('settles the steps older than SETTLE_MS before the fetch', () => {
    assert.equal(settledThrough({ lo: 0, hi: now - SETTLE_MS - STEP }, STEP, now), now - SETTLE_MS - STEP, 'all of it');
    assert.equal(settledThrough({ lo: now - 60 * STEP, hi: now }, STEP, now), now - SETTLE_MS - STEP, 'up to the boundary');
    assert.ok(settledThrough({ lo: now - 2 * STEP, hi: now }, STEP, now) < now - 2 * STEP, 'none of it');
  });

  it('joins segments: settled up to the first one that is not, fresh until the earliest recent one expires', () => {
    const joined = joinCoverage([
      { from: 0, to: 9 * STEP, settledTo: 9 * STEP, volatileUntil: NEVER },
      { from: 10 * STEP, to: 19 * STEP, settledTo: 15 * STEP, volatileUntil: 5_000 },
      { from: 20 * STEP, to: 29 * STEP, settledTo: 10 * STEP, volatileUntil: 7_000 },
    ]);
    assert.deepEqual(joined, { from: 0, to: 29 * STEP, settledTo: 15 * STEP, volatileUntil: 5_000 });
  });

  it('keeps an entry with a settled part for the long TTL, a wholly recent one until it expires', () => {
    const long = 86_400_000;
    assert.equal(entryTtlMs({ from: 0, to: 10, settledTo: 5, volatileUntil: 100 }, 50, long), long);
    assert.equal(entryTtlMs({ from: 0, to: 10, settledTo: -1, volatileUntil: 100 }, 50, long), 50);
    assert.equal(entryTtlMs({ from: 0, to: 10, settledTo: -1, volatileUntil: 100 }, 150, long), 0);
  });
});
