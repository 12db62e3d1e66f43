import type { StreamingEvent } from '../../common/events/schema';
import { EVENT_SCHEMA_VERSION } from '../../common/events/schema';
import { REFERENCE_USD_RATES } from '../../common/exchange-rates';
import { cumulativeWeights, type Rng } from '../../common/synthetic/rng';
import {
  AD_BREAK_EVERY_MS,
  AD_FORMATS_MIX,
  BITRATE_LADDER,
  contentWeights,
  dipsPerMinute,
  midPlayFailuresPerMinute,
  outcomes,
  PATIENCE_MEDIAN_S,
  PATIENCE_SIGMA,
  playsPerSession,
  recommendedShare,
  recoveredErrorsPerMinute,
  rungWeights,
  skipWindowMs,
  STALL_MEDIAN_S,
  STALL_SIGMA,
  startFailureProbability,
  startupMedianS,
  STARTUP_SIGMA,
  stallsPerMinute,
  type PlayContext,
} from '../model/behaviour';
import { pickItem, type PlayableType } from '../model/catalogue';
import type { EventContext, IncidentSet } from '../model/incidents';
import type { Network, Segment } from '../model/population';
import { isoTime } from './iso-time';

/**
 * One listening session as a lazy stream of events in time order: session_start, then play by
 * play (attempt, start or failure or abandon, stalls, bitrate dips, recovered errors, end, ad
 * breaks for free listeners), then session_end. A play's events are made when the previous play
 * is done, so a session in flight costs one small buffer, however long it runs.
 */

export interface SessionSpec {
  segment: Segment;
  /** user number inside the segment */
  user: number;
  sessionId: string;
  startMs: number;
  network: Network;
  appVersion: string;
}

type Envelope = Omit<StreamingEvent & { type: 'session_start' }, 'type' | 'id' | 'time'>;

const CONTENT_TYPES: readonly PlayableType[] = ['music', 'podcast', 'audiobook'];
const CONTENT_CUMULATIVE = {
  premium: cumulativeWeights(CONTENT_TYPES.map((t) => contentWeights(true)[t])),
  free: cumulativeWeights(CONTENT_TYPES.map((t) => contentWeights(false)[t])),
};
const AD_CUMULATIVE = cumulativeWeights(AD_FORMATS_MIX.map(([, share]) => share));
const FATAL_CODES = ['NETWORK_TIMEOUT', 'CDN_HTTP_5XX', 'DECODER_ERROR', 'DRM_LICENSE_FAILED'] as const;
const RECOVERED_CODES = ['SEGMENT_RETRY', 'NETWORK_TIMEOUT', 'BUFFER_UNDERRUN'] as const;
const MAX_STALL_MS = 60_000;
const MAX_DIPS = 6;

export class SessionRun {
  /** time of the next event; Infinity when the session is over */
  nextMs: number;
  order?: number;
  /** the current play's events, in time order */
  private readonly pending: Array<{ timeMs: number; event: StreamingEvent }> = [];
  private readonly envelope: Envelope;
  private readonly content: PlayableType;
  private readonly plays: number;
  private readonly context: EventContext;
  private playIndex = 0;
  private seq = 0;
  /** end of the last thing that happened (play end, ad), where the next play begins */
  private cursorMs: number;
  private sinceAdMs = 0;
  private ended = false;

