import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { ForecastComparison } from '../shared/forecast';
import type { FormatTime } from '../shared/format';
import { findKpi } from '../shared/kpis';

/** Per KPI: the range against the expected band, where the latest value stands, the forecast ahead. */
export function ForecastTable({ comparisons, formatTime }: { comparisons: ForecastComparison[]; formatTime: FormatTime }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  if (comparisons.length === 0) return null;
  const toneOf = (c: ForecastComparison) => {
    const good = findKpi(c.kpiId)?.good;
    if (c.deviation === undefined || good === 'neutral' || Math.abs(c.deviation) < 0.005) return theme.colors.text.primary;
    const better = good === 'down' ? c.deviation < 0 : c.deviation > 0;
    return better ? theme.colors.success.text : theme.colors.error.text;
  };
  return (
    <section aria-label="Actuals against forecast" className={styles.section}>
      <table className={styles.table} data-testid="encore-forecast">
        <caption className={styles.caption}>Actuals against the expected band and the forecast</caption>
        <thead>
          <tr>
            <th scope="col">KPI</th>
            <th scope="col">Against expected</th>
            <th scope="col">Latest</th>
            <th scope="col">Forecast mean</th>
            <th scope="col">At horizon</th>
          </tr>
        </thead>
        <tbody>
          {comparisons.map((c) => (
            <tr key={c.kpiId} title={c.sentence}>
              <th scope="row">{c.title}</th>
              <td style={{ color: toneOf(c) }}>
                {c.deviationText ?? '–'}
                {c.pointsBelow + c.pointsAbove > 0 && (
                  <span className={styles.muted}>
                    {' '}
                    ({[c.pointsBelow > 0 ? `${c.pointsBelow} below` : '', c.pointsAbove > 0 ? `${c.pointsAbove} above` : ''].filter(Boolean).join(', ')} band)
                  </span>
                )}
              </td>
              <td>{c.position ? (c.position === 'within' ? 'within band' : `${c.position} band`) : '–'}</td>
              <td>{c.outlook?.meanText ?? '–'}</td>
              <td>
                {c.outlook ? (
                  <>
                    {c.outlook.endText}
                    {c.outlook.rangeText && <span className={styles.muted}> ({c.outlook.rangeText})</span>}
                    <span className={styles.muted}> · {formatTime(c.outlook.toMs, 'MMM D HH:mm')}</span>
                  </>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ overflowX: 'auto' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.5, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'right', whiteSpace: 'nowrap' },
    'th:first-child': { textAlign: 'left' },
    'thead th': { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
    'tbody th': { fontWeight: theme.typography.fontWeightRegular },
  }),
  caption: css({ captionSide: 'top', textAlign: 'left', color: theme.colors.text.secondary, padding: theme.spacing(0, 0, 0.5) }),
  muted: css({ color: theme.colors.text.secondary }),
});
