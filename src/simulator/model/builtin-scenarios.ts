import calm from '../scenarios/calm.json';
import live from '../scenarios/live.json';
import mixed from '../scenarios/mixed.json';
import obvious from '../scenarios/obvious.json';
import subtle from '../scenarios/subtle.json';
import { scenarioSchema, type Scenario } from './scenario';

/**
 * The scenarios that ship with the simulator (src/simulator/scenarios/*.json), from obvious to
 * subtle. They are ordinary scenario files: copy one to start your own.
 */
export const BUILTIN_SCENARIOS: ReadonlyMap<string, Scenario> = new Map(
  [calm, obvious, mixed, subtle, live].map((file) => {
    const scenario = scenarioSchema.parse(file);
    return [scenario.name, scenario];
  }),
);
