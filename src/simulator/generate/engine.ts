import type { StreamingEvent } from '../../common/events/schema';
import { EVENT_SCHEMA_VERSION } from '../../common/events/schema';
import { hash3, mix32, seedHash, unit } from '../../common/synthetic/hash';
import { BILLING_DAY } from '../../common/synthetic/rhythms';
import { Rng, cumulativeWeights } from '../../common/synthetic/rng';
import { buildDailyTable, dailyAt } from '../../common/synthetic/seasonality';
import { BILLING, sessionRate } from '../model/behaviour';
import type { EventContext, IncidentSet } from '../model/incidents';
import { NETWORKS, networkWeights, PLAN_MIX, segments, type Network, type Segment } from '../model/population';
import { isoTime } from './iso-time';
import { SessionRun, userId } from './session';

/**
 * The population over time: sessions arrive per segment and tick (a Poisson count from the
 * segment's size, its devices' daily rhythm and any traffic incident), billing events per minute
 * in local business hours, and every event comes out in time order through `advance()`.
 *
 * Everything random is keyed by (seed, tick, segment, arrival), never by what came before, so a
 * run is reproducible for its seed and two runs over overlapping windows agree where they
 * overlap: live mode and backfill make the same events.
 */

export const SESSION_TICK_MS = 5_000;
export const BILLING_TICK_MS = 60_000;

export interface SimulationOptions {
  seed: number;
  users: number;
  /** first instant simulated: sessions and billing start from here */
  startMs: number;
  incidents: IncidentSet;
  /**
   * Simulate only these markets. The events of the markets kept are exactly those of the whole
   * population (randomness is keyed by segment), so a prediction for one market need not pay for
   * the others.
   */
  markets?: readonly string[];
}

/** One event on its way out, with what the sender needs to know about it. */
export interface EmittedEvent {
  event: StreamingEvent;
  timeMs: number;
  context: EventContext;
}

interface Run {
  nextMs: number;
  /** spawn order: breaks ties between runs with the same nextMs, the same way in every run */
  order?: number;
  next(): StreamingEvent | undefined;
  readonly eventContext: EventContext;
}

/** A billing event is a run of one event. */
class SingleEvent implements Run {
  order?: number;
  constructor(
    private event: StreamingEvent | undefined,
    public nextMs: number,
    readonly eventContext: EventContext,
  ) {}
  next(): StreamingEvent | undefined {
    const event = this.event;
    this.event = undefined;
    this.nextMs = Infinity;
    return event;
  }
}

const BILLING_ACTIONS = [
  { key: 1, tier: 'premium', perDay: BILLING.renewalsPerPremiumDay, action: 'renewal' },
  { key: 2, tier: 'premium', perDay: BILLING.cancellationsPerPremiumDay, action: 'cancellation' },
  { key: 3, tier: 'free', perDay: BILLING.trialsPerFreeDay, action: 'trial_start' },
  { key: 4, tier: 'free', perDay: BILLING.conversionsPerFreeDay, action: 'conversion' },
] as const;
const PLAN_CUMULATIVE = cumulativeWeights(PLAN_MIX.map(([, share]) => share));

export class Simulation {
  readonly segments: Segment[];
  private readonly seedKey: number;
  private readonly billingDay = buildDailyTable(BILLING_DAY);
  private readonly heap = new RunHeap();
  private spawned = 0;
  private nextSessionTick: number;
  private nextBillingTick: number;
  private readonly versionCumulative = new Map<string, Float64Array>();
  private readonly networkCumulative = new Map<string, Float64Array>();

  constructor(private readonly options: SimulationOptions) {
    if (!(options.users >= 1)) throw new RangeError(`users: expected at least 1, got ${options.users}`);
    const markets = options.markets;
    this.segments = segments(options.users).filter((segment) => !markets || markets.includes(segment.market.code));
    this.seedKey = seedHash(options.seed);
    this.nextSessionTick = Math.ceil(options.startMs / SESSION_TICK_MS);
    this.nextBillingTick = Math.ceil(options.startMs / BILLING_TICK_MS);
    for (const segment of this.segments) {
      const platform = segment.platform.platform;
      if (!this.versionCumulative.has(platform)) this.versionCumulative.set(platform, cumulativeWeights(segment.platform.versions.map(([, share]) => share)));
      const networkKey = `${segment.market.code}/${platform}`;
      if (!this.networkCumulative.has(networkKey)) this.networkCumulative.set(networkKey, cumulativeWeights(networkWeights(segment)));
    }
  }

  /** Emits, in time order, every event before `untilMs` that was not emitted yet. */
  advance(untilMs: number, emit: (out: EmittedEvent) => void): void {
    while (this.nextSessionTick * SESSION_TICK_MS < untilMs) this.spawnSessions(this.nextSessionTick++);
    while (this.nextBillingTick * BILLING_TICK_MS < untilMs) this.spawnBilling(this.nextBillingTick++);
    for (;;) {
      const run = this.heap.peek();
      if (!run || run.nextMs >= untilMs) return;
      const event = run.next();
      if (run.nextMs === Infinity) this.heap.pop();
      else this.heap.update();
      if (event) emit({ event, timeMs: Date.parse(event.time), context: run.eventContext });
    }
  }

  /** Sessions in flight (memory gauge, progress). */
  get inFlight(): number {
    return this.heap.size;
  }

