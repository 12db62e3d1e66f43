import type { StreamingEvent } from '../../common/events/schema';

/**
 * Business rules: what the schema cannot know because it needs the collector's clock or other
 * events. Each rule returns the field and the reason, or undefined when the event passes.
 * docs/events.md lists them; the reason classes are the `reason` label of
 * encore_collector_rejections_total, so keep that set small and fixed.
 */

export const REJECTION_REASONS = ['schema', 'time_future', 'time_too_old', 'unknown_play', 'inconsistent'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface RuleFailure {
  reasonClass: RejectionReason;
  field: string;
  reason: string;
}

export interface TimeBounds {
  maxFutureMs: number;
  maxAgeMs: number;
}

/** Events from the future (clock skew beyond maxFutureMs) or older than maxAgeMs are refused. */
export function checkTime(timeMs: number, nowMs: number, bounds: TimeBounds): RuleFailure | undefined {
  if (Number.isNaN(timeMs)) {
    // The schema's RFC 3339 pattern passed but the date does not exist for Date (never seen; kept
    // so that NaN can never slip past the comparisons below).
    return { reasonClass: 'schema', field: 'time', reason: 'time: expected a valid date and time' };
  }
  if (timeMs > nowMs + bounds.maxFutureMs) {
    return {
      reasonClass: 'time_future',
      field: 'time',
      reason: `time: expected at most ${formatSpan(bounds.maxFutureMs)} ahead of the collector clock (${iso(nowMs)}), got ${iso(timeMs)}, ${formatSpan(timeMs - nowMs)} ahead (check the sender's clock)`,
    };
  }
  if (timeMs < nowMs - bounds.maxAgeMs) {
    return {
      reasonClass: 'time_too_old',
      field: 'time',
      reason: `time: expected within the last ${formatSpan(bounds.maxAgeMs)} of the collector clock (${iso(nowMs)}), got ${iso(timeMs)}, ${formatSpan(nowMs - timeMs)} old (load older history with a backfill)`,
    };
  }
  return undefined;
}

/** Rules within one event that the schema does not express. */
export function checkConsistency(event: StreamingEvent): RuleFailure | undefined {
  if (event.type === 'bitrate_change' && event.fromKbps === event.toKbps) {
    return {
      reasonClass: 'inconsistent',
      field: 'toKbps',
      reason: `toKbps: expected a bitrate different from fromKbps (${event.fromKbps}): a bitrate change must change the bitrate`,
    };
  }
  return undefined;
}

/** Event types that begin a play: their playId makes later play events of that play valid. */
export function startsPlay(event: StreamingEvent): event is Extract<StreamingEvent, { type: 'play_attempt' | 'play_start' }> {
  return event.type === 'play_attempt' || event.type === 'play_start';
}

/** Event types that belong to a play that must have been started (attempted) before. */
export function needsStartedPlay(event: StreamingEvent): event is Extract<StreamingEvent, { type: 'play_end' | 'rebuffer' | 'bitrate_change' | 'play_abandon' }> {
  return event.type === 'play_end' || event.type === 'rebuffer' || event.type === 'bitrate_change' || event.type === 'play_abandon';
}

export function unknownPlay(event: { type: string; playId: string }, playTtlMs: number): RuleFailure {
  return {
    reasonClass: 'unknown_play',
    field: 'playId',
    reason: `playId: expected the id of a play_attempt or play_start from this batch or the last ${formatSpan(playTtlMs)}, got ${JSON.stringify(event.playId)} (a ${event.type} needs its play to have been started)`,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** 90061000 -> "25 h 1 min"; short and exact enough for a message. */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${Math.round(abs / 100) / 10} s`;
  const minutes = Math.floor(abs / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
