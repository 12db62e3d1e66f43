import { EVENT_TYPES, type StreamingEvent } from '../../common/events/schema';
import { MAX_ID_LENGTH } from '../../common/events/schema';
import { contentFingerprint } from './fingerprint';
import { FingerprintSet } from './fingerprint-set';
import { RecentFingerprints, RecentIds } from './recent';
import { checkConsistency, checkTime, needsStartedPlay, startsPlay, unknownPlay, type RejectionReason, type RuleFailure, type TimeBounds } from './rules';
import { validateEvent } from './validate';

/**
 * Judges the items of one batch: schema, business rules, duplicates, play state. Synchronous, so
 * two batches never interleave and the dedupe and play memories stay consistent. One bad event
 * never affects its neighbours; an id counts as taken only once an event with it was accepted, so
 * a corrected resend of a rejected event is accepted.
 *
 * A duplicate is an event whose id was accepted, or whose content was (fingerprint.ts: a client
 * replaying its queue under fresh ids). Both are dropped and reported as resent, so the KPIs count
 * each event once and the quality check on resends still sees the client misbehave.
 */

export interface Rejection {
  /** 0-based position in the batch */
  index: number;
  /** NDJSON: 1-based line */
  line?: number;
  /** the event's id when it has a readable one */
  id?: string;
  field: string;
  reason: string;
}

export type EventTypeLabel = (typeof EVENT_TYPES)[number] | 'unknown';

export interface BatchResult {
  accepted: number;
  rejected: number;
  duplicate: number;
  /** of the duplicates, those with a new id and the content of an accepted event */
  duplicateContent: number;
  rejections: Rejection[];
  /** for the self-metrics: per event type, how many of each outcome */
  byType: Map<EventTypeLabel, { accepted: number; rejected: number; duplicate: number }>;
  byReason: Map<RejectionReason, number>;
  /** latest event time accepted in this batch (ms), for the freshness gauge */
  latestAcceptedMs?: number;
}

export interface IngestOptions extends TimeBounds {
  dedupeTtlMs: number;
  dedupeMaxIds: number;
  playTtlMs: number;
  playMaxIds: number;
}

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

/** What becomes of the valid events: each accepted one, and each resend of an accepted id (dropped). */
export interface IngestListener {
  accepted(event: StreamingEvent, timeMs: number): void;
  resent?(event: StreamingEvent): void;
}

export class Ingest {
  readonly seenIds: RecentIds;
  /** content fingerprints of the accepted events, added and expired with their ids */
  readonly seenContent: RecentFingerprints;
  readonly startedPlays: RecentIds;

  constructor(
    private readonly options: IngestOptions,
    private readonly listener: IngestListener,
    nowMs: number,
  ) {
    this.seenIds = new RecentIds(options.dedupeTtlMs, options.dedupeMaxIds, nowMs);
    this.seenContent = new RecentFingerprints(options.dedupeTtlMs, options.dedupeMaxIds, nowMs);
    this.startedPlays = new RecentIds(options.playTtlMs, options.playMaxIds, nowMs);
  }

  process(items: readonly unknown[], nowMs: number, lines?: readonly number[]): BatchResult {
    const result: BatchResult = { accepted: 0, rejected: 0, duplicate: 0, duplicateContent: 0, rejections: [], byType: new Map(), byReason: new Map() };
    const tally = (type: EventTypeLabel, outcome: 'accepted' | 'rejected' | 'duplicate') => {
      let counts = result.byType.get(type);
      if (!counts) result.byType.set(type, (counts = { accepted: 0, rejected: 0, duplicate: 0 }));
      counts[outcome]++;
      result[outcome]++;
    };
    const reject = (index: number, item: unknown, failure: RuleFailure, type: EventTypeLabel) => {
      const rejection: Rejection = { index, field: failure.field, reason: failure.reason };
      if (lines) rejection.line = lines[index];
      const id = readableId(item);
      if (id !== undefined) rejection.id = id;
      result.rejections.push(rejection);
      result.byReason.set(failure.reasonClass, (result.byReason.get(failure.reasonClass) ?? 0) + 1);
      tally(type, 'rejected');
    };

    // Pass 1: rules that need only the event and the clock.
    const candidates: Array<{ index: number; event: StreamingEvent; timeMs: number } | undefined> = new Array(items.length);
    const playsInBatch = new Set<string>();
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      const validation = validateEvent(item);
      if (!validation.ok) {
        reject(index, item, { reasonClass: 'schema', field: validation.field, reason: validation.reason }, typeOf(item));
        continue;
      }
      const event = validation.event;
      const timeMs = Date.parse(event.time);
      const failure = checkTime(timeMs, nowMs, this.options) ?? checkConsistency(event);
      if (failure) {
        reject(index, item, failure, event.type);
        continue;
      }
      candidates[index] = { index, event, timeMs };
      // A play's events may arrive in any order inside one batch (the start after the end).
      if (startsPlay(event)) playsInBatch.add(event.playId);
    }

    // Pass 2, in order: duplicates, then play state, then accept.
    // The batch's own sets as well, as a memory's generation may turn over within the batch.
    const acceptedIds = new Set<string>();
    const acceptedContent = new FingerprintSet(items.length);
    for (const candidate of candidates) {
      if (candidate === undefined) continue;
      const { index, event, timeMs } = candidate;
      const sameId = acceptedIds.has(event.id) || this.seenIds.has(event.id, nowMs);
      const content = contentFingerprint(event, timeMs);
      if (sameId || acceptedContent.has(content) || this.seenContent.has(content, nowMs)) {
        tally(event.type, 'duplicate');
        if (!sameId) result.duplicateContent++;
        this.listener.resent?.(event);
        continue;
      }
      if (needsStartedPlay(event) && !playsInBatch.has(event.playId) && !this.startedPlays.has(event.playId, nowMs)) {
        reject(index, items[index], unknownPlay(event, this.options.playTtlMs), event.type);
        continue;
      }
      acceptedIds.add(event.id);
      acceptedContent.add(content);
      this.seenIds.add(event.id, nowMs);
      this.seenContent.add(content, nowMs);
      if (startsPlay(event)) this.startedPlays.add(event.playId, nowMs);
      if (result.latestAcceptedMs === undefined || timeMs > result.latestAcceptedMs) result.latestAcceptedMs = timeMs;
      this.listener.accepted(event, timeMs);
      tally(event.type, 'accepted');
    }
    result.rejections.sort((a, b) => a.index - b.index);
    return result;
  }
}

function readableId(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : undefined;
}

function typeOf(item: unknown): EventTypeLabel {
  if (typeof item !== 'object' || item === null) return 'unknown';
  const type = (item as { type?: unknown }).type;
  return typeof type === 'string' && KNOWN_TYPES.has(type) ? (type as EventTypeLabel) : 'unknown';
}
