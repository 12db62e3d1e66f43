import type { AppRootProps } from '@grafana/data';
import { getDataSourceSrv, PluginPage } from '@grafana/runtime';
import { Card, Stack, Text, TextLink } from '@grafana/ui';
import { DATASOURCE_PLUGIN_ID } from '../common/plugin-ids';

/**
 * The app's root page: how to get from a fresh install to a first query, and the Encore data
 * sources this Grafana already has.
 */
export function GettingStarted(_props: AppRootProps) {
  // Only data sources the current user may query are listed, which is what the links need.
  const existing = getDataSourceSrv().getList({ pluginId: DATASOURCE_PLUGIN_ID });
  return (
    <PluginPage subTitle="Streaming analytics for music and audio services: playback quality, listener behaviour and revenue.">
      <Stack direction="column" gap={3}>
        <section>
          <Text element="h3">1. Add the Encore data source</Text>
          <Text element="p">
            Go to <TextLink href="/connections/datasources/new">Connections › Data sources › Add new data source</TextLink>, search
            for <Text weight="medium">Encore</Text>, and choose a source:
          </Text>
          <ul>
            <li>
              <Text weight="medium">Demo</Text>: nothing to configure. The plugin itself serves deterministic synthetic
              streaming metrics, incidents included, so dashboards and alert rules show something real at once.
            </li>
            <li>
              <Text weight="medium">Prometheus</Text>: the URL of Prometheus or a compatible store (Mimir, Thanos, Cortex,
              VictoriaMetrics), with basic auth, a bearer token, custom headers such as a tenant id, and TLS as your store needs.
            </li>
          </ul>
          <Text element="p">
            <Text weight="medium">Save &amp; test</Text> asks the plugin's backend to reach the source and reports what is wrong if
            it cannot.
          </Text>
        </section>
        <section>
          <Text element="h3">2. Query it</Text>
          <Text element="p">
            In a panel, Explore or an alert rule, pick the Encore data source and write PromQL. Queries run in the plugin's
            backend on the Grafana server, so the same query works in dashboards and in alerting; turn on{' '}
            <Text weight="medium">Live</Text> to stream new samples into a panel.
          </Text>
        </section>
        <section>
          <Text element="h3">Your Encore data sources</Text>
          {existing.length === 0 ? (
            <Text element="p" color="secondary">
              None yet.
            </Text>
          ) : (
            <Stack direction="column" gap={1}>
              {existing.map((ds) => (
                <Card key={ds.uid} href={`/connections/datasources/edit/${encodeURIComponent(ds.uid)}`}>
                  <Card.Heading>{ds.name}</Card.Heading>
                  <Card.Description>{ds.isDefault ? 'Default data source' : `uid ${ds.uid}`}</Card.Description>
                </Card>
              ))}
            </Stack>
          )}
        </section>
      </Stack>
    </PluginPage>
  );
}
