import type { Slo } from '../../common/kpis/catalogue';
import type { FormatValue } from './format';

/**
 * Where a value stands against its objective. `at-risk` is the last tenth before the threshold
 * on the good side (a startup p95 of 1.9 s against 2 s): still met, worth a look.
 */
export type SloState = 'met' | 'at-risk' | 'breached' | 'no-slo' | 'no-data';

export const AT_RISK_MARGIN = 0.1;

export function sloState(value: number | undefined, slo: Slo | undefined): SloState {
  if (value === undefined || !Number.isFinite(value)) return 'no-data';
  if (!slo) return 'no-slo';
  const { op, threshold } = slo;
  const met = op === '<=' ? value <= threshold : value >= threshold;
  if (!met) return 'breached';
  const margin = Math.abs(threshold) * AT_RISK_MARGIN;
  const close = op === '<=' ? value > threshold - margin : value < threshold + margin;
  return close && margin > 0 ? 'at-risk' : 'met';
}

/** `SLO ≤ 2 s` */
export function sloText(slo: Slo, unit: string | undefined, format: FormatValue): string {
  return `SLO ${slo.op === '<=' ? '≤' : '≥'} ${format(slo.threshold, unit)}`;
}

/** Words for a state, so that colour is never the only signal. */
export function sloStateText(state: SloState): string {
  switch (state) {
    case 'met':
      return 'Within SLO';
    case 'at-risk':
      return 'Close to SLO';
    case 'breached':
      return 'SLO breached';
    case 'no-slo':
      return 'No SLO set';
    case 'no-data':
      return 'No data';
  }
}

/** Worst first: breached, at risk, met, then the states without a verdict. */
export function sloSeverity(state: SloState): number {
  return { breached: 3, 'at-risk': 2, met: 1, 'no-slo': 0, 'no-data': 0 }[state];
}
