// What the harness can render, each the way Grafana hosts it: the data source's query and
// config editors (with Grafana's "Save & test" and the query runner around them), the panels fed
// by queries through the data source, and the app's root page.
import { useCallback, useEffect, useRef, useState, type ComponentType, type ReactNode } from 'react';
import { lastValueFrom } from 'rxjs';
import {
  CoreApp,
  dateTime,
  FieldType,
  LoadingState,
  type DataQueryRequest,
  type DataSourceSettings,
  type PanelData,
  type PanelProps,
  type TimeRange,
} from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Stack } from '@grafana/ui';
import { ConfigEditor } from '../../../src/datasource/ConfigEditor/ConfigEditor';
import type { EncoreDataSource } from '../../../src/datasource/datasource';
import { QueryEditor } from '../../../src/datasource/QueryEditor/QueryEditor';
import type { EncoreDataQuery, EncoreJsonData, EncoreSecureJsonData } from '../../../src/datasource/types';
import { PANELS } from './panels';
import { PAGES } from './pages';
import type { Services } from './services';

export interface RangeSpec {
  /** epoch ms */
  from: number;
  to: number;
}

export type ViewSpec =
  | { kind: 'query-editor'; query: EncoreDataQuery; range: RangeSpec; datasourceUid?: string }
  | { kind: 'config-editor'; datasourceUid?: string; settings?: Partial<DataSourceSettings<EncoreJsonData, EncoreSecureJsonData>> }
  | { kind: 'panel'; panel: keyof typeof PANELS; targets: EncoreDataQuery[]; range: RangeSpec; options?: Record<string, unknown>; width?: number; height?: number }
  | { kind: 'page'; page: keyof typeof PAGES }
  | { kind: 'variable-query'; query: string; range: RangeSpec };

type Render<K extends ViewSpec['kind']> = (spec: Extract<ViewSpec, { kind: K }>, services: Services) => ReactNode;

export const VIEWS: { [K in ViewSpec['kind']]: Render<K> } = {
  'query-editor': (spec, services) => <QueryEditorView spec={spec} datasource={pick(services, spec.datasourceUid)} />,
  'config-editor': (spec, services) => <ConfigEditorView spec={spec} datasource={pick(services, spec.datasourceUid)} />,
  panel: (spec, services) => <PanelView spec={spec} datasource={pick(services, undefined)} />,
  'variable-query': (spec, services) => <VariableQueryView spec={spec} datasource={pick(services, undefined)} />,
  page: (spec) => {
    const Page = PAGES[spec.page];
    return Page ? <Page /> : <Alert severity="error" title={`No page ${spec.page} in the harness`} />;
  },
};

function pick(services: Services, uid: string | undefined): EncoreDataSource {
  const datasource = (uid ? services.datasources.get(uid) : undefined) ?? services.defaultDatasource;
  if (!datasource) throw new Error('this view needs an Encore data source, and the test server lists none');
  return datasource;
}

function timeRange(range: RangeSpec): TimeRange {
  const from = dateTime(range.from);
  const to = dateTime(range.to);
  return { from, to, raw: { from, to } };
}

let requestCount = 0;

/** A DataQueryRequest as Grafana's query runner builds it, for `maxDataPoints` points over the range. */
function queryRequest(targets: EncoreDataQuery[], range: RangeSpec, maxDataPoints: number, app: CoreApp): DataQueryRequest<EncoreDataQuery> {
  const intervalMs = Math.max(1000, Math.ceil((range.to - range.from) / maxDataPoints / 1000) * 1000);
  return {
    requestId: `harness-${++requestCount}`,
    app,
    targets,
    range: timeRange(range),
    interval: `${intervalMs / 1000}s`,
    intervalMs,
    maxDataPoints,
    scopedVars: {},
    timezone: 'utc',
    startTime: Date.now(),
  };
}

