import { css } from '@emotion/css';
import { useId, useState } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, LinkButton, LoadingPlaceholder, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import { checkHealth } from './api';
import { editDataSourceUrl, sourceLabel, type EncoreDataSource } from './datasources';
import { healthBadge, healthDetails, type HealthResult } from './health';
import { QualitySummaryView } from './QualitySummaryView';
import { useLoad, type Load } from './use-load';

/**
 * One Encore data source on the overview: its name and upstream, the backend's health check
 * (what "Save & test" runs) with the details it reports, and the data-quality summary.
 */
export function DataSourceCard({ ds }: { ds: EncoreDataSource }) {
  const styles = useStyles2(getStyles);
  const headingId = useId();
  const [refresh, setRefresh] = useState(0);
  const [health] = useLoad(() => checkHealth(ds.uid), [ds.uid, refresh]);
  const result = health.status === 'done' ? health.value : undefined;
  const badge = healthBadge(result);

  return (
    <article className={styles.card} aria-labelledby={headingId}>
      <header className={styles.header}>
        <Stack direction="column" gap={0.5}>
          <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
            <Text element="h3" id={headingId}>
              {ds.name}
            </Text>
            <span title={badge.label} aria-label={badge.label} role="status">
              <Badge text={badge.text} color={badge.color} icon={badge.icon} />
            </span>
            {ds.isDefault && <Badge text="Default" color="blue" />}
          </Stack>
          <Text color="secondary" variant="bodySmall">
            {sourceLabel(ds)} · uid {ds.uid}
          </Text>
        </Stack>
        <Stack direction="row" gap={1} alignItems="center">
          <Button
            size="sm"
            variant="secondary"
            icon="sync"
            aria-label={`Check ${ds.name} again`}
            disabled={health.status === 'loading'}
            onClick={() => setRefresh((n) => n + 1)}
          >
            Check again
          </Button>
          <LinkButton size="sm" variant="secondary" fill="outline" icon="cog" href={editDataSourceUrl(ds.uid)} aria-label={`Settings of ${ds.name}`}>
            Settings
          </LinkButton>
        </Stack>
      </header>
      <div className={styles.body}>
        <HealthView ds={ds} load={health} />
        <QualitySummaryView ds={ds} refresh={refresh} />
      </div>
    </article>
  );
}

function HealthView({ ds, load }: { ds: EncoreDataSource; load: Load<HealthResult> }) {
  const styles = useStyles2(getStyles);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className={styles.section}>
      <Text element="h4" id={headingId}>
        Health
      </Text>
      {load.status === 'loading' && <LoadingPlaceholder text="Running the health check…" />}
      {/* checkHealth never rejects; this is for the unexpected */}
      {load.status === 'error' && (
        <Alert severity="error" title="Health check failed" topSpacing={0} bottomSpacing={0}>
          {load.error.message}
        </Alert>
      )}
      {load.status === 'done' && <HealthResultView ds={ds} health={load.value} />}
    </section>
  );
}

function HealthResultView({ ds, health }: { ds: EncoreDataSource; health: HealthResult }) {
  const styles = useStyles2(getStyles);
  const rows = healthDetails(health.details);
  return (
    <>
      {health.status === 'OK' ? (
        <Text element="p">{health.message}</Text>
      ) : (
        <Alert
          severity={health.status === 'ERROR' ? 'error' : 'warning'}
          title={health.status === 'ERROR' ? 'The backend reports a problem' : 'Health unknown'}
          topSpacing={0}
          bottomSpacing={0}
        >
          <p className={styles.flush}>{health.message}</p>
          {health.status === 'ERROR' && (
            <p className={styles.flush}>
              Check the URL, authentication and TLS in the <TextLink href={editDataSourceUrl(ds.uid)}>data source settings</TextLink>, then Save &amp; test.
            </p>
          )}
        </Alert>
      )}
      {rows.length > 0 && (
        <dl className={styles.details} aria-label={`Health details of ${ds.name}`}>
          {rows.map((row) => (
            <div key={row.key} className={styles.detailRow}>
              <dt>{row.label}</dt>
              <dd>{row.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
    padding: theme.spacing(2),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
  }),
  header: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    '& h3': { margin: 0 },
  }),
  body: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(320px, 1fr))',
    gap: theme.spacing(3),
  }),
  section: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    minWidth: 0,
    '& h4': { margin: 0 },
  }),
  flush: css({ margin: 0 }),
  details: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  detailRow: css({
    display: 'contents',
    '& dt': { color: theme.colors.text.secondary },
    '& dd': { margin: 0, color: theme.colors.text.primary, overflowWrap: 'anywhere' },
  }),
});
