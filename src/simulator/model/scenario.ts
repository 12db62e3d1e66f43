import { z } from 'zod';
import { formatDuration, parseDuration, describeIssues } from '../../common/validation';
import { INCIDENT_SPECS, INCIDENT_TYPES, movedKpis, SCOPE_LABELS, type Incident } from './incidents';

/**
 * Scenarios: which incidents happen when, as a JSON file or one of the built-ins. Times are
 * absolute (RFC 3339) or relative: `+2h` after the run starts, `-90m` before it ends (backfill
 * only: a live run has no end). `labels()` writes the ground truth a detector is scored against.
 */

const relativeOrAbsolute = z
  .string({ error: 'expected a time: RFC 3339 (2026-11-24T18:00:00Z), +DURATION after the start or -DURATION before the end' })
  .refine((text) => /^[+-]/.test(text) ? parseDuration(text.slice(1)) !== undefined : !Number.isNaN(Date.parse(text)), {
    error: 'expected a time: RFC 3339 (2026-11-24T18:00:00Z), +DURATION after the start or -DURATION before the end',
  });

const scopeValues = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a value or a list of values' });

export const incidentSpecSchema = z
  .object({
    id: z.string({ error: 'expected an incident id' }).regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected an id of letters, digits, _ . - (at most 64)' }),
    type: z.enum(INCIDENT_TYPES, { error: `expected one of ${INCIDENT_TYPES.join(', ')}` }),
    start: relativeOrAbsolute,
    duration: z.string({ error: 'expected a duration such as 45m' }).refine((text) => (parseDuration(text) ?? 0) > 0, { error: 'expected a duration above zero such as 45m' }),
    scope: z.partialRecord(z.enum(SCOPE_LABELS, { error: `expected scope labels among ${SCOPE_LABELS.join(', ')}` }), scopeValues).default({}),
    magnitude: z.number({ error: 'expected a number' }).finite().optional(),
    newIds: z.boolean({ error: 'expected true or false' }).optional(),
    description: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((incident, ctx) => {
    const spec = INCIDENT_SPECS[incident.type];
    if (incident.magnitude !== undefined && (incident.magnitude < spec.range[0] || incident.magnitude > spec.range[1])) {
      ctx.addIssue({ code: 'custom', path: ['magnitude'], message: `expected ${spec.magnitudeMeaning} from ${spec.range[0]} to ${spec.range[1]}, got ${incident.magnitude}` });
    }
    if (incident.newIds !== undefined && incident.type !== 'duplicate_sender') {
      ctx.addIssue({ code: 'custom', path: ['newIds'], message: 'only duplicate_sender incidents take newIds' });
    }
  });

export const scenarioSchema = z
  .object({
    name: z.string({ error: 'expected a scenario name' }).regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, { error: 'expected a name of lower-case letters, digits, _ and -' }),
    description: z.string().max(2000).default(''),
    incidents: z.array(incidentSpecSchema, { error: 'expected a list of incidents' }).max(1000).default([]),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    const seen = new Set<string>();
    scenario.incidents.forEach((incident, index) => {
      if (seen.has(incident.id)) ctx.addIssue({ code: 'custom', path: ['incidents', index, 'id'], message: `the id ${incident.id} is used twice` });
      seen.add(incident.id);
    });
  });

export type ScenarioFile = z.input<typeof scenarioSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Parses scenario JSON text; errors name the file, the field and what was expected. */
export function parseScenario(text: string, source: string): Scenario {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = scenarioSchema.safeParse(body);
  if (!parsed.success) throw new ScenarioError(`${source}: ${describeIssues(parsed.error, '(scenario)')}`);
  return parsed.data;
}

/** The incidents of a scenario at absolute times for a run from `startMs` (to `endMs` when it has an end). */
export function resolveIncidents(scenario: Scenario, startMs: number, endMs?: number): Incident[] {
  return scenario.incidents.map((spec) => {
    let begin: number;
    if (spec.start.startsWith('+')) begin = startMs + parseDuration(spec.start.slice(1))!;
    else if (spec.start.startsWith('-')) {
      if (endMs === undefined) throw new ScenarioError(`incident ${spec.id}: start ${spec.start} counts back from the end, and a live run has none; use +DURATION or a time`);
      begin = endMs - parseDuration(spec.start.slice(1))!;
    } else begin = Date.parse(spec.start);
    const scope: Incident['scope'] = {};
    for (const [label, values] of Object.entries(spec.scope)) {
      scope[label as keyof Incident['scope']] = typeof values === 'string' ? [values] : values;
    }
    return {
      id: spec.id,
      type: spec.type,
      startMs: begin,
      endMs: begin + parseDuration(spec.duration)!,
      scope,
      magnitude: spec.magnitude ?? INCIDENT_SPECS[spec.type].defaultMagnitude,
      ...(spec.newIds !== undefined ? { newIds: spec.newIds } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
    };
  });
}

export interface GroundTruth {
  scenario: string;
  seed: number;
  start: string;
  end?: string;
  incidents: Array<{
    id: string;
    type: string;
    start: string;
    end: string;
    scope: Incident['scope'];
    magnitude: number;
    summary: string;
    /** KPIs the incident moves and which way */
    kpis: Array<{ kpi: string; direction: 'up' | 'down' }>;
    /** set for telemetry problems: quality checks should flag these, anomaly detectors should not */
    dataQuality?: 'gap' | 'duplicates';
    description?: string;
  }>;
}

/** Ground-truth labels of the incidents that overlap the run. */
export function labels(scenario: Scenario, incidents: readonly Incident[], seed: number, startMs: number, endMs?: number): GroundTruth {
  const overlapping = incidents.filter((incident) => incident.endMs > startMs && (endMs === undefined || incident.startMs < endMs));
  return {
    scenario: scenario.name,
    seed,
    start: new Date(startMs).toISOString(),
    ...(endMs !== undefined ? { end: new Date(endMs).toISOString() } : {}),
    incidents: overlapping.map((incident) => {
      const spec = INCIDENT_SPECS[incident.type];
      return {
        id: incident.id,
        type: incident.type,
        start: new Date(incident.startMs).toISOString(),
        end: new Date(incident.endMs).toISOString(),
        scope: incident.scope,
        magnitude: incident.magnitude,
        summary: spec.summary,
        kpis: movedKpis(incident),
        ...(spec.dataQuality ? { dataQuality: spec.dataQuality } : {}),
        ...(incident.description ? { description: incident.description } : {}),
      };
    }),
  };
}

/** One line per incident, for progress output. */
export function describeIncident(incident: Incident): string {
  const scope = Object.entries(incident.scope)
    .map(([label, values]) => `${label}=${values!.join('|')}`)
    .join(' ');
  return `${incident.id} (${incident.type} x${incident.magnitude}${scope ? ` ${scope}` : ''}, ${formatDuration(incident.endMs - incident.startMs)})`;
}
