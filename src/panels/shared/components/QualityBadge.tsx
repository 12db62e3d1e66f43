import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, styleMixins, useStyles2, useTheme2 } from '@grafana/ui';
import { useId, useState } from 'react';
import type { QualityBadgeModel } from '../quality';
import { qualityColor } from './theme';

const ICONS = { ok: 'check-circle', warning: 'exclamation-triangle', error: 'exclamation-circle', unchecked: 'info-circle' } as const;

/**
 * The data-quality badge. With notices it is a disclosure button: Enter or Space shows the list
 * (the same notices Grafana shows in the panel's corner, with what failed and why), Escape hides it.
 */
export function QualityBadge({ badge }: { badge: QualityBadgeModel }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [open, setOpen] = useState(false);
  const listId = useId();
  const color = qualityColor(theme, badge.level);
  const content = (
    <>
      <Icon name={ICONS[badge.level]} size="sm" aria-hidden="true" />
      {badge.label}
    </>
  );
  if (badge.notices.length === 0) {
    return (
      <span className={styles.badge} style={{ color }} data-testid="encore-quality-badge">
        {content}
      </span>
    );
  }
  return (
    <span className={styles.anchor} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button
        type="button"
        className={styles.button}
        style={{ color }}
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen(!open)}
        data-testid="encore-quality-badge"
      >
        {content}
        <Icon name={open ? 'angle-up' : 'angle-down'} size="sm" aria-hidden="true" />
      </button>
      <ul id={listId} className={styles.list} hidden={!open} aria-label="Data-quality notices">
        {badge.notices.map((n) => (
          <li key={`${n.refId}:${n.text}`} style={{ color: n.severity === 'error' ? theme.colors.error.text : n.severity === 'warning' ? theme.colors.warning.text : theme.colors.text.primary }}>
            <span className={styles.severity}>{n.severity === 'error' ? 'Failure' : n.severity === 'warning' ? 'Warning' : 'Note'}</span>
            {n.refId ? <span className={styles.ref}>Query {n.refId}</span> : null}
            {n.text.replace(/^Data quality: /, '')}
          </li>
        ))}
      </ul>
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  badge: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(0.5), fontSize: theme.typography.bodySmall.fontSize }),
  anchor: css({ position: 'relative', display: 'inline-block' }),
  button: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    fontSize: theme.typography.bodySmall.fontSize,
    background: 'none',
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.pill,
    padding: theme.spacing(0.25, 1),
    cursor: 'pointer',
    '&:hover': { background: theme.colors.action.hover },
    '&:focus-visible': styleMixins.getFocusStyles(theme),
  }),
  list: css({
    position: 'absolute',
    right: 0,
    top: '100%',
    marginTop: theme.spacing(0.5),
    zIndex: theme.zIndex.dropdown,
    width: 'max-content',
    maxWidth: 420,
    maxHeight: 260,
    overflowY: 'auto',
    listStyle: 'none',
    padding: theme.spacing(1),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z3,
    fontSize: theme.typography.bodySmall.fontSize,
    li: { display: 'block', padding: theme.spacing(0.5, 0) },
    'li + li': { borderTop: `1px solid ${theme.colors.border.weak}` },
  }),
  severity: css({ fontWeight: theme.typography.fontWeightMedium, marginRight: theme.spacing(0.5) }),
  ref: css({ color: theme.colors.text.secondary, marginRight: theme.spacing(0.5) }),
});
