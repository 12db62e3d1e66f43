import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { styleMixins, useStyles2, useTheme2 } from '@grafana/ui';
import { useId, useMemo, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { chartModel, chartSummary, nearestIndex, pointsAt, readoutAt, timeAt, xOf, type ChartInput } from '../chart-model';
import type { Formatters } from '../format';
import type { ChartView } from '../panel-model';
import { seriesColor, visuallyHidden } from './theme';

/*
 * Why an own SVG chart rather than Grafana's uPlot components: @grafana/ui's `TimeSeries` lives in
 * its "graveyard" (deprecated) and `UPlotChart` + `UPlotConfigBuilder` need the whole field-config
 * pipeline (applyFieldOverrides, preparePlotFrame) that the panel would feed with synthetic
 * frames just to draw a band, an expected line and anomaly markers. Those APIs changed between
 * Grafana 10, 11 and 12, which this plugin must span (grafanaDependency); an SVG of a few hundred
 * points does not. The geometry is plain functions (chart-model.ts, unit-tested), the labels come
 * from Grafana's value formats, the colours from the theme, and the chart is keyboard- and
 * screen-reader-friendly: focus it and use the arrow keys to step through the points.
 */

export interface BandChartProps {
  view: ChartView;
  width: number;
  height: number;
  formatters: Formatters;
  /** the dashboard's time range */
  range?: { from: number; to: number };
}

const LEGEND_HEIGHT = 22;

export function BandChart({ view, width, height, formatters, range }: BandChartProps) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const readoutId = useId();
  // useId's characters vary between React versions; url(#…) wants a plain name.
  const clipId = `encore-clip-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const several = view.series.length > 1;
  const svgHeight = Math.max(80, height - (several ? LEGEND_HEIGHT : 0));
  const input: ChartInput = useMemo(
    () => ({
      series: view.series,
      events: view.events,
      ...(view.threshold ? { threshold: view.threshold } : {}),
      width,
      height: svgHeight,
      ...(view.unit ? { unit: view.unit } : {}),
      ...(view.decimals !== undefined ? { decimals: view.decimals } : {}),
      ...(range ? { range } : {}),
      format: formatters,
    }),
    [view, width, svgHeight, range, formatters],
  );
  const model = useMemo(() => chartModel(input), [input]);
  const summary = useMemo(() => chartSummary(input, view.title), [input, view.title]);
  const [cursor, setCursor] = useState<number | undefined>(undefined);
  const stop = cursor !== undefined ? model.stops[Math.min(cursor, model.stops.length - 1)] : undefined;
  const readout = stop !== undefined ? readoutAt(input, stop) : undefined;
  const cursorX = stop !== undefined ? xOf(model, stop) : undefined;

  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const px = event.clientX - rect.left;
    if (px < model.plot.left || px > model.plot.left + model.plot.width) return setCursor(undefined);
    const index = nearestIndex(model.stops, timeAt(model, px));
    setCursor(index >= 0 ? index : undefined);
  };
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    const last = model.stops.length - 1;
    if (last < 0) return;
    const step = event.shiftKey ? 10 : 1;
    const at = cursor ?? last;
    let next: number | undefined;
    // The first arrow press lands on the latest point, where a reader usually starts.
    if (event.key === 'ArrowLeft') next = cursor === undefined ? last : Math.max(0, at - step);
    else if (event.key === 'ArrowRight') next = cursor === undefined ? last : Math.min(last, at + step);
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = last;
    else if (event.key === 'Escape') {
      setCursor(undefined);
      return;
    } else return;
    event.preventDefault();
    setCursor(next);
  };

  const { plot } = model;
  const axisFont = { fontSize: 11, fill: theme.colors.text.secondary, fontFamily: theme.typography.fontFamily };
  const tooltipLeft = cursorX !== undefined ? (cursorX > width * 0.6 ? undefined : cursorX + 12) : undefined;
  const tooltipRight = cursorX !== undefined && cursorX > width * 0.6 ? width - cursorX + 12 : undefined;

  return (
    <div className={styles.wrapper} style={{ width, height }}>
      <svg
        className={styles.svg}
        width={width}
        height={svgHeight}
        role="img"
        aria-label={summary}
        aria-describedby={readoutId}
        aria-keyshortcuts="ArrowLeft ArrowRight Home End Escape"
        tabIndex={0}
        onPointerMove={onPointerMove}
        onPointerLeave={() => setCursor(undefined)}
        onKeyDown={onKeyDown}
        onBlur={() => setCursor(undefined)}
        data-testid="encore-band-chart"
      >
        {model.yTicks.map((t) => (
          <g key={`y${t.value}`}>
            <line x1={plot.left} x2={plot.left + plot.width} y1={t.at} y2={t.at} stroke={theme.colors.border.weak} />
            <text x={plot.left - 6} y={t.at} dy="0.32em" textAnchor="end" style={axisFont}>
              {t.label}
            </text>
          </g>
        ))}
        {model.xTicks.map((t) => (
          <text key={`x${t.value}`} x={t.at} y={plot.top + plot.height + 15} textAnchor="middle" style={axisFont}>
            {t.label}
          </text>
        ))}
        {model.issues.map((span) => (
          <rect key={`issue${span.x}`} x={span.x} y={plot.top} width={span.width} height={plot.height} fill={theme.colors.warning.main} fillOpacity={0.14} data-testid="encore-data-issue" />
        ))}
        {model.events.map((span, i) => (
          <rect key={`event${i}`} x={span.x} y={plot.top} width={span.width} height={4} fill={theme.colors.error.main} />
        ))}
        {model.forecastX !== undefined && (
          <g>
            <line x1={model.forecastX} x2={model.forecastX} y1={plot.top} y2={plot.top + plot.height} stroke={theme.colors.border.strong} strokeDasharray="2 3" />
            <text x={model.forecastX + 4} y={plot.top + 12} style={axisFont}>
              Forecast
            </text>
          </g>
        )}
        <defs>
          <clipPath id={clipId}>
            <rect x={plot.left} y={plot.top - 4} width={plot.width} height={plot.height + 8} />
          </clipPath>
        </defs>
        {model.series.map((s, i) => {
          const color = seriesColor(theme, i, model.series.length);
          return (
            <g key={`${s.name}${i}`} clipPath={`url(#${clipId})`}>
              {s.band && <path d={s.band} fill={color} fillOpacity={0.16} stroke="none" data-testid="encore-band" />}
              {s.forecastBand && <path d={s.forecastBand} fill={color} fillOpacity={0.1} stroke={color} strokeOpacity={0.4} strokeDasharray="3 3" />}
              {s.expected && <path d={s.expected} fill="none" stroke={several ? color : theme.colors.text.secondary} strokeWidth={1} strokeDasharray="6 4" />}
              {s.forecastLine && <path d={s.forecastLine} fill="none" stroke={color} strokeWidth={1.5} strokeDasharray="6 4" />}
              <path d={s.line} fill="none" stroke={color} strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" />
            </g>
          );
        })}
        {model.threshold && (
          <g>
            <line x1={plot.left} x2={plot.left + plot.width} y1={model.threshold.y} y2={model.threshold.y} stroke={theme.colors.warning.main} strokeDasharray="1 3" strokeWidth={1.5} />
            <text
              x={plot.left + plot.width - 4}
              // Above the line, or below it when the line is at the top of the plot.
              y={model.threshold.y - plot.top < 14 ? model.threshold.y + 12 : model.threshold.y - 4}
              textAnchor="end"
              style={{ ...axisFont, fill: theme.colors.warning.text }}
            >
              {model.threshold.label}
            </text>
          </g>
        )}
        {model.series.flatMap((s, i) =>
          s.anomalies.map((m) => (
            <circle key={`a${i}-${m.ms}`} cx={m.x} cy={m.y} r={3.5} fill={theme.colors.error.main} stroke={theme.colors.background.primary} strokeWidth={1} data-testid="encore-anomaly-marker" />
          )),
        )}
        {cursorX !== undefined && <line x1={cursorX} x2={cursorX} y1={plot.top} y2={plot.top + plot.height} stroke={theme.colors.text.secondary} strokeWidth={1} />}
        {stop !== undefined &&
          pointsAt(view.series, model, stop).map((p) => (
            <circle key={`cursor${p.series}`} cx={p.x} cy={p.y} r={4} fill={seriesColor(theme, p.series, view.series.length)} stroke={theme.colors.background.primary} strokeWidth={1.5} />
          ))}
      </svg>
      {several && (
        <ul className={styles.legend} aria-label="Series">
          {view.series.map((s, i) => (
            <li key={`${s.name}${i}`}>
              <span className={styles.swatch} style={{ background: seriesColor(theme, i, view.series.length) }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      )}
      {readout && (
        <div className={styles.tooltip} style={{ left: tooltipLeft, right: tooltipRight }} aria-hidden="true" data-testid="encore-chart-tooltip">
          <div className={styles.tooltipTime}>{readout.timeText}</div>
          {readout.rows.length === 0 && <div>No value</div>}
          {readout.rows.map((row, i) => (
            <div key={`${row.label}${i}`} className={styles.tooltipRow}>
              <span>{row.label}</span>
              <span className={row.flag === 'anomaly' || row.flag === 'event' ? styles.flagError : row.flag === 'data-issue' ? styles.flagWarning : undefined}>{row.text}</span>
            </div>
          ))}
        </div>
      )}
      <div id={readoutId} className={visuallyHidden} aria-live="polite">
        {readout ? readout.sentence : 'Use the left and right arrow keys to read the points.'}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ position: 'relative' }),
  svg: css({
    display: 'block',
    borderRadius: theme.shape.radius.default,
    '&:focus-visible': styleMixins.getFocusStyles(theme),
    '&:focus': { outline: 'none' },
  }),
  legend: css({
    display: 'flex',
    flexWrap: 'nowrap',
    overflow: 'hidden',
    gap: theme.spacing(1.5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
    height: LEGEND_HEIGHT,
    alignItems: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    li: { display: 'flex', alignItems: 'center', gap: theme.spacing(0.5) },
  }),
  swatch: css({ display: 'inline-block', width: 10, height: 3, borderRadius: theme.shape.radius.default }),
  tooltip: css({
    position: 'absolute',
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    boxShadow: theme.shadows.z3,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0.75, 1),
    color: theme.colors.text.primary,
    zIndex: theme.zIndex.tooltip,
    top: theme.spacing(1),
    pointerEvents: 'none',
    fontSize: theme.typography.bodySmall.fontSize,
    minWidth: 160,
  }),
  tooltipTime: css({ color: theme.colors.text.secondary, marginBottom: theme.spacing(0.5) }),
  tooltipRow: css({ display: 'flex', justifyContent: 'space-between', gap: theme.spacing(2) }),
  flagError: css({ color: theme.colors.error.text }),
  flagWarning: css({ color: theme.colors.warning.text }),
});
