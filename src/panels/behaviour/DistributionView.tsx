import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { Distribution } from '../shared/distribution';
import { SectionHint } from '../shared/components/PanelMessage';

/** Session lengths as a bar list: each bucket's share of the sessions, with the median. */
export function DistributionView({ distribution }: { distribution: Distribution | undefined }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  if (!distribution) {
    return <SectionHint>{'No session length distribution: add a query of sum by (le) (rate(encore_session_duration_seconds_bucket[$__rate_interval])) with legend {{le}}'}</SectionHint>;
  }
  const max = Math.max(...distribution.bars.map((b) => b.share), 0);
  return (
    <section className={styles.section} aria-label="Session length distribution">
      <h3 className={styles.heading}>
        Session length{distribution.medianText ? ` · median ${distribution.medianText}` : ''}
      </h3>
      <ul className={styles.list} data-testid="encore-distribution">
        {distribution.bars.map((bar) => (
          <li key={bar.label} className={styles.row}>
            <span>{bar.label}</span>
            <span className={styles.track} aria-hidden="true">
              <span className={styles.bar} style={{ width: `${max > 0 ? (bar.share / max) * 100 : 0}%`, background: theme.colors.primary.main }} />
            </span>
            <span className={styles.value}>{bar.shareText}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  heading: css({ margin: 0, fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium }),
  list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: 2 }),
  // Fixed outer columns, so that the bars of the buckets line up.
  row: css({ display: 'grid', gridTemplateColumns: '9.5rem minmax(40px, 1fr) 4rem', alignItems: 'center', gap: theme.spacing(1), fontSize: theme.typography.bodySmall.fontSize }),
  track: css({ height: 8, background: theme.colors.background.secondary, borderRadius: theme.shape.radius.default, overflow: 'hidden' }),
  bar: css({ display: 'block', height: '100%' }),
  value: css({ textAlign: 'right' }),
});
