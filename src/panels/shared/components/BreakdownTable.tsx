import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { Breakdown } from '../breakdown';
import { stateColor, visuallyHidden } from './theme';

export interface BreakdownTableProps {
  breakdown: Breakdown;
}

/**
 * The KPIs by one label as a table (real <table> semantics: screen readers announce the row's
 * label value and the column's KPI with each cell), worst (or largest) first by the first KPI, with a bar of
 * that KPI's value for a quick comparison. Cells say their SLO state in words as well as colour.
 */
export function BreakdownTable({ breakdown }: BreakdownTableProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const { columns, rows } = breakdown;
  const firstValues = rows.map((r) => r.cells[0]?.value).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const max = Math.max(0, ...firstValues.map(Math.abs));
  return (
    <div className={styles.wrapper}>
      <table className={styles.table} data-testid="encore-breakdown">
        <caption className={styles.caption}>
          By {breakdown.dimensionName.toLowerCase()}, {breakdown.order === 'largest-first' ? 'largest' : 'worst'} first by {columns[0]?.title}
          {breakdown.total > rows.length ? ` (${rows.length} of ${breakdown.total})` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">{breakdown.dimensionName}</th>
            {columns.map((c) => (
              <th scope="col" key={c.kpiId}>
                {c.title}
                {c.sloText && <span className={styles.slo}>{c.sloText}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              {row.cells.map((cell, i) => (
                <td key={cell.kpiId} style={{ color: stateColor(theme, cell.state) }}>
                  {i === 0 && cell.value !== undefined && max > 0 && (
                    <span className={styles.bar} style={{ width: `${(Math.abs(cell.value) / max) * 100}%`, background: theme.colors.primary.transparent }} aria-hidden="true" />
                  )}
                  <span className={styles.cellText}>
                    {cell.text}
                    {cell.anomalous && (
                      <span className={styles.anomaly} aria-hidden="true">
                        {' '}●
                      </span>
                    )}
                    <span className={visuallyHidden}>
                      {cell.state === 'no-slo' || cell.state === 'no-data' ? '' : `, ${cell.stateText}`}
                      {cell.anomalous ? ', anomalous' : ''}
                    </span>
                  </span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({ overflowX: 'auto' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.5, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'right', whiteSpace: 'nowrap' },
    'th:first-child': { textAlign: 'left' },
    'thead th': { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium, verticalAlign: 'bottom' },
    'tbody th': { fontWeight: theme.typography.fontWeightRegular, color: theme.colors.text.primary },
    td: { position: 'relative' },
  }),
  caption: css({ captionSide: 'top', textAlign: 'left', color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, padding: theme.spacing(0, 0, 0.5) }),
  slo: css({ display: 'block', fontWeight: theme.typography.fontWeightRegular, color: theme.colors.text.disabled }),
  bar: css({ position: 'absolute', right: 0, top: 2, bottom: 2, borderRadius: theme.shape.radius.default }),
  cellText: css({ position: 'relative' }),
  anomaly: css({ color: theme.colors.error.text }),
});
