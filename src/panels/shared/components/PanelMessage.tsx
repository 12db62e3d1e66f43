import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import type { PanelMessage as Message } from '../panel-model';

/** The empty and error states: what is missing and what to add, in words. */
export function PanelMessage({ message, tone = 'info' }: { message: Message; tone?: 'info' | 'error' }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.box} role={tone === 'error' ? 'alert' : 'status'} data-testid="encore-panel-message">
      <Icon name={tone === 'error' ? 'exclamation-circle' : 'info-circle'} size="lg" aria-hidden="true" />
      <p className={styles.title}>{message.title}</p>
      <p className={styles.detail}>{message.detail}</p>
    </div>
  );
}

/** A one-line note inside a section: a hint about what would fill it. */
export function SectionHint({ children }: { children: string }) {
  const styles = useStyles2(getStyles);
  return <p className={styles.hint}>{children}</p>;
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: theme.spacing(1),
    height: '100%',
    padding: theme.spacing(2),
    textAlign: 'center',
    color: theme.colors.text.secondary,
  }),
  title: css({ margin: 0, color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  detail: css({ margin: 0, maxWidth: 640, fontSize: theme.typography.bodySmall.fontSize, whiteSpace: 'pre-line' }),
  hint: css({ margin: 0, color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