  private spawnSessions(tick: number): void {
    const tickStart = tick * SESSION_TICK_MS;
    const { incidents, seed } = this.options;
    for (const segment of this.segments) {
      let mean = (sessionRate(segment, tickStart) * SESSION_TICK_MS) / 1000;
      if (!incidents.empty) {
        mean *= incidents.effectsAt(tickStart, { market: segment.market.code, platform: segment.platform.platform, tier: segment.tier }).trafficFactor;
      }
      const count = poissonFromHash(mean, this.seedKey, segment.index, tick);
      for (let k = 0; k < count; k++) {
        const rng = new Rng(seed, tick, segment.index, k);
        const user = rng.int(segment.users);
        const network = NETWORKS[rng.pick(this.networkCumulative.get(`${segment.market.code}/${segment.platform.platform}`)!)]! as Network;
        const run = new SessionRun(
          {
            segment,
            user,
            sessionId: `s${(seed >>> 0).toString(36)}-${tick.toString(36)}-${segment.index}-${k}`,
            startMs: tickStart + rng.uniform(0, SESSION_TICK_MS),
            network,
            appVersion: this.appVersion(segment, user),
          },
          rng,
          incidents,
        );
        run.order = this.spawned++;
        this.heap.push(run);
      }
    }
  }

  /** A user keeps their app version: it is a function of who they are, not of the session. */
  private appVersion(segment: Segment, user: number): string {
    const cumulative = this.versionCumulative.get(segment.platform.platform)!;
    const u = unit(hash3(this.seedKey ^ 0x7e51, segment.index, user)) * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (i < cumulative.length - 1 && cumulative[i]! <= u) i++;
    return segment.platform.versions[i]![0];
  }

  private spawnBilling(tick: number): void {
    const tickStart = tick * BILLING_TICK_MS;
    const { incidents, seed } = this.options;
    for (const segment of this.segments) {
      const shape = dailyAt(this.billingDay, segment.market.utcOffsetMinutes, tickStart);
      for (const action of BILLING_ACTIONS) {
        if (action.tier !== segment.tier) continue;
        const mean = (segment.users * action.perDay * shape * BILLING_TICK_MS) / 86_400_000;
        const count = poissonFromHash(mean, mix32(this.seedKey ^ action.key), segment.index, tick);
        for (let k = 0; k < count; k++) {
          const rng = new Rng(seed, tick, segment.index, k, action.key, 0xb111);
          const run = this.billingEvent(segment, action, rng, tickStart + rng.uniform(0, BILLING_TICK_MS), `b${(seed >>> 0).toString(36)}-${tick.toString(36)}-${segment.index}-${action.key}-${k}`, incidents);
          run.order = this.spawned++;
          this.heap.push(run);
        }
      }
    }
  }

  private billingEvent(
    segment: Segment,
    action: (typeof BILLING_ACTIONS)[number],
    rng: Rng,
    timeMs: number,
    id: string,
    incidents: IncidentSet,
  ): SingleEvent {
    const user = rng.int(segment.users);
    const appVersion = this.appVersion(segment, user);
    const context: EventContext = { market: segment.market.code, platform: segment.platform.platform, tier: segment.tier, contentType: 'none', appVersion };
    const [plan, , priceFactor] = PLAN_MIX[rng.pick(PLAN_CUMULATIVE)]!;
    const amount = Math.round(segment.market.individualPrice * priceFactor * 100) / 100;
    let type: string = action.action;
    let withAmount = false;
    if (action.action === 'renewal' || action.action === 'conversion') {
      const failure = Math.max(BILLING.paymentFailure, incidents.effectsAt(timeMs, context).paymentFailure);
      if (rng.chance(failure)) type = 'payment_failed';
      else withAmount = true;
    }
    const event = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      id,
      time: isoTime(Math.round(timeMs)),
      userId: userId(segment, user),
      sessionId: `billing-${id}`,
      market: segment.market.code,
      platform: segment.platform.platform,
      appVersion,
      // A conversion is the moment a free listener becomes a paying one.
      tier: action.action === 'conversion' && withAmount ? 'premium' : segment.tier,
      contentType: 'none',
      fromRecommendation: false,
      type: 'subscription',
      action: type,
      plan,
      ...(withAmount ? { amount, currency: segment.market.currency } : {}),
    } as StreamingEvent;
    return new SingleEvent(event, Math.round(timeMs), context);
  }
}

/** A Poisson count from hashes alone (no generator object per segment and tick: there are millions). */
function poissonFromHash(mean: number, key: number, a: number, tick: number): number {
  if (!(mean > 0)) return 0;
  const u = unit(hash3(key, a, tick));
  if (mean > 30) {
    // Normal approximation with a second uniform (Box-Muller); exact enough at these means.
    const v = unit(hash3(key ^ 0x51ed27, a, tick));
    const z = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  while (u > cumulative && k < 200) {
    k++;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

function before(a: Run, b: Run): boolean {
  return a.nextMs < b.nextMs || (a.nextMs === b.nextMs && (a.order ?? 0) < (b.order ?? 0));
}

/** Binary min-heap of runs by nextMs; the top run may change its key and be re-sifted. */
class RunHeap {
  private readonly items: Run[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Run | undefined {
    return this.items[0];
  }

  push(run: Run): void {
    const items = this.items;
    items.push(run);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(run, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = run;
  }

  pop(): Run | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** The top's key changed: move it down to its place. */
  update(): void {
    if (this.items.length > 1) this.siftDown(0);
  }

  private siftDown(start: number): void {
    const items = this.items;
    const run = items[start]!;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && before(items[right]!, items[left]!) ? right : left;
      if (!before(items[child]!, run)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = run;
  }
}
