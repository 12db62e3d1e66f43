import type { StreamingEvent } from '../../common/events/schema';
import { currencyLabel, marketLabel } from '../../common/events/vocabulary';
import { STREAM_THRESHOLD_MS, type StreamingMetricKey } from '../../common/streaming-metrics';

/**
 * What one accepted event adds to the streaming metrics: pure, shared by the live collector
 * (prom-client registry) and the simulator's backfill (timestamped OpenMetrics), so both produce
 * the same series from the same events.
 */

export type Labels = Record<string, string>;

export interface MetricSink {
  /** counters */
  inc(metric: StreamingMetricKey, labels: Labels, value?: number): void;
  /** histograms */
  observe(metric: StreamingMetricKey, labels: Labels, value: number): void;
}

export function aggregateEvent(event: StreamingEvent, sink: MetricSink): void {
  const audience = { market: marketLabel(event.market), platform: event.platform, tier: event.tier };
  const content = { ...audience, content_type: event.contentType, recommended: String(event.fromRecommendation) };
  switch (event.type) {
    case 'session_start':
      sink.inc('sessionsStarted', audience);
      return;
    case 'session_end':
      sink.inc('sessionsEnded', audience);
      sink.observe('sessionDuration', audience, event.durationMs / 1000);
      return;
    case 'play_attempt':
      sink.inc('playAttempts', content);
      return;
    case 'play_start':
      sink.inc('playStarts', content);
      sink.observe('startupTime', audience, event.startupMs / 1000);
      return;
    case 'play_abandon':
      sink.inc('playAbandons', audience);
      return;
    case 'playback_error':
      sink.inc('playbackErrors', { ...audience, fatal: String(event.fatal) });
      return;
    case 'rebuffer':
      sink.inc('rebuffers', audience);
      sink.inc('rebufferTime', audience, event.durationMs / 1000);
      sink.observe('rebufferDuration', { market: audience.market, platform: audience.platform }, event.durationMs / 1000);
      return;
    case 'bitrate_change': {
      if (event.toKbps === event.fromKbps) return;
      const direction = event.toKbps > event.fromKbps ? 'up' : 'down';
      sink.inc('bitrateChanges', { ...audience, direction, cause: event.cause });
      return;
    }
    case 'play_end': {
      const seconds = event.msPlayed / 1000;
      sink.inc('playTime', content, seconds);
      sink.inc('playEnds', { ...content, reason: event.reason });
      if (event.msPlayed >= STREAM_THRESHOLD_MS) sink.inc('streams', content);
      sink.inc('bitrateTime', audience, event.averageBitrateKbps * seconds);
      sink.observe('playBitrate', { market: audience.market, platform: audience.platform }, event.averageBitrateKbps);
      return;
    }
    case 'ad_impression':
      sink.inc('adImpressions', { ...audience, format: event.format });
      sink.inc('adRevenue', { market: audience.market, format: event.format, currency: currencyLabel(event.currency) }, event.revenue);
      return;
    case 'subscription':
      sink.inc('subscriptionEvents', { market: audience.market, plan: event.plan, action: event.action });
      if (event.amount !== undefined && event.amount > 0 && event.currency !== undefined) {
        sink.inc(
          'subscriptionRevenue',
          { market: audience.market, plan: event.plan, currency: currencyLabel(event.currency) },
          event.amount,
        );
      }
      return;
  }
}
