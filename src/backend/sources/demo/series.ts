import { incidentAffects, incidentIntensity, type DemoIncident } from './incidents';
import { fillBase, finalizeValue, sampleIndex, type DemoSeries } from './model';
import { SAMPLE_MS } from '../../../common/synthetic/seasonality';

/** Values of one demo series at given timestamps: base signal, then incidents, then validity. */

export interface RenderContext {
  /** folded seed (see hash.seedHash) */
  seed: number;
  /** incidents that may overlap the timestamps; the others are ignored anyway */
  incidents: readonly DemoIncident[];
  /** no samples exist after this instant, as in a real store */
  nowMs: number;
}

export interface Rendered {
  values: Float64Array;
  /** 1 where a sample exists; null when every timestamp has one */
  present: Uint8Array | null;
}

export function renderSeries(series: DemoSeries, times: ArrayLike<number>, ctx: RenderContext): Rendered {
  const n = times.length;
  const values = new Float64Array(n);
  fillBase(series, times, ctx.seed, values);
  let present: Uint8Array | null = null;
  const drop = (i: number): void => {
    present ??= new Uint8Array(n).fill(1);
    present[i] = 0;
  };

  for (const incident of ctx.incidents) {
    if (!incidentAffects(incident, series)) continue;
    const effect = incident.effects.find((e) => e.metric === series.metric.name)!;
    for (let i = 0; i < n; i++) {
      const intensity = incidentIntensity(incident, sampleIndex(times[i]!) * SAMPLE_MS);
      if (intensity === 0) continue;
      if (effect.kind === 'absent') drop(i);
      else if (effect.kind === 'multiply') values[i] = values[i]! * (1 + (effect.peak - 1) * intensity);
      else values[i] = values[i]! + effect.peak * intensity;
    }
  }

  const metricDef = series.metric;
  for (let i = 0; i < n; i++) {
    values[i] = finalizeValue(metricDef, values[i]!);
    if (times[i]! > ctx.nowMs) drop(i);
  }
  return { values, present };
}
