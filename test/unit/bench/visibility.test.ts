import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveVisibility } from '../../../bench/accuracy/visibility';

const STEP = 300_000;
const PER_DAY = 288;

/** Four days of a daily shape with deterministic noise of deviation about `noise`. */
function days(noise: number, count = 4): Float64Array {
  let state = 7;
  const uniform = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state + 1) / 2147483649;
  };
  return Float64Array.from({ length: count * PER_DAY }, (_, i) => {
    const gaussian = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return 100 + 30 * Math.sin((2 * Math.PI * i) / PER_DAY) + noise * gaussian;
  });
}

const window = { first: 3 * PER_DAY + 100, last: 3 * PER_DAY + 123 };
const always = () => true;

test('a step of one noise deviation over 24 points reads as about √24 / √(1 + 1/3) deviations', () => {
  const values = days(2);
  for (let i = window.first; i <= window.last; i++) values[i]! += 2;
  const z = moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', always);
  // √24 / √(4/3) ≈ 4.2; the noise estimate from three reference days is itself noisy.
  assert.ok(z > 2.5 && z < 6.5, `z = ${z}`);
  assert.ok(Math.abs(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'down', always) + z) < 1e-12, 'the other direction is the same size, negated');
});

test('the daily shape alone is no move: z stays within noise', () => {
  const z = moveVisibility({ startMs: 0, stepMs: STEP, values: days(2) }, window, 'up', always);
  assert.ok(Math.abs(z) < 3, `z = ${z}`);
});

test('a move hidden in noise ten times its size is not visible', () => {
  const values = days(20);
  for (let i = window.first; i <= window.last; i++) values[i]! += 2;
  assert.ok(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', always) < 3);
});

test('reference days that are not clear are not used, and fewer than two leave it unknown', () => {
  const values = days(2);
  let asked = 0;
  const onlyYesterday = (first: number) => (asked++, first === window.first - PER_DAY);
  assert.ok(Number.isNaN(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', onlyYesterday)));
  assert.equal(asked, 3, "every earlier day in the grid is asked about");
  // A window on the second day has one earlier day only.
  assert.ok(Number.isNaN(moveVisibility({ startMs: 0, stepMs: STEP, values }, { first: PER_DAY + 10, last: PER_DAY + 20 }, 'up', always)));
});

test('missing values and masked points are skipped; a constant series with a move is infinitely visible', () => {
  const values = days(2);
  for (let i = window.first; i <= window.last; i += 2) values[i] = NaN;
  assert.ok(Number.isFinite(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', always)));
  const skip = new Uint8Array(values.length);
  skip.fill(1, window.first, window.last + 1);
  assert.ok(Number.isNaN(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', always, skip)));
  const flat = new Float64Array(4 * PER_DAY).fill(5);
  for (let i = window.first; i <= window.last; i++) flat[i] = 9;
  assert.equal(moveVisibility({ startMs: 0, stepMs: STEP, values: flat }, window, 'up', always), Infinity);
  assert.equal(moveVisibility({ startMs: 0, stepMs: STEP, values: flat }, window, 'down', always), -Infinity);
});

test('reference days that pair up in a few points leave the noise unknown, not zero', () => {
  // Yesterday has a 0 at every point of the window's hours, the day before at two of them only
  // (a sparse series: a value now and then, mostly 0); the window is at 1. Two pairs, both equal,
  // said "no noise" and so an infinitely visible move.
  const values = new Float64Array(4 * PER_DAY).fill(NaN);
  for (let i = window.first; i <= window.last; i++) {
    values[i] = 1;
    values[i - PER_DAY] = 0;
  }
  values[window.first - 2 * PER_DAY] = 0;
  values[window.first + 6 - 2 * PER_DAY] = 0;
  assert.ok(Number.isNaN(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', always)));
  // Three days of zeros at every point pair up everywhere: no noise, and the move is real.
  for (let i = window.first; i <= window.last; i++) for (const day of [2, 3]) values[i - day * PER_DAY] = 0;
  assert.equal(moveVisibility({ startMs: 0, stepMs: STEP, values }, window, 'up', always), Infinity);
});

test('a weekday window is compared with weekdays: a busier weekend before it is no move', () => {
  // Monday 2026-11-02, nine days; weekends run 20 % higher.
  const startMs = Date.UTC(2026, 10, 2);
  const values = days(2, 9).map((v, i) => ([0, 6].includes(new Date(startMs + i * STEP).getUTCDay()) ? v * 1.2 : v));
  // Tuesday 2026-11-10: the days before it are Monday, Sunday, Saturday, Friday...
  const tuesday = { first: 9 * PER_DAY - 200, last: 9 * PER_DAY - 170 };
  assert.equal(new Date(startMs + tuesday.first * STEP).getUTCDay(), 2);
  const z = moveVisibility({ startMs, stepMs: STEP, values }, tuesday, 'down', always);
  assert.ok(Math.abs(z) < 3, `z = ${z}`);
});
