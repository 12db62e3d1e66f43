import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { ReactNode } from 'react';
import type { Formatters } from '../format';
import type { KpiPanelModel } from '../panel-model';
import { BandChart } from './BandChart';
import { BreakdownTable } from './BreakdownTable';
import { PanelMessage, SectionHint } from './PanelMessage';
import { QualityBadge } from './QualityBadge';
import { StatTiles } from './StatTiles';
import { useElementHeight } from './useElementHeight';

export interface KpiPanelViewProps {
  model: KpiPanelModel;
  width: number;
  height: number;
  formatters: Formatters;
  range?: { from: number; to: number };
  /** what the panel is about: `Audio quality` */
  label: string;
  selectedKpi?: string;
  onSelectKpi?: (kpiId: string) => void;
  /** lines under the header, e.g. the currency conversion */
  notes?: string[];
  /** sections after the chart (funnel, forecast...) */
  extras?: ReactNode;
  /** estimated height of the extras, so that the chart leaves room for them */
  extrasHeight?: number;
  testId: string;
}

const HEADER_HEIGHT = 28;
const TILE_ROW_HEIGHT = 112;
const TILE_MIN_WIDTH = 170;
export const MIN_CHART_HEIGHT = 140;

/**
 * A first guess of the chart's height, before the layout measured it: what the header, tiles and
 * the sections below leave. The chart's section then takes exactly the space left (flex), and
 * the panel scrolls when even the minimum does not fit.
 */
export function chartHeight(height: number, width: number, tiles: number, below: number): number {
  const perRow = Math.max(1, Math.floor((width + 8) / (TILE_MIN_WIDTH + 8)));
  const tileRows = tiles === 0 ? 0 : Math.ceil(tiles / perRow);
  const rest = height - HEADER_HEIGHT - tileRows * TILE_ROW_HEIGHT - below - 32;
  return Math.round(Math.max(MIN_CHART_HEIGHT, rest));
}

/** The layout the three panels share: header (badge, errors), tiles, chart, extras, breakdown. */
export function KpiPanelView(props: KpiPanelViewProps) {
  const { model, width, height, formatters, range, label, selectedKpi, onSelectKpi, notes = [], extras, extrasHeight = 0, testId } = props;
  const styles = useStyles2(getStyles);
  if (model.empty) {
    // A failure's errors are the message itself; otherwise errors and data-quality notices stay
    // above it: a check that failed may be why there is nothing to show.
    const errors = model.emptyReason === 'failed' ? [] : model.errors;
    const badge = model.badge.notices.length > 0;
    return (
      <div className={styles.root} style={{ width, height }} data-testid={testId} role="region" aria-label={label}>
        {(errors.length > 0 || badge) && (
          <div className={styles.header}>
            <div className={styles.notes}>
              {errors.map((error) => (
                <p key={error} className={styles.error} role="alert">
                  {error}
                </p>
              ))}
            </div>
            {badge && <QualityBadge badge={model.badge} />}
          </div>
        )}
        <div className={styles.message}>
          <PanelMessage message={model.empty} tone={model.emptyReason === 'failed' ? 'error' : 'info'} />
        </div>
      </div>
    );
  }
  const breakdownHeight = model.breakdown ? model.breakdown.rows.length * 29 + 64 : model.breakdownHint ? 24 : 0;
  const contentWidth = Math.max(200, width - 4);
  const guess = chartHeight(height, contentWidth, model.tiles.length, breakdownHeight + extrasHeight);
  const charted = model.chart?.kpiId ?? selectedKpi;
  return (
    <div className={styles.root} style={{ width, height }} data-testid={testId} role="region" aria-label={label}>
      <div className={styles.header}>
        <div className={styles.notes}>
          {model.errors.map((error) => (
            <p key={error} className={styles.error} role="alert">
              {error}
            </p>
          ))}
          {notes.map((note) => (
            <p key={note} className={styles.note}>
              {note}
            </p>
          ))}
        </div>
        <QualityBadge badge={model.badge} />
      </div>
      {model.tiles.length > 0 && <StatTiles tiles={model.tiles} label={`${label} KPIs`} {...(charted ? { selected: charted } : {})} {...(onSelectKpi ? { onSelect: onSelectKpi } : {})} />}
      {model.tilesHint && <SectionHint>{model.tilesHint}</SectionHint>}
      {model.chart && (
        <section className={styles.chartSection} aria-label={`${model.chart.title} over time`} data-chart="">
          {model.chart.note && <SectionHint>{model.chart.note}</SectionHint>}
          <ChartSlot guess={guess}>{(chartH) => <BandChart view={model.chart!} width={contentWidth} height={chartH} formatters={formatters} {...(range ? { range } : {})} />}</ChartSlot>
        </section>
      )}
      {model.chartHint && <SectionHint>{model.chartHint}</SectionHint>}
      {extras}
      {model.breakdown && (
        <section className={styles.section} aria-label={`Breakdown by ${model.breakdown.dimensionName.toLowerCase()}`}>
          <BreakdownTable breakdown={model.breakdown} />
        </section>
      )}
      {model.breakdownHint && <SectionHint>{model.breakdownHint}</SectionHint>}
    </div>
  );
}

/** The space the chart gets: the rest of the panel after the other sections, at least MIN_CHART_HEIGHT. */
function ChartSlot({ guess, children }: { guess: number; children: (height: number) => ReactNode }) {
  const styles = useStyles2(getStyles);
  const { ref, height } = useElementHeight<HTMLDivElement>(guess);
  return (
    <div ref={ref} className={styles.slot}>
      {children(Math.max(MIN_CHART_HEIGHT, Math.floor(height)))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    overflowY: 'auto',
    overflowX: 'hidden',
    color: theme.colors.text.primary,
    // Every section keeps its height; only the chart gives way (down to its minimum).
    '& > :not([data-chart])': { flexShrink: 0 },
  }),
  header: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: theme.spacing(1), minHeight: 22 }),
  notes: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25), minWidth: 0 }),
  error: css({ margin: 0, color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
  note: css({ margin: 0, color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), flex: 'none' }),
  // The chart's section grows into the space left and shrinks to its minimum before the panel scrolls.
  chartSection: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), flex: '1 1 0', minHeight: MIN_CHART_HEIGHT }),
  // The message fills what the header leaves (PanelMessage centres itself in its box).
  message: css({ flex: '1 1 auto', minHeight: 0 }),
  slot: css({ flex: '1 1 0', minHeight: MIN_CHART_HEIGHT, position: 'relative', overflow: 'hidden' }),
});
