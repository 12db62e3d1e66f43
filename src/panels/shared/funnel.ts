import type { KpiSeries, QueryAnswer } from './frames';
import { formatShare, type FormatValue } from './format';
import { reduceSeries } from './series';

/**
 * The streams funnel: plays started, plays that became streams (30 seconds or more), plays
 * completed. Each step is a query whose refId or series name says which step it is (`Starts`,
 * `Streams`, `Completions`; the `streams` KPI is the middle step), in one unit, e.g. per hour:
 *
 *   Starts       sum(rate(encore_play_starts_total[$__rate_interval])) * 3600
 *   Streams      the Encore KPI `streams` (streams per hour)
 *   Completions  sum(rate(encore_play_ends_total{reason="completed"}[$__rate_interval])) * 3600
 *
 * A step's value is its mean over the time range; the shares say how many make it to the next.
 */

export type FunnelStepId = 'starts' | 'streams' | 'completions';

export const FUNNEL_STEPS: ReadonlyArray<{ id: FunnelStepId; label: string; description: string; pattern: RegExp }> = [
  { id: 'starts', label: 'Starts', description: 'Plays whose audio started', pattern: /\b(play )?starts?\b|\bplays? started\b/ },
  { id: 'streams', label: '30-second streams', description: 'Plays that lasted 30 seconds or more', pattern: /\b(30 ?s(econd)? )?streams?\b/ },
  { id: 'completions', label: 'Completions', description: 'Plays that played to the end', pattern: /\bcompletions?\b|\bcompleted\b/ },
];

export interface FunnelStep {
  id: FunnelStepId;
  label: string;
  description: string;
  value?: number;
  text: string;
  /** of the first step's value */
  shareOfFirst?: number;
  /** of the previous step's value */
  shareOfPrevious?: number;
  shareText?: string;
}

export interface Funnel {
  steps: FunnelStep[];
  /** steps with a value */
  found: number;
  unit?: string;
  /** when the steps are in different units their shares mean nothing: say so */
  warning?: string;
}

const words = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, ' ');

/** Which funnel step a series is, from its KPI, name or refId; undefined for other series. */
export function funnelStepOf(s: KpiSeries): FunnelStepId | undefined {
  if (s.kpiId !== undefined) return s.kpiId === 'streams' ? 'streams' : undefined;
  // Only unsplit series: a funnel of one group would be mixed with the others.
  if (Object.keys(s.labels).length > 0) return undefined;
  for (const text of [s.name, s.refId]) {
    const found = FUNNEL_STEPS.find((step) => step.pattern.test(words(text)));
    if (found) return found.id;
  }
  return undefined;
}

export function funnel(answers: readonly QueryAnswer[], format: FormatValue, decimals?: number): Funnel {
  const bySteps = new Map<FunnelStepId, KpiSeries>();
  for (const s of answers.flatMap((a) => a.series)) {
    if (s.kind !== 'observed') continue;
    const step = funnelStepOf(s);
    if (step === undefined) continue;
    if (step === 'streams' && s.kpiId === 'streams' && Object.keys(s.labels).length > 0) continue;
    if (!bySteps.has(step)) bySteps.set(step, s);
  }
  // Steps without a unit (PromQL) go with the others; two different units do not.
  const units = new Set([...bySteps.values()].map((s) => s.unit).filter((u): u is string => u !== undefined && u !== ''));
  const unit = units.size === 1 ? [...units][0] : undefined;
  let first: number | undefined;
  let previous: number | undefined;
  const steps = FUNNEL_STEPS.map(({ id, label, description }): FunnelStep => {
    const s = bySteps.get(id);
    const reading = s ? reduceSeries(s, 'mean') : undefined;
    if (!reading) {
      previous = undefined;
      return { id, label, description, text: '–' };
    }
    const step: FunnelStep = { id, label, description, value: reading.value, text: format(reading.value, s!.unit ?? 'short', decimals ?? s!.decimals) };
    if (first !== undefined && first > 0) step.shareOfFirst = reading.value / first;
    if (previous !== undefined && previous > 0) {
      step.shareOfPrevious = reading.value / previous;
      step.shareText = `${formatShare(step.shareOfPrevious)} of ${FUNNEL_STEPS[FUNNEL_STEPS.findIndex((f) => f.id === id) - 1]!.label.toLowerCase()}`;
    }
    first ??= reading.value;
    previous = reading.value;
    return step;
  });
  const found = steps.filter((s) => s.value !== undefined).length;
  const out: Funnel = { steps, found, ...(unit ? { unit } : {}) };
  if (units.size > 1) out.warning = `The steps are in different units (${[...units].join(', ')}): query them in one unit, e.g. per hour`;
  return out;
}