  constructor(
    readonly spec: SessionSpec,
    private readonly rng: Rng,
    private readonly incidents: IncidentSet,
  ) {
    const { segment } = spec;
    this.content = CONTENT_TYPES[rng.pick(segment.tier === 'premium' ? CONTENT_CUMULATIVE.premium : CONTENT_CUMULATIVE.free)]!;
    this.plays = rng.geometric(playsPerSession(segment.platform, this.content));
    this.envelope = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      userId: userId(segment, spec.user),
      sessionId: spec.sessionId,
      market: segment.market.code,
      platform: segment.platform.platform,
      appVersion: spec.appVersion,
      tier: segment.tier,
      contentType: this.content,
      fromRecommendation: false,
    };
    this.context = {
      market: segment.market.code,
      platform: segment.platform.platform,
      tier: segment.tier,
      contentType: this.content,
      appVersion: spec.appVersion,
      network: spec.network,
    };
    this.push({ type: 'session_start' }, spec.startMs);
    this.cursorMs = spec.startMs + rng.uniform(500, 5000);
    this.nextMs = this.pending[0]!.timeMs;
  }

  /** Context for scope matching of this session's events. */
  get eventContext(): EventContext {
    return this.context;
  }

  /** The next event in time order, or undefined when the session has ended. */
  next(): StreamingEvent | undefined {
    const item = this.pending.shift();
    // The following play is made now, so nextMs is always the true time of the next event and
    // the engine's heap keeps every session in its place.
    if (this.pending.length === 0) this.refill();
    this.nextMs = this.pending.length > 0 ? this.pending[0]!.timeMs : Infinity;
    return item?.event;
  }

  private refill(): void {
    if (this.ended) return;
    if (this.playIndex < this.plays) {
      this.play();
      this.playIndex++;
      return;
    }
    const endMs = this.cursorMs + this.rng.uniform(1000, 20_000);
    this.push({ type: 'session_end', durationMs: Math.round(endMs - this.spec.startMs) }, endMs);
    this.ended = true;
  }

  private push(body: Record<string, unknown>, timeMs: number, fromRecommendation = false): void {
    // One literal with every envelope field: this runs for every event, and spreading the
    // envelope object made it the generator's hot spot.
    const e = this.envelope;
    const at = Math.round(timeMs);
    const event = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      id: `${this.spec.sessionId}-${this.seq++}`,
      time: isoTime(at),
      userId: e.userId,
      sessionId: e.sessionId,
      market: e.market,
      platform: e.platform,
      appVersion: e.appVersion,
      tier: e.tier,
      contentType: e.contentType,
      fromRecommendation,
      ...body,
    } as StreamingEvent;
    this.pending.push({ timeMs: at, event });
  }

  private play(): void {
    const { rng, spec } = this;
    const { segment } = spec;
    const attemptMs = this.cursorMs;
    const effects = this.incidents.effectsAt(attemptMs, this.context);
    const recommended = rng.chance(recommendedShare(segment.market, this.content, effects));
    const context: PlayContext = {
      market: segment.market,
      platform: segment.platform,
      premium: segment.tier === 'premium',
      network: spec.network,
      content: this.content,
      recommended,
      effects,
    };
    const item = pickItem(rng, this.content, recommended);
    const playId = `${spec.sessionId}-p${this.playIndex}`;
    const at = (body: Record<string, unknown>, timeMs: number) => this.push(body, timeMs, recommended);

    at({ type: 'play_attempt', playId, trackId: item.id }, attemptMs);
    if (rng.chance(startFailureProbability(context))) {
      const failMs = attemptMs + rng.uniform(300, 4000);
      at({ type: 'playback_error', playId, code: FATAL_CODES[rng.int(FATAL_CODES.length)], fatal: true }, failMs);
      this.cursorMs = failMs + rng.uniform(1000, 5000);
      return;
    }
    const startupMs = Math.min(59_000, rng.logNormal(startupMedianS(context), STARTUP_SIGMA) * 1000);
    const patienceMs = rng.logNormal(PATIENCE_MEDIAN_S, PATIENCE_SIGMA) * 1000;
    if (startupMs > patienceMs) {
      at({ type: 'play_abandon', playId, waitedMs: Math.round(patienceMs) }, attemptMs + patienceMs);
      this.cursorMs = attemptMs + patienceMs + rng.uniform(500, 3000);
      return;
    }
    const rungs = rungWeights(context);
    const rung = rng.pick(cumulativeWeights(rungs));
    const kbps = BITRATE_LADDER[rung]!;
    const audioStartMs = attemptMs + startupMs;
    at({ type: 'play_start', playId, trackId: item.id, startupMs: Math.round(startupMs), bitrateKbps: kbps }, audioStartMs);

    // How the play ends and after how much audio.
    const { skip, stop } = outcomes(context);
    const u = rng.next();
    let reason: 'completed' | 'skipped' | 'user_stop' | 'error' = u < skip ? 'skipped' : u < skip + stop ? 'user_stop' : 'completed';
    let playedMs =
      reason === 'skipped'
        ? Math.min(item.lengthMs, rng.uniform(...skipWindowMs(this.content)))
        : reason === 'user_stop'
          ? item.lengthMs * rng.uniform(0.05, 0.95)
          : item.lengthMs;
    const failRate = midPlayFailuresPerMinute(context);
    const failAfterMs = failRate > 0 ? rng.exponential(60_000 / failRate) : Infinity;
    if (failAfterMs < playedMs) {
      reason = 'error';
      playedMs = failAfterMs;
    }
    const minutes = playedMs / 60_000;

    // Stalls: positions in audio time; each one pushes everything after it later in wall time.
    const stalls: Array<{ atMs: number; durationMs: number }> = [];
    const stallCount = rng.poisson(stallsPerMinute(context) * minutes);
    for (let i = 0; i < stallCount; i++) {
      stalls.push({ atMs: rng.uniform(0, playedMs), durationMs: Math.min(MAX_STALL_MS, rng.logNormal(STALL_MEDIAN_S, STALL_SIGMA) * 1000) });
    }
    stalls.sort((a, b) => a.atMs - b.atMs);
    const wall = (audioMs: number) => {
      let extra = 0;
      for (const stall of stalls) {
        if (stall.atMs >= audioMs) break;
        extra += stall.durationMs;
      }
      return audioStartMs + audioMs + extra;
    };
    for (const stall of stalls) {
      at({ type: 'rebuffer', playId, durationMs: Math.round(stall.durationMs) }, wall(stall.atMs) + stall.durationMs);
    }

    // Bitrate dips: down one rung, back up 10-40 s later (if the play lasts).
    let dippedMs = 0;
    if (rung > 0) {
      const lower = BITRATE_LADDER[rung - 1]!;
      const dips = Math.min(MAX_DIPS, rng.poisson(dipsPerMinute(context) * minutes));
      for (let i = 0; i < dips; i++) {
        const downMs = rng.uniform(0, playedMs);
        const upMs = downMs + rng.uniform(10_000, 40_000);
        at({ type: 'bitrate_change', playId, fromKbps: kbps, toKbps: lower, cause: 'network' }, wall(downMs));
        if (upMs < playedMs) at({ type: 'bitrate_change', playId, fromKbps: lower, toKbps: kbps, cause: 'network' }, wall(upMs));
        dippedMs += Math.min(upMs, playedMs) - downMs;
      }
    }
    const dipShare = playedMs > 0 ? Math.min(1, dippedMs / playedMs) : 0;
    const averageKbps = rung > 0 ? kbps - (kbps - BITRATE_LADDER[rung - 1]!) * dipShare : kbps;

    const recovered = rng.poisson(recoveredErrorsPerMinute(context) * minutes);
    for (let i = 0; i < recovered; i++) {
      at({ type: 'playback_error', playId, code: RECOVERED_CODES[rng.int(RECOVERED_CODES.length)], fatal: false }, wall(rng.uniform(0, playedMs)));
    }
    const endMs = wall(playedMs);
    if (reason === 'error') at({ type: 'playback_error', playId, code: FATAL_CODES[rng.int(FATAL_CODES.length)], fatal: true }, endMs);
    at({ type: 'play_end', playId, msPlayed: Math.round(playedMs), reason, averageBitrateKbps: Math.round(averageKbps * 10) / 10 }, endMs + 1);
    this.pending.sort((a, b) => a.timeMs - b.timeMs);
    this.cursorMs = endMs + 1 + rng.uniform(300, 3000);
    if (segment.tier === 'free') this.adBreak(playedMs);
  }

  /** Free listening: an ad break of one or two ads once enough audio has played. */
  private adBreak(playedMs: number): void {
    this.sinceAdMs += playedMs;
    if (this.sinceAdMs < AD_BREAK_EVERY_MS) return;
    this.sinceAdMs = 0;
    const { market } = this.spec.segment;
    const usdPerUnit = REFERENCE_USD_RATES[market.currency as keyof typeof REFERENCE_USD_RATES] ?? 1;
    const ads = this.rng.chance(0.3) ? 2 : 1;
    for (let i = 0; i < ads; i++) {
      const [format, , priceFactor] = AD_FORMATS_MIX[this.rng.pick(AD_CUMULATIVE)]!;
      const revenue = (market.ecpmUsd * priceFactor) / 1000 / usdPerUnit;
      this.push(
        { type: 'ad_impression', adId: `ad-${this.rng.int(5000)}`, format, revenue: Math.round(revenue * 1e6) / 1e6, currency: market.currency },
        this.cursorMs,
      );
      this.cursorMs += 30_000;
    }
  }
}

export function userId(segment: Segment, user: number): string {
  return `u-${segment.market.code}-${segment.platform.platform}-${segment.tier}-${user}`;
}
