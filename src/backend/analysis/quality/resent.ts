import { rate, type KpiExpr } from '../../../common/kpis/expression';
import { STREAMING_METRICS } from '../../../common/streaming-metrics';
import { timeAt, type Grid } from '../grid';
import { alignedIndex, isoTime, judgeAbove, listed, nameList, percent, placeable, spanOf } from './shared';
import type { QualityCheck } from './types';

/**
 * Resent events: the share of the events clients sent that the collector had already accepted
 * (the same id, or a new id on the same content) and dropped. The KPIs stay right (each event is
 * counted once), so no point is marked as a data issue; but a client that resends a large share
 * is broken (a retry loop, a replayed queue), and behind collectors without sticky routing its
 * copies reach a collector that has not seen the original and are counted twice. The share is the
 * early warning, per group of the query (e.g. per market).
 *
 * Judged per step: the highest share in any step with at least RESENT_MIN_EVENTS events received
 * (one resend among ten events is 10 % and means nothing), against RESENT_WARN_ABOVE and
 * RESENT_FAIL_ABOVE. Clients that retry on a timeout resend a little all the time; a tenth of
 * everything is a client bug.
 */
export const RESENT_WARN_ABOVE = 0.01;
export const RESENT_FAIL_ABOVE = 0.1;
export const RESENT_MIN_EVENTS = 50;

/** The two sides, as KPI expressions the query layer renders and the simulator's model evaluates. */
export const RESENT_SIDES: { resent: KpiExpr; received: KpiExpr } = {
  resent: rate('eventsReceived', { outcome: ['resent'] }),
  received: rate('eventsReceived'),
};
/** What the counter can be filtered and grouped by: a query's other labels widen the check's scope. */
export const RESENT_LABELS: readonly string[] = STREAMING_METRICS.eventsReceived.labels.filter((l) => l !== 'outcome');

export interface ResentGroup {
  /** the query series this group's events belong to, as the report names them */
  names: readonly string[];
  /** events per second resent (dropped), and received in all (accepted and resent), per step */
  resent: Grid;
  received: Grid;
}

/** A group's highest share, and the index of its step in the group's received grid. */
interface Worst {
  share: number;
  index: number;
}

function worstStep(group: ResentGroup, startMs: number, endMs: number): Worst | undefined {
  const { resent, received } = group;
  if (!placeable(resent) || !placeable(received)) return undefined;
  const stepSeconds = received.stepMs / 1000;
  const span = spanOf(received, startMs, endMs);
  let worst: Worst | undefined;
  for (let i = span.first; i <= span.last; i++) {
    const all = received.values[i]!;
    if (!(all * stepSeconds >= RESENT_MIN_EVENTS)) continue;
    const j = alignedIndex(received, i, resent);
    // No resent series at a time is no resend: the collector exports the outcome once one happened.
    const again = j < 0 ? 0 : resent.values[j]!;
    // received counts the resends too, so a share above 1 is a skewed scrape: read as 1.
    const share = Number.isFinite(again) && Number.isFinite(all) ? Math.min(1, Math.max(0, again) / all) : 0;
    if (worst === undefined || share > worst.share) worst = { share, index: i };
  }
  return worst;
}

export function checkResent(groups: readonly ResentGroup[], rangeStartMs: number, rangeEndMs: number): QualityCheck {
  const title = 'Resent events';
  const judged = (Array.isArray(groups) ? groups : []).map((group) => ({ group, worst: worstStep(group, rangeStartMs, rangeEndMs) }));
  const measured = judged.filter((j): j is { group: ResentGroup; worst: Worst } => j.worst !== undefined);
  if (measured.length === 0) {
    return {
      id: 'resent',
      title,
      status: 'pass',
      value: 0,
      threshold: RESENT_WARN_ABOVE,
      unit: 'percentunit',
      message: `${title}: not judged, no step had ${RESENT_MIN_EVENTS} events received.`,
      series: [],
    };
  }
  measured.sort((a, b) => b.worst.share - a.worst.share);
  const top = measured[0]!;
  const verdict = judgeAbove(top.worst.share, RESENT_WARN_ABOVE, RESENT_FAIL_ABOVE);
  const over = measured.filter((m) => m.worst.share > RESENT_WARN_ABOVE);
  const names = over.flatMap((m) => m.group.names);
  const when = isoTime(timeAt(top.group.received, top.worst.index));
  const message =
    over.length === 0
      ? `${title}: at most ${percent(top.worst.share)} of the events of a step were resends (limit ${percent(RESENT_WARN_ABOVE)}).`
      : `${title}: ${percent(top.worst.share)} of the events received in the step at ${when} were resends of events already accepted` +
        `${names.length > 0 ? ` (${nameList(names)})` : ''}; the collector dropped them, so the KPIs count each once, ` +
        'but a client is resending (a retry loop or a replayed queue), and copies that reach another collector are counted twice.';
  return { id: 'resent', title, status: verdict.status, value: top.worst.share, threshold: verdict.threshold, unit: 'percentunit', message, series: listed(names) };
}
