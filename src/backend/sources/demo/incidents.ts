import { hash3, seedHash, unit } from '../../../common/synthetic/hash';
import { DEMO_METRICS, MARKETS, METRIC_NAMES, PLATFORMS, type DemoSeries } from './model';
import { SAMPLE_MS } from '../../../common/synthetic/seasonality';

/**
 * Scheduled incidents: the calendar is cut into 6-hour UTC slots and a hash of (seed, slot)
 * decides whether an incident starts in the slot, its type, scope, duration and severity. So the
 * incidents of any window are known without generating anything else, and the same seed always
 * tells the same story: annotations and detector scoring can rely on it as ground truth.
 */

export const DEMO_DEFAULT_SEED = 7;

export type DemoIncidentType =
  | 'cdn_degradation'
  | 'app_release_bug'
  | 'payment_outage'
  | 'recommendation_regression'
  | 'telemetry_gap';

export const DEMO_INCIDENT_TYPES: readonly DemoIncidentType[] = [
  'cdn_degradation',
  'app_release_bug',
  'payment_outage',
  'recommendation_regression',
  'telemetry_gap',
];

export interface DemoIncidentEffect {
  metric: string;
  /**
   * multiply: value * (1 + (peak - 1) * intensity); add: value + peak * intensity;
   * absent: no samples at all while the incident lasts.
   */
  kind: 'multiply' | 'add' | 'absent';
  peak: number;
}

export interface DemoIncident {
  /** unique per seed: type and start */
  id: string;
  type: DemoIncidentType;
  /** epoch ms, inclusive; whole minutes */
  start: number;
  /** epoch ms, exclusive */
  end: number;
  /** labels a series must carry to be affected, e.g. { market: 'DE' } */
  scope: Readonly<Record<string, string>>;
  affectedMetrics: readonly string[];
  /** severity in [0, 1] within the type's range of effects (1 for telemetry gaps) */
  magnitude: number;
  effects: readonly DemoIncidentEffect[];
  title: string;
}

export const INCIDENT_SLOT_MS = 6 * 3_600_000;
/** Upper bound of any incident's duration: shorter than a slot, so only the previous slot can spill over. */
export const MAX_INCIDENT_MS = 300 * 60_000;
/** Hundreds of years of slots: far beyond any dashboard, yet bounded so a bad range cannot hang. */
const MAX_SLOTS_PER_CALL = 1_000_000;

const START_PROBABILITY = 0.4;
const TYPE_WEIGHTS: ReadonlyArray<readonly [DemoIncidentType, number]> = [
  ['cdn_degradation', 0.25],
  ['app_release_bug', 0.2],
  ['payment_outage', 0.15],
  ['recommendation_regression', 0.2],
  ['telemetry_gap', 0.2],
];
/** [min, max] minutes */
const DURATION_MINUTES: Readonly<Record<DemoIncidentType, readonly [number, number]>> = {
  cdn_degradation: [20, 120],
  app_release_bug: [60, 240], // until the release is rolled back
  payment_outage: [15, 90],
  recommendation_regression: [120, 300],
  telemetry_gap: [10, 45],
};

/** The hash streams of the independent draws of one slot. */
const DRAW = {
  occurs: 0x1a2b0001,
  type: 0x1a2b0002,
  offset: 0x1a2b0003,
  duration: 0x1a2b0004,
  scope: 0x1a2b0005,
  severity: 0x1a2b0006,
} as const;

