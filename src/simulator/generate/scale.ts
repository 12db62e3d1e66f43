import { cumulativeWeights, Rng } from '../../common/synthetic/rng';
import { BILLING, sessionRate } from '../model/behaviour';
import { IncidentSet } from '../model/incidents';
import { NETWORKS, networkWeights, segments } from '../model/population';
import { SessionRun } from './session';

/**
 * From a target event rate to a population size. Events per session differ by device and tier
 * (plays per session, ads for free listeners), so they are measured on sample sessions of every
 * segment; the session rate follows from segment sizes and the devices' rhythm.
 */

const REFERENCE_USERS = 1_000_000;
const SAMPLE_SESSIONS_PER_SEGMENT = 100;

/** Mean events per session of each segment, from sample sessions (deterministic). */
function eventsPerSession(): number[] {
  const noIncidents = new IncidentSet([]);
  return segments(REFERENCE_USERS).map((segment) => {
    let events = 0;
    const networks = cumulativeWeights(networkWeights(segment));
    for (let k = 0; k < SAMPLE_SESSIONS_PER_SEGMENT; k++) {
      const rng = new Rng(0x5ca1e, segment.index, k);
      const network = NETWORKS[rng.pick(networks)]!;
      const run = new SessionRun(
        { segment, user: k, sessionId: `scale-${segment.index}-${k}`, startMs: 0, network, appVersion: segment.platform.versions[0]![0] },
        rng,
        noIncidents,
      );
      while (run.next()) events++;
    }
    return events / SAMPLE_SESSIONS_PER_SEGMENT;
  });
}

let cached: number[] | undefined;

/**
 * Events per second of `users` people: at `timeMs` (with that moment's daily rhythm), or the
 * weekly average when no time is given.
 */
export function expectedEventRate(users: number, timeMs?: number): number {
  cached ??= eventsPerSession();
  const perSession = cached;
  let total = 0;
  for (const segment of segments(REFERENCE_USERS)) {
    const sessions = sessionRate(segment, timeMs);
    const billingPerDay = segment.tier === 'premium' ? BILLING.renewalsPerPremiumDay + BILLING.cancellationsPerPremiumDay : BILLING.trialsPerFreeDay + BILLING.conversionsPerFreeDay;
    total += sessions * perSession[segment.index]! + (segment.users * billingPerDay) / 86_400;
  }
  return (total * users) / REFERENCE_USERS;
}

/** The population that makes `eventsPerSecond` (now, or on weekly average). */
export function usersForRate(eventsPerSecond: number, timeMs?: number): number {
  if (!(eventsPerSecond > 0)) throw new RangeError(`rate: expected events per second above 0, got ${eventsPerSecond}`);
  return Math.max(1000, Math.round((REFERENCE_USERS * eventsPerSecond) / expectedEventRate(REFERENCE_USERS, timeMs)));
}
