import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, styleMixins, useStyles2, useTheme2 } from '@grafana/ui';
import { verdictText, type Tile } from '../headline';
import { stateBorder, stateColor, visuallyHidden } from './theme';

export interface StatTilesProps {
  tiles: Tile[];
  /** the KPI charted now: its tile shows as pressed */
  selected?: string;
  /** choosing a tile charts its KPI; without it the tiles are not buttons */
  onSelect?: (kpiId: string) => void;
  label: string;
}

const STATE_ICON = { met: 'check-circle', 'at-risk': 'exclamation-triangle', breached: 'exclamation-circle' } as const;

/**
 * Headline tiles: the value, its SLO state in words and colour, the comparison with the expected
 * value. Tiles are buttons that chart their KPI (aria-pressed says which one is charted).
 */
export function StatTiles({ tiles, selected, onSelect, label }: StatTilesProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  return (
    <ul className={styles.list} aria-label={label}>
      {tiles.map((tile) => {
        // Screen readers get the tile as one sentence (tile.summary); the visual parts are hidden from them.
        const body = (
          <>
            <span className={visuallyHidden}>{tile.summary}</span>
            <TileParts tile={tile} styles={styles} />
          </>
        );
        return (
          <li key={tile.kpiId} className={styles.item} style={{ borderLeftColor: stateBorder(theme, tile.state) }}>
            {onSelect ? (
              <button type="button" className={cx(styles.tile, styles.button)} aria-pressed={selected === tile.kpiId} title={tile.description} onClick={() => onSelect(tile.kpiId)}>
                {body}
              </button>
            ) : (
              <div className={styles.tile} title={tile.description}>
                {body}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function TileParts({ tile, styles }: { tile: Tile; styles: ReturnType<typeof getStyles> }) {
  const theme = useTheme2();
  const icon = tile.state in STATE_ICON ? STATE_ICON[tile.state as keyof typeof STATE_ICON] : undefined;
  return (
    <span className={styles.parts} aria-hidden="true">
      <span className={styles.title}>{tile.title}</span>
      <span className={cx(styles.value, tile.value === undefined && styles.noValue)} data-testid={`encore-tile-value-${tile.kpiId}`}>
        {tile.text}
      </span>
      {/* Missing KPIs are listed once under the tiles; their summary still says what to add. */}
      {tile.hint && <span className={styles.hint}>{tile.missing ? 'No data' : tile.hint}</span>}
      {/* KPIs without an objective (most revenue and behaviour ones) say nothing about it. */}
      {!tile.hint && tile.state !== 'no-slo' && (
        <span className={styles.state} style={{ color: stateColor(theme, tile.state) }}>
          {icon && <Icon name={icon} size="sm" />}
          {tile.sloText ? `${tile.stateText} · ${tile.sloText}` : tile.stateText}
        </span>
      )}
      {tile.expectedText && (
        <span className={styles.detail}>
          Expected {tile.expectedText}
          {tile.deviationText ? ` (${tile.deviationText})` : ''}
          {tile.verdict && tile.verdict !== 'as-expected' ? `, ${verdictText(tile.verdict)}` : ''}
        </span>
      )}
      {(tile.anomalous || tile.latestIsDataIssue) && (
        <span className={styles.flags}>
          {tile.anomalous && <span className={styles.anomaly}>Anomalous</span>}
          {tile.latestIsDataIssue && <span className={styles.issue}>Latest point is a data issue</span>}
        </span>
      )}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))',
    gap: theme.spacing(1),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  }),
  item: css({
    borderLeft: `3px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    minWidth: 0,
  }),
  tile: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.25),
    width: '100%',
    height: '100%',
    padding: theme.spacing(1, 1.25),
    textAlign: 'left',
    color: theme.colors.text.primary,
  }),
  button: css({
    background: 'none',
    border: 'none',
    cursor: 'pointer',
    borderRadius: theme.shape.radius.default,
    font: 'inherit',
    '&:hover': { background: theme.colors.action.hover },
    '&[aria-pressed="true"]': { background: theme.colors.action.selected },
    '&:focus-visible': styleMixins.getFocusStyles(theme),
  }),
  parts: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25), minWidth: 0 }),
  title: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  value: css({ fontSize: theme.typography.h3.fontSize, fontWeight: theme.typography.fontWeightMedium, lineHeight: 1.2 }),
  noValue: css({ color: theme.colors.text.disabled }),
  state: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5), fontSize: theme.typography.bodySmall.fontSize }),
  detail: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, overflowWrap: 'anywhere' }),
  flags: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5), fontSize: theme.typography.bodySmall.fontSize }),
  anomaly: css({ color: theme.colors.error.text }),
  issue: css({ color: theme.colors.warning.text }),
});
