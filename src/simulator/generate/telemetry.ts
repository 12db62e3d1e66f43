import type { StreamingEvent } from '../../common/events/schema';
import { stringHash, unit } from '../../common/synthetic/hash';
import type { IncidentSet } from '../model/incidents';
import type { EmittedEvent } from './engine';

/**
 * Between what happened and what the collector hears: telemetry incidents act here. A telemetry
 * gap loses the event; a duplicate sender sends it twice, with the same id or, for a client that
 * replays its queue, with a fresh id (the collector drops the copy either way: by its id, or by
 * its content). Live mode and backfill
 * both pass every event through this, so both lose and duplicate the same ones.
 */
export function deliver(out: EmittedEvent, incidents: IncidentSet): StreamingEvent[] {
  if (incidents.empty) return [out.event];
  const effects = incidents.effectsAt(out.timeMs, out.context);
  if (effects.drop) return [];
  if (effects.duplicateFraction <= 0) return [out.event];
  // Which events are duplicated is a function of the event id, so it is the same in every mode.
  if (unit(stringHash(out.event.id)) >= effects.duplicateFraction) return [out.event];
  return [out.event, effects.duplicateNewIds ? { ...out.event, id: `${out.event.id}-resent` } : out.event];
}
