import { css } from '@emotion/css';
import { useId, useMemo, useState } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Combobox, type ComboboxOption, LoadingPlaceholder, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import { KPI_GROUP_NAMES, KPIS } from '../common/kpis/catalogue';
import { runQualityCheck } from './api';
import { exploreQualityUrl, type EncoreDataSource } from './datasources';
import { formatMeasure, formatScore, statusLook, verdictLook, type QualityCheckRow, type QualitySummary } from './quality-summary';
import { useLoad } from './use-load';

/**
 * The KPI checked first: rebuffering ratio, the headline playback-quality KPI, which the demo
 * source models too (it has no `streams`).
 */
export const DEFAULT_QUALITY_KPI = 'rebuffering_ratio';
const RANGE_MS = 60 * 60 * 1000;

const KPI_OPTIONS: Array<ComboboxOption<string>> = KPIS.map((kpi) => ({
  value: kpi.id,
  label: kpi.name,
  group: KPI_GROUP_NAMES[kpi.group],
  description: kpi.description,
}));

interface Props {
  ds: EncoreDataSource;
  /** bumped by the card's "Check again" to re-run with the health check */
  refresh: number;
}

/**
 * The data-quality checks of one data source over the last hour, for one KPI: the 0-100 score,
 * its verdict, and every check that warned or failed with what it measured. It is the same
 * `quality` query a panel or an alert rule runs, so the numbers match what those would see.
 */
export function QualitySummaryView({ ds, refresh }: Props) {
  const styles = useStyles2(getStyles);
  const [kpi, setKpi] = useState(DEFAULT_QUALITY_KPI);
  const headingId = useId();
  const [load, reload] = useLoad(() => {
    const now = Date.now();
    return runQualityCheck(ds, { kpi, fromMs: now - RANGE_MS, toMs: now });
  }, [ds.uid, kpi, refresh]);
  const kpiName = useMemo(() => KPIS.find((k) => k.id === kpi)?.name ?? kpi, [kpi]);

  return (
    <section aria-labelledby={headingId} className={styles.section}>
      <Stack direction="row" gap={1} alignItems="center" justifyContent="space-between" wrap="wrap">
        <Text element="h4" id={headingId}>
          Data quality, last hour
        </Text>
        <Stack direction="row" gap={1} alignItems="center">
          <Combobox
            aria-label={`KPI whose data quality is checked on ${ds.name}`}
            options={KPI_OPTIONS}
            value={kpi}
            width={28}
            onChange={(option) => setKpi(option.value)}
          />
          <Button
            size="sm"
            variant="secondary"
            fill="outline"
            icon="sync"
            aria-label={`Run the quality checks of ${ds.name} again`}
            tooltip="Run the checks again"
            disabled={load.status === 'loading'}
            onClick={reload}
          />
        </Stack>
      </Stack>
      {load.status === 'loading' && <LoadingPlaceholder text={`Checking ${kpiName}…`} />}
      {load.status === 'error' && (
        <Alert severity="error" title={`The quality query on ${kpiName} failed`} topSpacing={1} bottomSpacing={0}>
          {load.error.message}
        </Alert>
      )}
      {load.status === 'done' && load.value === undefined && (
        <Alert severity="info" title="No quality answer" topSpacing={1} bottomSpacing={0}>
          The data source answered without a quality table. Is the backend older than this app?
        </Alert>
      )}
      {load.status === 'done' && load.value !== undefined && <SummaryBody summary={load.value} kpiName={kpiName} />}
      <Text element="p" variant="bodySmall" color="secondary">
        Same query as a panel or alert rule: <TextLink href={exploreQualityUrl(ds, kpi)}>open it in Explore</TextLink>. With{' '}
        <code>output: score</code> it returns one number to alert on, e.g. &quot;quality score below 80 for 10m&quot;.
      </Text>
    </section>
  );
}

function SummaryBody({ summary, kpiName }: { summary: QualitySummary; kpiName: string }) {
  const styles = useStyles2(getStyles);
  const verdict = verdictLook(summary.verdict);
  const total = summary.checks.length;
  return (
    <Stack direction="column" gap={1}>
      <div className={styles.scoreRow} role="group" aria-label={`Quality score of ${kpiName}: ${formatScore(summary.score)} of 100, ${verdict.text}`}>
        <span className={styles.score}>{formatScore(summary.score)}</span>
        <Text color="secondary">/ 100</Text>
        <Badge text={verdict.text} color={verdict.color} />
        <Text color="secondary" variant="bodySmall">
          {summary.counts.pass} passed · {summary.counts.warn} warned · {summary.counts.fail} failed
        </Text>
      </div>
      {summary.problems.length === 0 ? (
        <Text color="secondary">{total === 0 ? 'No checks ran: the query returned no series.' : `All ${total} checks passed for ${kpiName}.`}</Text>
      ) : (
        <ul className={styles.problems} aria-label={`Checks that did not pass for ${kpiName}`}>
          {summary.problems.map((check) => (
            <ProblemItem key={`${check.id}:${check.title}`} check={check} />
          ))}
        </ul>
      )}
    </Stack>
  );
}

function ProblemItem({ check }: { check: QualityCheckRow }) {
  const styles = useStyles2(getStyles);
  const look = statusLook(check.status);
  const measured =
    check.value === undefined ? undefined : `measured ${formatMeasure(check.value, check.unit)}${check.threshold === undefined ? '' : `, limit ${formatMeasure(check.threshold, check.unit)}`}`;
  return (
    <li className={styles.problem}>
      <Stack direction="row" gap={1} alignItems="center" wrap="wrap">
        <Badge text={look.text} color={look.color} />
        <Text weight="medium">{check.title}</Text>
        {measured && (
          <Text color="secondary" variant="bodySmall">
            {measured}
          </Text>
        )}
      </Stack>
      {check.message && (
        <Text element="p" variant="bodySmall">
          {check.message}
        </Text>
      )}
      {check.series.length > 0 && (
        <Text element="p" variant="bodySmall" color="secondary">
          Series: {check.series.join(', ')}
        </Text>
      )}
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    minWidth: 0,
  }),
  scoreRow: css({
    display: 'flex',
    alignItems: 'baseline',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  }),
  score: css({
    fontSize: theme.typography.h2.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1,
    color: theme.colors.text.primary,
  }),
  problems: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  }),
  problem: css({
    padding: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
    border: `1px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.secondary,
    '& p': { margin: theme.spacing(0.5, 0, 0) },
  }),
});
