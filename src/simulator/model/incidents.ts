import type { GoodDirection } from '../../common/kpis/catalogue';

/**
 * Incident types: what each one does to the model, and which KPIs it moves (the ground truth a
 * detector is scored against). Effects are multipliers and probabilities the generator applies
 * to events inside the incident's time and scope; several incidents at once combine.
 */

export const INCIDENT_TYPES = [
  'cdn_degradation',
  'app_release_bug',
  'payment_provider_outage',
  'recommendation_regression',
  'telemetry_gap',
  'duplicate_sender',
  'traffic_surge',
] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

/** Labels an incident can be limited to; absent = everywhere. */
export const SCOPE_LABELS = ['market', 'platform', 'tier', 'contentType', 'appVersion', 'network'] as const;
export type ScopeLabel = (typeof SCOPE_LABELS)[number];
export type Scope = Partial<Record<ScopeLabel, readonly string[]>>;

export interface Incident {
  id: string;
  type: IncidentType;
  startMs: number;
  endMs: number;
  scope: Scope;
  magnitude: number;
  /** duplicate_sender only: resend under fresh ids (the collector's content check) instead of the same ids */
  newIds?: boolean;
  description?: string;
}

/** What the incidents active for one event do; neutral values mean no incident. */
export interface Effects {
  startupFactor: number;
  stallFactor: number;
  /** probability that a play starts one bitrate rung lower */
  bitrateDowngrade: number;
  startFailureFactor: number;
  /** probability that a payment attempt fails, at least */
  paymentFailure: number;
  recommendationSkipAdd: number;
  recommendationShareFactor: number;
  trafficFactor: number;
  /** telemetry gap: the event is never sent */
  drop: boolean;
  /** fraction of events sent twice */
  duplicateFraction: number;
  duplicateNewIds: boolean;
}

export const NO_EFFECTS: Readonly<Effects> = Object.freeze({
  startupFactor: 1,
  stallFactor: 1,
  bitrateDowngrade: 0,
  startFailureFactor: 1,
  paymentFailure: 0,
  recommendationSkipAdd: 0,
  recommendationShareFactor: 1,
  trafficFactor: 1,
  drop: false,
  duplicateFraction: 0,
  duplicateNewIds: false,
});

interface TypeSpec {
  /** magnitude when the scenario gives none, and its meaning */
  defaultMagnitude: number;
  magnitudeMeaning: string;
  /** valid magnitudes */
  range: readonly [number, number];
  apply(effects: Effects, magnitude: number, incident: Incident): void;
  /** KPIs the incident moves, and which way */
  moves: ReadonlyArray<readonly [kpi: string, direction: 'up' | 'down']>;
  /** a data problem rather than a business anomaly: quality checks should flag it */
  dataQuality?: 'gap' | 'duplicates';
  summary: string;
}