async function runQueries(datasource: EncoreDataSource, targets: EncoreDataQuery[], range: RangeSpec, maxDataPoints: number, app: CoreApp): Promise<PanelData> {
  // What Grafana's query runner does before sending: drop filtered-out queries, apply variables.
  const kept = targets.filter((t) => datasource.filterQuery?.(t) ?? true).map((t) => datasource.applyTemplateVariables(t, {}));
  const request = queryRequest(kept, range, maxDataPoints, app);
  const response = await lastValueFrom(datasource.query(request) as never as import('rxjs').Observable<{ data: PanelData['series']; errors?: PanelData['errors'] }>);
  const errors = response.errors ?? [];
  return {
    state: errors.length > 0 ? LoadingState.Error : LoadingState.Done,
    series: response.data,
    errors,
    request,
    timeRange: request.range,
  };
}

/** The data a query answered, as a user would read it in the query inspector. */
function ResultSummary({ data }: { data: PanelData }) {
  return (
    <section aria-label="Query result">
      {data.errors?.map((error, i) => (
        <Alert key={i} severity="error" title={`Query ${error.refId ?? ''} failed`}>
          {error.message}
        </Alert>
      ))}
      <ul>
        {data.series.map((frame, i) => {
          const numbers = frame.fields.filter((f) => f.type === FieldType.number);
          return (
            <li key={i} data-testid="result-frame" data-refid={frame.refId} data-length={frame.length} data-fields={frame.fields.map((f) => f.name).join(',')}>
              {frame.refId}: {frame.name ?? '(unnamed)'}, {frame.length} rows, fields {frame.fields.map((f) => f.name).join(', ')}
              {numbers.length > 0 && ` (${numbers.length} numeric)`}
              {frame.meta?.notices?.map((n, j) => (
                <div key={j} data-testid="result-notice">
                  {n.severity}: {n.text}
                </div>
              ))}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function QueryEditorView({ spec, datasource }: { spec: Extract<ViewSpec, { kind: 'query-editor' }>; datasource: EncoreDataSource }) {
  const [query, setQuery] = useState<EncoreDataQuery>(spec.query);
  const [data, setData] = useState<PanelData | undefined>();
  const [runs, setRuns] = useState(0);
  // onRunQuery is called right after onChange, before React re-renders: run what was last changed.
  const latest = useRef(query);
  const onChange = useCallback((next: EncoreDataQuery) => {
    latest.current = next;
    setQuery(next);
  }, []);
  const onRunQuery = useCallback(() => {
    setRuns((n) => n + 1);
    runQueries(datasource, [latest.current], spec.range, 500, CoreApp.PanelEditor).then(setData, (error: unknown) =>
      setData({ state: LoadingState.Error, series: [], errors: [{ message: String(error) }], timeRange: timeRange(spec.range) }),
    );
  }, [datasource, spec.range]);
  return (
    <Stack direction="column" gap={2}>
      <QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} app={CoreApp.PanelEditor} range={timeRange(spec.range)} />
      <pre data-testid="query-json" data-runs={runs}>
        {JSON.stringify(query, null, 2)}
      </pre>
      {data && <ResultSummary data={data} />}
    </Stack>
  );
}

type Settings = DataSourceSettings<EncoreJsonData, EncoreSecureJsonData>;

/**
 * The config editor inside Grafana's data source page: the saved settings come from the API, and
 * "Save & test" stores them (PUT) and then runs the backend's health check, showing its message
 * and details as Grafana does.
 */
function ConfigEditorView({ spec, datasource }: { spec: Extract<ViewSpec, { kind: 'config-editor' }>; datasource: EncoreDataSource }) {
  const [settings, setSettings] = useState<Settings>(() => ({
    id: datasource.id ?? 7,
    uid: datasource.uid,
    orgId: 1,
    name: datasource.name,
    typeLogoUrl: '',
    type: datasource.type,
    typeName: 'Encore',
    access: 'proxy',
    url: datasource.settings.url ?? '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: true,
    jsonData: datasource.settings.jsonData,
    secureJsonFields: {},
    readOnly: false,
    withCredentials: false,
    ...spec.settings,
  }));
  const [result, setResult] = useState<{ status: string; message: string; details?: unknown } | undefined>();
  const [testing, setTesting] = useState(false);
  const saveAndTest = async () => {
    setTesting(true);
    try {
      await getBackendSrv().put(`/api/datasources/uid/${settings.uid}`, settings);
      // Secrets are write-only: once saved the editor only knows they are set.
      setSettings((s) => ({
        ...s,
        secureJsonData: {},
        secureJsonFields: { ...s.secureJsonFields, ...Object.fromEntries(Object.keys(s.secureJsonData ?? {}).map((k) => [k, true])) },
      }));
      const health = await getBackendSrv()
        .get(`/api/datasources/uid/${settings.uid}/health`)
        .catch((error: { data?: unknown }) => error.data);
      setResult(health as typeof result);
    } finally {
      setTesting(false);
    }
  };
  const details = result?.details as { message?: string; verboseMessage?: string } | undefined;
  return (
    <Stack direction="column" gap={2}>
      <ConfigEditor options={settings} onOptionsChange={setSettings} />
      <div>
        <Button onClick={saveAndTest} disabled={testing}>
          {testing ? 'Testing...' : 'Save & test'}
        </Button>
      </div>
      {result && (
        <section aria-label="Health check result" data-status={result.status}>
          <Alert severity={result.status === 'OK' ? 'success' : 'error'} title={result.message}>
            {details?.message && <div>{details.message}</div>}
            {details?.verboseMessage && <pre>{details.verboseMessage}</pre>}
          </Alert>
        </section>
      )}
    </Stack>
  );
}

export type PanelComponent = ComponentType<PanelProps<never>>;

/** A panel in a dashboard: its queries run through the data source, then it renders the data. */
function PanelView({ spec, datasource }: { spec: Extract<ViewSpec, { kind: 'panel' }>; datasource: EncoreDataSource }) {
  const entry = PANELS[spec.panel];
  if (!entry) throw new Error(`no panel ${String(spec.panel)} in the harness`);
  const { component: Panel, defaults } = entry;
  const width = spec.width ?? 1000;
  const height = spec.height ?? 560;
  const [data, setData] = useState<PanelData | undefined>();
  const [options, setOptions] = useState<Record<string, unknown>>(() => ({ ...defaults, ...spec.options }));
  useEffect(() => {
    runQueries(datasource, spec.targets, spec.range, width, CoreApp.Dashboard).then(setData, (error: unknown) =>
      setData({ state: LoadingState.Error, series: [], errors: [{ message: String(error) }], timeRange: timeRange(spec.range) }),
    );
  }, [datasource, spec.targets, spec.range, width]);
  if (!data) return <div>Loading panel data...</div>;
  const props = {
    id: 1,
    data,
    timeRange: data.timeRange,
    timeZone: 'utc',
    options,
    onOptionsChange: (next: Record<string, unknown>) => setOptions(next),
    fieldConfig: { defaults: {}, overrides: [] },
    onFieldConfigChange: () => undefined,
    transparent: false,
    width,
    height,
    renderCounter: 1,
    title: spec.panel,
    eventBus: undefined as never,
    replaceVariables: (text: string) => text,
    onChangeTimeRange: () => undefined,
  } as unknown as PanelProps<never>;
  return (
    <section aria-label="Panel" data-testid="panel-frame" style={{ width, height, border: '1px solid rgba(128,128,128,0.3)', borderRadius: 2 }}>
      <Panel {...props} />
    </section>
  );
}

/** A dashboard variable's query, run as Grafana's variable editor previews it: the values found. */
function VariableQueryView({ spec, datasource }: { spec: Extract<ViewSpec, { kind: 'variable-query' }>; datasource: EncoreDataSource }) {
  const [result, setResult] = useState<{ values?: Array<{ text: string; value?: string | number }>; error?: string }>();
  useEffect(() => {
    datasource.metricFindQuery(spec.query, { range: timeRange(spec.range) }).then(
      (values) => setResult({ values: values.map((v) => ({ text: v.text, value: v.value })) }),
      (error: unknown) => setResult({ error: error instanceof Error ? error.message : String(error) }),
    );
  }, [datasource, spec]);
  if (!result) return <div>Running the variable query...</div>;
  if (result.error) return <Alert severity="error" title="Variable query failed">{result.error}</Alert>;
  return (
    <section aria-label="Preview of values">
      <ul>
        {result.values?.map((v) => (
          <li key={String(v.value)} data-testid="variable-value" data-value={String(v.value)}>
            {v.text}
          </li>
        ))}
      </ul>
    </section>
  );
}
