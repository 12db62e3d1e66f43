import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import type { QualityLevel } from '../quality';
import type { SloState } from '../slo';

/** Colours by meaning, from the theme (light and dark alike): never hard-coded. */
export function stateColor(theme: GrafanaTheme2, state: SloState): string {
  switch (state) {
    case 'met':
      return theme.colors.success.text;
    case 'at-risk':
      return theme.colors.warning.text;
    case 'breached':
      return theme.colors.error.text;
    default:
      return theme.colors.text.secondary;
  }
}

export function stateBorder(theme: GrafanaTheme2, state: SloState): string {
  switch (state) {
    case 'met':
      return theme.colors.success.border;
    case 'at-risk':
      return theme.colors.warning.border;
    case 'breached':
      return theme.colors.error.border;
    default:
      return theme.colors.border.weak;
  }
}

export function qualityColor(theme: GrafanaTheme2, level: QualityLevel): string {
  return level === 'error' ? theme.colors.error.text : level === 'warning' ? theme.colors.warning.text : level === 'ok' ? theme.colors.success.text : theme.colors.text.secondary;
}

/** The colour of the i-th line of a chart: the theme's classic palette. */
export function seriesColor(theme: GrafanaTheme2, index: number, count: number): string {
  if (count <= 1) return theme.colors.primary.main;
  const palette = theme.visualization.palette;
  return theme.visualization.getColorByName(palette[index % palette.length] ?? 'blue');
}

/** Read by screen readers, not shown. */
export const visuallyHidden = css({
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
});
