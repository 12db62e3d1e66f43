import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { Funnel } from '../shared/funnel';
import { SectionHint } from '../shared/components/PanelMessage';

/** The streams funnel as an ordered list of bars, each as wide as its share of the first step. */
export function FunnelView({ funnel }: { funnel: Funnel }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  if (funnel.found === 0) {
    return (
      <SectionHint>
        No streams funnel: add queries with refId or legend Starts, Streams (or the Encore KPI streams) and Completions, in one unit (see the panel's README)
      </SectionHint>
    );
  }
  return (
    <section className={styles.section} aria-label="Streams funnel">
      <h3 className={styles.heading}>Streams funnel</h3>
      {funnel.warning && <SectionHint>{funnel.warning}</SectionHint>}
      <ol className={styles.list} data-testid="encore-funnel">
        {funnel.steps.map((step) => (
          <li key={step.id} className={styles.step} title={step.description}>
            <span className={styles.label}>{step.label}</span>
            <span className={styles.track} aria-hidden="true">
              <span className={styles.bar} style={{ width: `${Math.max(1, Math.min(100, (step.shareOfFirst ?? (step.value !== undefined ? 1 : 0)) * 100))}%`, background: theme.colors.primary.main }} />
            </span>
            <span className={styles.value}>
              {step.text}
              {step.shareText && <span className={styles.share}> · {step.shareText}</span>}
              {step.value === undefined && <span className={styles.share}> · not queried</span>}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  heading: css({ margin: 0, fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium }),
  list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  // Fixed outer columns, so that the bars of the steps line up.
  step: css({ display: 'grid', gridTemplateColumns: '9.5rem minmax(40px, 1fr) 17rem', alignItems: 'center', gap: theme.spacing(1), fontSize: theme.typography.bodySmall.fontSize }),
  label: css({ color: theme.colors.text.primary }),
  track: css({ height: 10, background: theme.colors.background.secondary, borderRadius: theme.shape.radius.default, overflow: 'hidden' }),
  bar: css({ display: 'block', height: '100%', borderRadius: theme.shape.radius.default }),
  value: css({ textAlign: 'right', whiteSpace: 'nowrap' }),
  share: css({ color: theme.colors.text.secondary }),
});