export const INCIDENT_SPECS: Readonly<Record<IncidentType, TypeSpec>> = {
  cdn_degradation: {
    defaultMagnitude: 3,
    magnitudeMeaning: 'multiplier on start-up time and stall rate',
    range: [1, 50],
    apply: (e, m) => {
      e.startupFactor *= m;
      e.stallFactor *= m;
      e.bitrateDowngrade = Math.max(e.bitrateDowngrade, Math.min(0.9, (m - 1) / m));
      e.startFailureFactor *= Math.sqrt(m);
    },
    moves: [
      ['startup_time_p50', 'up'],
      ['startup_time_p95', 'up'],
      ['rebuffering_ratio', 'up'],
      ['rebuffering_frequency', 'up'],
      ['exits_before_start', 'up'],
      ['playback_failure_rate', 'up'],
      ['average_bitrate', 'down'],
    ],
    summary: 'A CDN edge serves slowly: starts take longer, playback stalls, bitrates drop, some starts fail.',
  },
  app_release_bug: {
    defaultMagnitude: 8,
    magnitudeMeaning: 'multiplier on the rate of plays that fail to start',
    range: [1, 200],
    apply: (e, m) => {
      e.startFailureFactor *= m;
    },
    moves: [['playback_failure_rate', 'up']],
    summary: 'A new app version fails to start some plays.',
  },
  payment_provider_outage: {
    defaultMagnitude: 0.7,
    magnitudeMeaning: 'probability that a payment attempt fails',
    range: [0, 1],
    apply: (e, m) => {
      e.paymentFailure = Math.max(e.paymentFailure, m);
    },
    moves: [
      ['payment_failure_rate', 'up'],
      ['subscription_revenue', 'down'],
      ['trial_conversion', 'down'],
    ],
    summary: 'The payment provider declines renewals and conversions.',
  },
  recommendation_regression: {
    defaultMagnitude: 0.15,
    magnitudeMeaning: 'added skip probability of recommended plays (the recommended share falls by twice as much, relatively)',
    range: [0, 0.6],
    apply: (e, m) => {
      e.recommendationSkipAdd += m;
      e.recommendationShareFactor *= Math.max(0.05, 1 - 2 * m);
    },
    moves: [
      ['recommendation_skip_rate', 'up'],
      ['skip_rate', 'up'],
      ['recommendation_stream_share', 'down'],
    ],
    summary: 'A recommendation model regression: listeners skip what it suggests and use it less.',
  },
  telemetry_gap: {
    defaultMagnitude: 1,
    magnitudeMeaning: 'unused (every event in scope is lost)',
    range: [0, 1],
    apply: (e) => {
      e.drop = true;
    },
    moves: [['streams', 'down']],
    dataQuality: 'gap',
    summary: 'Clients stop sending events: the metrics go flat, though listening goes on.',
  },
  duplicate_sender: {
    defaultMagnitude: 0.3,
    magnitudeMeaning: 'fraction of events sent twice',
    range: [0, 1],
    apply: (e, m, incident) => {
      e.duplicateFraction = Math.max(e.duplicateFraction, m);
      e.duplicateNewIds ||= incident.newIds === true;
    },
    moves: [],
    dataQuality: 'duplicates',
    summary: 'A client resends events, with the same ids or under new ones: the collector drops the copies (by id or by content), so no KPI moves.',
  },
  traffic_surge: {
    defaultMagnitude: 2,
    magnitudeMeaning: 'multiplier on session starts',
    range: [0, 50],
    apply: (e, m) => {
      e.trafficFactor *= m;
    },
    moves: [['streams', 'up']],
    summary: 'More listening than usual (a big release, a viral moment).',
  },
};

/** The KPIs an incident moves, and which way. */
export function movedKpis(incident: Incident): Array<{ kpi: string; direction: Exclude<GoodDirection, 'neutral'> }> {
  return INCIDENT_SPECS[incident.type].moves.map(([kpi, direction]) => ({ kpi, direction }));
}

/** The context an event happens in, for scope matching. */
export type EventContext = Partial<Record<ScopeLabel, string>>;

function inScope(scope: Scope, context: EventContext): boolean {
  for (const label of SCOPE_LABELS) {
    const wanted = scope[label];
    if (!wanted) continue;
    const value = context[label];
    // A scope on a label the context does not know (contentType for session arrivals) matches:
    // the caller asks again where the label is known.
    if (value !== undefined && !wanted.includes(value)) return false;
  }
  return true;
}

/** The incidents of a run, looked up by time. */
export class IncidentSet {
  private readonly sorted: Incident[];

  constructor(readonly incidents: readonly Incident[]) {
    this.sorted = [...incidents].sort((a, b) => a.startMs - b.startMs);
  }

  /** Combined effects at `timeMs` for an event in `context`. */
  effectsAt(timeMs: number, context: EventContext): Effects {
    let effects: Effects | undefined;
    for (const incident of this.sorted) {
      if (incident.startMs > timeMs) break;
      if (timeMs >= incident.endMs || !inScope(incident.scope, context)) continue;
      effects ??= { ...NO_EFFECTS };
      INCIDENT_SPECS[incident.type].apply(effects, incident.magnitude, incident);
    }
    return effects ?? NO_EFFECTS;
  }

  /** Incidents active at some point in [fromMs, toMs). */
  activeBetween(fromMs: number, toMs: number): Incident[] {
    return this.sorted.filter((incident) => incident.startMs < toMs && incident.endMs > fromMs);
  }

  get empty(): boolean {
    return this.sorted.length === 0;
  }
}
