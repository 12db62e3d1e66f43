import { css } from '@emotion/css';
import { useId } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, Card, Text, useStyles2 } from '@grafana/ui';
import { ADD_DATASOURCE_URL, encoreDashboardsUrl, NEW_ALERT_RULE_URL } from './datasources';

interface Step {
  title: string;
  description: string;
  href: string;
}

const STEPS: readonly Step[] = [
  {
    title: 'Add an Encore data source',
    description:
      'Connections › Data sources › Add new, search for Encore. The demo source needs no settings: it serves synthetic streaming metrics with incidents. ' +
      'For your own data, give the URL of Prometheus or a compatible store (Mimir, Thanos, Cortex, VictoriaMetrics), then Save & test.',
    href: ADD_DATASOURCE_URL,
  },
  {
    title: 'Open the dashboards',
    description:
      'Playback quality, listener behaviour and revenue, with expected values, anomaly bands and data-quality notices. ' +
      'Build your own with the Encore panels and queries of type KPI, anomaly, forecast or quality.',
    href: encoreDashboardsUrl(),
  },
  {
    title: 'Write an alert rule',
    description:
      'Alert rules run Encore queries on the Grafana server. Pick an anomaly or quality query and set its output to score: one number per series, ' +
      'e.g. "rebuffer ratio anomaly score above 0.9 for 10m" or "quality score below 80".',
    href: NEW_ALERT_RULE_URL,
  },
];

/** Three steps from a fresh install to an alert; the first is marked done once a data source exists. */
export function GettingStartedSteps({ hasDataSource }: { hasDataSource: boolean }) {
  const styles = useStyles2(getStyles);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <Text element="h2" variant="h4" id={headingId}>
        Getting started
      </Text>
      <ol className={styles.list}>
        {STEPS.map((step, index) => {
          const done = index === 0 && hasDataSource;
          return (
            <li key={step.title}>
              <Card href={step.href} noMargin>
                <Card.Figure>
                  <span className={styles.number} aria-hidden="true">
                    {index + 1}
                  </span>
                </Card.Figure>
                <Card.Heading aria-label={`Step ${index + 1}: ${step.title}${done ? ' (done)' : ''}`}>{step.title}</Card.Heading>
                <Card.Description>{step.description}</Card.Description>
                {done && (
                  <Card.Tags>
                    <Badge text="Done" color="green" icon="check" />
                  </Card.Tags>
                )}
              </Card>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({
    listStyle: 'none',
    margin: theme.spacing(1, 0, 0),
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  number: css({
    display: 'inline-flex',
    alignItems: 'center',
    justifyContent: 'center',
    width: theme.spacing(4),
    height: theme.spacing(4),
    borderRadius: theme.shape.radius.circle,
    background: theme.colors.primary.transparent,
    color: theme.colors.primary.text,
    fontWeight: theme.typography.fontWeightMedium,
  }),
});
