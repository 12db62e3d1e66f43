/**
 * Daily and weekly listening rhythms, as lookup tables indexed by LOCAL sample number.
 *
 * Demo samples sit on a 15 s grid and every market offset is a whole number of quarter hours, so
 * a local sample index maps exactly onto a table slot: one array read per point instead of
 * several exp() calls, which is what makes a week of minute data over every series cheap.
 */

/** The demo "scrape interval": values hold between samples, as Prometheus answers between scrapes. */
export const SAMPLE_MS = 15_000;
export const SAMPLES_PER_HOUR = 3_600_000 / SAMPLE_MS;
export const SAMPLES_PER_DAY = 24 * SAMPLES_PER_HOUR;
export const SAMPLES_PER_WEEK = 7 * SAMPLES_PER_DAY;

/** 1970-01-01 was a Thursday (0 = Sunday). */
const EPOCH_WEEKDAY = 4;

/** The previous day's rhythm fades into the new day's over these first local hours. */
const CROSSFADE_HOURS = 4;

/** A daily shape: a floor plus bumps of listening, all in local hours. */
export interface DailyShape {
  floor: number;
  /** [centre hour, width in hours (one standard deviation), height] */
  bumps: ReadonlyArray<readonly [number, number, number]>;
}

export interface WeeklyRhythm {
  weekday: DailyShape;
  weekend: DailyShape;
  /** relative volume per local weekday, index 0 = Sunday */
  dayVolume: readonly [number, number, number, number, number, number, number];
}

/** Local weekday (0 = Sunday) of a local sample index. */
export function weekdayOfLocalSample(localSample: number): number {
  const day = Math.floor(localSample / SAMPLES_PER_DAY);
  return (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
}

function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return d > 12 ? 24 - d : d;
}

function shapeAt(shape: DailyShape, hour: number): number {
  let value = shape.floor;
  for (const [centre, width, height] of shape.bumps) {
    const z = circularDistance(hour, centre) / width;
    value += height * Math.exp(-0.5 * z * z);
  }
  return value;
}

function shapeMean(shape: DailyShape): number {
  let total = 0;
  for (let i = 0; i < SAMPLES_PER_DAY; i++) total += shapeAt(shape, i / SAMPLES_PER_HOUR);
  return total / SAMPLES_PER_DAY;
}

function smoothstep(x: number): number {
  const t = Math.min(1, Math.max(0, x));
  return t * t * (3 - 2 * t);
}

function isWeekend(weekday: number): boolean {
  return weekday === 0 || weekday === 6;
}

/**
 * A week of the rhythm, indexed from local Thursday 00:00 (the weekday of sample 0), normalised
 * to a mean of 1 so that a series' level is its weekly average.
 */
export function buildWeeklyTable(rhythm: WeeklyRhythm): Float64Array {
  const weekdayMean = shapeMean(rhythm.weekday);
  const weekendMean = shapeMean(rhythm.weekend);
  const dayValue = (weekday: number, hour: number): number =>
    (isWeekend(weekday)
      ? shapeAt(rhythm.weekend, hour) / weekendMean
      : shapeAt(rhythm.weekday, hour) / weekdayMean) * rhythm.dayVolume[weekday]!;

  const table = new Float64Array(SAMPLES_PER_WEEK);
  let total = 0;
  for (let i = 0; i < SAMPLES_PER_WEEK; i++) {
    const weekday = weekdayOfLocalSample(i);
    const hour = (i % SAMPLES_PER_DAY) / SAMPLES_PER_HOUR;
    let value = dayValue(weekday, hour);
    // Friday night does not stop at midnight: blend from the previous day's shape so the
    // weekday/weekend switch never shows as a step.
    if (hour < CROSSFADE_HOURS) {
      const previous = dayValue((weekday + 6) % 7, hour);
      value = previous + (value - previous) * smoothstep(hour / CROSSFADE_HOURS);
    }
    table[i] = value;
    total += value;
  }
  const mean = total / SAMPLES_PER_WEEK;
  for (let i = 0; i < SAMPLES_PER_WEEK; i++) table[i] = table[i]! / mean;
  return table;
}

/** One day of a shape, normalised to mean 1 (for rhythms without a weekly pattern). */
export function buildDailyTable(shape: DailyShape): Float64Array {
  const mean = shapeMean(shape);
  const table = new Float64Array(SAMPLES_PER_DAY);
  for (let i = 0; i < SAMPLES_PER_DAY; i++) table[i] = shapeAt(shape, i / SAMPLES_PER_HOUR) / mean;
  return table;
}

/** 1 on local Saturdays and Sundays, 0 otherwise, eased over the crossfade hours. */
export function buildWeekendTable(): Float64Array {
  const table = new Float64Array(SAMPLES_PER_WEEK);
  for (let i = 0; i < SAMPLES_PER_WEEK; i++) {
    const weekday = weekdayOfLocalSample(i);
    const hour = (i % SAMPLES_PER_DAY) / SAMPLES_PER_HOUR;
    const today = isWeekend(weekday) ? 1 : 0;
    const yesterday = isWeekend((weekday + 6) % 7) ? 1 : 0;
    table[i] = hour < CROSSFADE_HOURS ? yesterday + (today - yesterday) * smoothstep(hour / CROSSFADE_HOURS) : today;
  }
  return table;
}

const weeklyTables = new Map<WeeklyRhythm, Float64Array>();

/** A rhythm's value (weekly mean 1) at an instant, in the local time of a UTC offset. */
export function rhythmAt(rhythm: WeeklyRhythm, utcOffsetMinutes: number, timeMs: number): number {
  let table = weeklyTables.get(rhythm);
  if (!table) weeklyTables.set(rhythm, (table = buildWeeklyTable(rhythm)));
  const local = Math.floor((timeMs + utcOffsetMinutes * 60_000) / SAMPLE_MS);
  return table[((local % SAMPLES_PER_WEEK) + SAMPLES_PER_WEEK) % SAMPLES_PER_WEEK]!;
}

/** A daily shape's value (daily mean 1) at an instant, in local time. */
export function dailyAt(table: Float64Array, utcOffsetMinutes: number, timeMs: number): number {
  const local = Math.floor((timeMs + utcOffsetMinutes * 60_000) / SAMPLE_MS);
  return table[((local % SAMPLES_PER_DAY) + SAMPLES_PER_DAY) % SAMPLES_PER_DAY]!;
}
