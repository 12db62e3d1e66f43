import type { StreamingEvent } from '../../common/events/schema';
import { currencyLabel, marketLabel, PAID_SUBSCRIPTION_ACTIONS } from '../../common/events/vocabulary';
import { STREAM_THRESHOLD_MS, type StreamingMetricKey } from '../../common/streaming-metrics';
import type { IngestListener } from '../ingest/batch';
import type { ActiveUsers } from './active-users';

/**
 * What one accepted event adds to the streaming metrics: pure, shared by the live collector
 * (prom-client registry) and the simulator's backfill (timestamped OpenMetrics), so both produce
 * the same series from the same events.
 */

export type Labels = Record<string, string>;

/**
 * A series key from label values in insertion order: aggregateEvent() always builds a metric's
 * labels in the same order, so values alone identify the series (and are cheaper than sorting).
 */
export function labelKey(labels: Labels): string {
  let key = '';
  for (const name in labels) key += `${labels[name]}\u0000`;
  return key;
}

export interface MetricSink {
  /** counters */
  inc(metric: StreamingMetricKey, labels: Labels, value?: number): void;
  /** histograms */
  observe(metric: StreamingMetricKey, labels: Labels, value: number): void;
}

export function aggregateEvent(event: StreamingEvent, sink: MetricSink): void {
  // Label objects are written out as literals, never spread from a shared base or built by a
  // helper closure: this runs for every accepted event (100k/s per core), and literals keep V8 on
  // one object shape per metric without allocating a function per event.
  const market = marketLabel(event.market);
  const { platform, tier } = event;
  switch (event.type) {
    case 'session_start':
      sink.inc('sessionsStarted', { market, platform, tier });
      return;
    case 'session_end':
      sink.inc('sessionsEnded', { market, platform, tier });
      sink.observe('sessionDuration', { market, platform, tier }, event.durationMs / 1000);
      return;
    case 'play_attempt':
      sink.inc('playAttempts', { market, platform, tier, content_type: event.contentType, recommended: recommendedLabel(event) });
      return;
    case 'play_start':
      sink.inc('playStarts', { market, platform, tier, content_type: event.contentType, recommended: recommendedLabel(event) });
      sink.observe('startupTime', { market, platform, tier }, event.startupMs / 1000);
      return;
    case 'play_abandon':
      sink.inc('playAbandons', { market, platform, tier });
      return;
    case 'playback_error':
      sink.inc('playbackErrors', { market, platform, tier, fatal: event.fatal ? 'true' : 'false' });
      return;
    case 'rebuffer': {
      const labels = { market, platform, tier };
      sink.inc('rebuffers', labels);
      sink.inc('rebufferTime', labels, event.durationMs / 1000);
      sink.observe('rebufferDuration', { market, platform }, event.durationMs / 1000);
      return;
    }
    case 'bitrate_change': {
      if (event.toKbps === event.fromKbps) return;
      const direction = event.toKbps > event.fromKbps ? 'up' : 'down';
      sink.inc('bitrateChanges', { market, platform, tier, direction, cause: event.cause });
      return;
    }
    case 'play_end': {
      const seconds = event.msPlayed / 1000;
      const recommended = recommendedLabel(event);
      const labels = { market, platform, tier, content_type: event.contentType, recommended };
      sink.inc('playTime', labels, seconds);
      sink.inc('playEnds', { market, platform, tier, content_type: event.contentType, recommended, reason: event.reason });
      if (event.msPlayed >= STREAM_THRESHOLD_MS) sink.inc('streams', labels);
      sink.inc('bitrateTime', { market, platform, tier }, event.averageBitrateKbps * seconds);
      sink.observe('playBitrate', { market, platform }, event.averageBitrateKbps);
      return;
    }
    case 'ad_impression':
      sink.inc('adImpressions', { market, platform, tier, format: event.format });
      sink.inc('adRevenue', { market, format: event.format, currency: currencyLabel(event.currency) }, event.revenue);
      return;
    case 'subscription':
      sink.inc('subscriptionEvents', { market, plan: event.plan, action: event.action });
      // Only payments are revenue: an amount on a trial start or a cancellation (the schema allows
      // one, e.g. the price quoted) must not count.
      if (PAID_SUBSCRIPTION_ACTIONS.includes(event.action) && event.amount !== undefined && event.amount > 0 && event.currency !== undefined) {
        sink.inc('subscriptionRevenue', { market, plan: event.plan, currency: currencyLabel(event.currency) }, event.amount);
      }
      return;
  }
}

function recommendedLabel(event: { fromRecommendation: boolean }): 'true' | 'false' {
  return event.fromRecommendation ? 'true' : 'false';
}

/**
 * Everything a valid event changes: an accepted one its metric increments and the active-user
 * count, a resent one (an id already accepted) only the received count. The collector, the
 * simulator's backfill and its in-process model all listen to their Ingest with this, so all
 * three count the same way.
 */
export function streamingRecorder(sink: MetricSink, activeUsers: ActiveUsers): Required<IngestListener> {
  return {
    accepted(event, timeMs) {
      aggregateEvent(event, sink);
      const market = marketLabel(event.market);
      sink.inc('eventsReceived', { market, platform: event.platform, tier: event.tier, outcome: 'accepted' });
      activeUsers.see(event.userId, { market, tier: event.tier }, timeMs);
    },
    resent(event) {
      sink.inc('eventsReceived', { market: marketLabel(event.market), platform: event.platform, tier: event.tier, outcome: 'resent' });
    },
  };
}
