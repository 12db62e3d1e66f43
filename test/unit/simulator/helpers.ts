import type { StreamingEvent } from '../../../src/common/events/schema';
import { Simulation } from '../../../src/simulator/generate/engine';
import { deliver } from '../../../src/simulator/generate/telemetry';
import { IncidentSet, type Incident } from '../../../src/simulator/model/incidents';

/** A Friday evening in Europe: every market has some traffic. */
export const T0 = Date.UTC(2026, 10, 20, 18, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface Run {
  events: StreamingEvent[];
  /** events as the collector would receive them (after telemetry incidents) */
  delivered: StreamingEvent[];
}

/** All events of a small population from `startMs` to `untilMs`. */
export function simulate(options: { seed?: number; users?: number; startMs?: number; untilMs: number; incidents?: Incident[]; markets?: string[] }): Run {
  const incidents = new IncidentSet(options.incidents ?? []);
  const simulation = new Simulation({
    seed: options.seed ?? 7,
    users: options.users ?? 20_000,
    startMs: options.startMs ?? T0,
    incidents,
    markets: options.markets,
  });
  const run: Run = { events: [], delivered: [] };
  simulation.advance(options.untilMs, (out) => {
    run.events.push(out.event);
    run.delivered.push(...deliver(out, incidents));
  });
  return run;
}

export function incident(partial: Partial<Incident> & Pick<Incident, 'type'>): Incident {
  return { id: `test-${partial.type}`, startMs: T0 + 30 * MINUTE, endMs: T0 + 90 * MINUTE, scope: {}, magnitude: 1, ...partial };
}
