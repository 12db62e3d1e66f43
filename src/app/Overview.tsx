import { css } from '@emotion/css';
import { useId } from 'react';
import type { AppRootProps, GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, EmptyState, LinkButton, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { listEncoreDataSources } from './api';
import { DataSourceCard } from './DataSourceCard';
import { ADD_DATASOURCE_URL, type EncoreDataSource } from './datasources';
import { GettingStartedSteps } from './GettingStartedSteps';
import { useLoad, type Load } from './use-load';

const SUBTITLE = 'Streaming analytics for music and audio services: playback quality, listener behaviour and revenue.';

/**
 * The app's root page (/a/encore-streaming-app): every Encore data source with its health and
 * data quality, and the steps from a fresh install to a first alert. module.tsx registers it;
 * browser tests render it (or OverviewContent, without Grafana's page chrome) directly.
 */
export function EncoreOverview(_props: Partial<AppRootProps>) {
  return (
    <PluginPage subTitle={SUBTITLE}>
      <OverviewContent />
    </PluginPage>
  );
}

/** The page body: data sources first, then getting started. */
export function OverviewContent() {
  const styles = useStyles2(getStyles);
  const headingId = useId();
  const [load, reload] = useLoad(listEncoreDataSources, []);
  const hasDataSource = load.status === 'done' && load.value.length > 0;
  return (
    <div className={styles.page} data-testid="encore-overview">
      <section aria-labelledby={headingId} aria-busy={load.status === 'loading'}>
        <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
          <Text element="h2" variant="h4" id={headingId}>
            Encore data sources
          </Text>
          {load.status === 'done' && load.value.length > 0 && (
            <LinkButton size="sm" variant="secondary" icon="plus" href={ADD_DATASOURCE_URL}>
              Add data source
            </LinkButton>
          )}
        </Stack>
        <div className={styles.sectionBody}>
          <DataSourceList load={load} reload={reload} />
        </div>
      </section>
      <GettingStartedSteps hasDataSource={hasDataSource} />
    </div>
  );
}

function DataSourceList({ load, reload }: { load: Load<EncoreDataSource[]>; reload: () => void }) {
  if (load.status === 'loading') return <LoadingPlaceholder text="Loading Encore data sources…" />;
  if (load.status === 'error') {
    return (
      <Alert severity="error" title="Could not load the Encore data sources" buttonContent="Try again" onRemove={reload}>
        {load.error.message}
      </Alert>
    );
  }
  if (load.value.length === 0) {
    return (
      <EmptyState
        variant="call-to-action"
        message="No Encore data source yet: add one"
        button={
          <LinkButton icon="plus" size="lg" href={ADD_DATASOURCE_URL}>
            Add an Encore data source
          </LinkButton>
        }
      >
        Search for Encore among the data sources. With no store configured it serves a built-in demo, so dashboards and alert rules show
        something at once; point it at Prometheus (or Mimir, Thanos, Cortex, VictoriaMetrics) for your own metrics.
      </EmptyState>
    );
  }
  return (
    <Stack direction="column" gap={2}>
      {load.value.map((ds) => (
        <DataSourceCard key={ds.uid} ds={ds} />
      ))}
      <div>
        <Button size="sm" variant="secondary" fill="text" icon="sync" onClick={reload}>
          Reload the list
        </Button>
      </div>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(4),
    maxWidth: 1400,
  }),
  sectionBody: css({
    marginTop: theme.spacing(1),
  }),
});