function pickType(u: number): DemoIncidentType {
  let acc = 0;
  for (const [type, weight] of TYPE_WEIGHTS) {
    acc += weight;
    if (u < acc) return type;
  }
  return TYPE_WEIGHTS[TYPE_WEIGHTS.length - 1]![0];
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const times = (x: number): string => `×${x.toFixed(1)}`;

function describe(
  type: DemoIncidentType,
  severity: number,
  scopeIndex: number,
  minutes: number,
): Pick<DemoIncident, 'scope' | 'effects' | 'title' | 'magnitude'> {
  const market = MARKETS[Math.floor(scopeIndex * MARKETS.length)]!.code;
  const platform = PLATFORMS[Math.floor(scopeIndex * PLATFORMS.length)]!;
  switch (type) {
    case 'cdn_degradation': {
      const startup = 1.5 + severity;
      const rebuffer = 2.5 + 2.5 * severity;
      return {
        scope: { market },
        magnitude: severity,
        effects: [
          { metric: DEMO_METRICS.startupTime.name, kind: 'multiply', peak: startup },
          { metric: DEMO_METRICS.rebufferRatio.name, kind: 'multiply', peak: rebuffer },
        ],
        title: `CDN degradation in ${market}: p95 startup ${times(startup)}, rebuffering ${times(rebuffer)}`,
      };
    }
    case 'app_release_bug': {
      const failures = 3 + 5 * severity;
      return {
        scope: { platform },
        magnitude: severity,
        effects: [{ metric: DEMO_METRICS.failureRatio.name, kind: 'multiply', peak: failures }],
        title: `App release bug on ${platform}: playback failures ${times(failures)}`,
      };
    }
    case 'payment_outage': {
      const drop = 0.5 + 0.45 * severity;
      return {
        scope: { market },
        magnitude: severity,
        effects: [{ metric: DEMO_METRICS.subscriptionRevenue.name, kind: 'multiply', peak: 1 - drop }],
        title: `Payment provider outage in ${market}: subscription revenue −${pct(drop)}`,
      };
    }
    case 'recommendation_regression': {
      const skip = 0.05 + 0.07 * severity;
      const share = 0.8 - 0.2 * severity;
      return {
        scope: { market },
        magnitude: severity,
        // Tracks skipped early are tracks not completed: completion falls with the skips.
        effects: [
          { metric: DEMO_METRICS.skipRate.name, kind: 'add', peak: skip },
          { metric: DEMO_METRICS.completionRate.name, kind: 'add', peak: -0.9 * skip },
          { metric: DEMO_METRICS.recommendationShare.name, kind: 'multiply', peak: share },
        ],
        title:
          `Recommendation regression in ${market}: skip rate +${(skip * 100).toFixed(1)} pts, ` +
          `recommendation share −${pct(1 - share)}`,
      };
    }
    case 'telemetry_gap':
      return {
        scope: { market },
        magnitude: 1,
        effects: METRIC_NAMES.map((metric) => ({ metric, kind: 'absent' as const, peak: 0 })),
        title: `Telemetry gap in ${market}: no samples for ${minutes} min`,
      };
  }
}

/** The incident starting in `slot` (slot k covers [k*6h, (k+1)*6h) UTC), if any. */
export function incidentInSlot(seed: number, slot: number): DemoIncident | undefined {
  const draw = (stream: number): number => unit(hash3(seed, stream, slot));
  if (draw(DRAW.occurs) >= START_PROBABILITY) return undefined;
  const type = pickType(draw(DRAW.type));
  const slotMinutes = INCIDENT_SLOT_MS / 60_000;
  const start = slot * INCIDENT_SLOT_MS + Math.floor(draw(DRAW.offset) * slotMinutes) * 60_000;
  const [lo, hi] = DURATION_MINUTES[type];
  const minutes = lo + Math.floor(draw(DRAW.duration) * (hi - lo + 1));
  const severity = Math.round(draw(DRAW.severity) * 100) / 100;
  const described = describe(type, severity, draw(DRAW.scope), minutes);
  return {
    id: `${type}@${start}`,
    type,
    start,
    end: start + minutes * 60_000,
    affectedMetrics: described.effects.map((e) => e.metric),
    ...described,
  };
}

/** Incidents overlapping [fromMs, toMs] for a folded seed, sorted by start. */
export function incidentsBetween(seed: number, fromMs: number, toMs: number): DemoIncident[] {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new RangeError(`incident window must be finite epoch milliseconds, got ${fromMs}..${toMs}`);
  }
  if (toMs < fromMs) return [];
  const first = Math.floor((fromMs - MAX_INCIDENT_MS) / INCIDENT_SLOT_MS);
  const last = Math.floor(toMs / INCIDENT_SLOT_MS);
  if (last - first > MAX_SLOTS_PER_CALL) {
    throw new RangeError(`incident window ${fromMs}..${toMs} is too long (at most ${MAX_SLOTS_PER_CALL} six-hour slots)`);
  }
  const out: DemoIncident[] = [];
  for (let slot = first; slot <= last; slot++) {
    const incident = incidentInSlot(seed, slot);
    if (incident && incident.start <= toMs && incident.end > fromMs) out.push(incident);
  }
  return out;
}

/** The demo's incidents overlapping [fromMs, toMs] (epoch ms), sorted by start. */
export function demoIncidents(fromMs: number, toMs: number, seed: number = DEMO_DEFAULT_SEED): DemoIncident[] {
  return incidentsBetween(seedHash(seed), fromMs, toMs);
}

/** Whether the incident touches this series at all (scope labels and metric). */
export function incidentAffects(incident: DemoIncident, series: DemoSeries): boolean {
  for (const [label, value] of Object.entries(incident.scope)) {
    if (series.labels[label] !== value) return false;
  }
  return incident.affectedMetrics.includes(series.metric.name);
}

const RAMP_IN_MS = 3 * 60_000;
const RAMP_OUT_MS = 10 * 60_000;

/**
 * How strongly the incident shows in the sample at `sampleTime`, in (0, 1] inside [start, end)
 * and 0 outside. Degradations ramp up over minutes and recover more slowly, as real ones do, but
 * every sample inside the window is affected so the window is exact ground truth.
 */
export function incidentIntensity(incident: DemoIncident, sampleTime: number): number {
  if (sampleTime < incident.start || sampleTime >= incident.end) return 0;
  const duration = incident.end - incident.start;
  const rampIn = Math.min(RAMP_IN_MS, duration / 4);
  const rampOut = Math.min(RAMP_OUT_MS, duration / 3);
  return Math.min(1, (sampleTime - incident.start + SAMPLE_MS) / rampIn, (incident.end - sampleTime) / rampOut);
}
