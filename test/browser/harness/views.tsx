// What the harness can render, each the way Grafana hosts it: the data source's query and
// config editors (with Grafana's "Save & test" and the query runner around them, in a panel
// editor or in Explore), the annotation editor with its preview of events, the panels fed by
// queries through the data source (or by the same answers as another data source would give
// them), and the app's root page.
import { useCallback, useEffect, useRef, useState, type ComponentType, type ReactNode } from 'react';
import { CoreApp, LoadingState, type DataSourceSettings, type PanelData, type PanelProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Stack } from '@grafana/ui';
import { ConfigEditor } from '../../../src/datasource/ConfigEditor/ConfigEditor';
import type { EncoreDataSource } from '../../../src/datasource/datasource';
import { QueryEditor } from '../../../src/datasource/QueryEditor/QueryEditor';
import type { EncoreDataQuery, EncoreJsonData, EncoreSecureJsonData } from '../../../src/datasource/types';
import { AnnotationEditorView } from './annotations';
import { asOtherDataSource } from './other-datasource';
import { PANELS } from './panels';
import { PAGES } from './pages';
import { ResultSummary, runQueries, timeRange, type RangeSpec } from './run';
import type { Services } from './services';

export type { RangeSpec };

export type ViewSpec =
  /** `query` absent: a new query, the data source's default for the app (Explore or a panel editor) */
  | { kind: 'query-editor'; query?: EncoreDataQuery; range: RangeSpec; datasourceUid?: string; app?: 'explore' | 'panel-editor' }
  /** `query` absent: a new annotation query, the data source's annotation default */
  | { kind: 'annotation-editor'; range: RangeSpec; query?: EncoreDataQuery; datasourceUid?: string }
  | { kind: 'config-editor'; datasourceUid?: string; settings?: Partial<DataSourceSettings<EncoreJsonData, EncoreSecureJsonData>> }
  | {
      kind: 'panel';
      panel: keyof typeof PANELS;
      targets: EncoreDataQuery[];
      range: RangeSpec;
      options?: Record<string, unknown>;
      width?: number;
      height?: number;
      datasourceUid?: string;
      /** hand the panel the frames another data source (Prometheus) would give for the same series */
      otherDataSource?: boolean;
    }
  | { kind: 'page'; page: keyof typeof PAGES }
  | { kind: 'variable-query'; query: string; range: RangeSpec };

type Render<K extends ViewSpec['kind']> = (spec: Extract<ViewSpec, { kind: K }>, services: Services) => ReactNode;

export const VIEWS: { [K in ViewSpec['kind']]: Render<K> } = {
  'query-editor': (spec, services) => <QueryEditorView spec={spec} datasource={pick(services, spec.datasourceUid)} />,
  'annotation-editor': (spec, services) => <AnnotationEditorView range={timeRange(spec.range)} datasource={pick(services, spec.datasourceUid)} {...(spec.query ? { query: spec.query } : {})} />,
  'config-editor': (spec, services) => <ConfigEditorView spec={spec} datasource={pick(services, spec.datasourceUid)} />,
  panel: (spec, services) => <PanelView spec={spec} datasource={pick(services, spec.datasourceUid)} />,
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

function QueryEditorView({ spec, datasource }: { spec: Extract<ViewSpec, { kind: 'query-editor' }>; datasource: EncoreDataSource }) {
  const app = spec.app === 'explore' ? CoreApp.Explore : CoreApp.PanelEditor;
  // A new query starts from the data source's default, as Grafana's query rows do.
  const [query, setQuery] = useState<EncoreDataQuery>(() => spec.query ?? ({ refId: 'A', ...datasource.getDefaultQuery(app) } as EncoreDataQuery));
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
    runQueries(datasource, [latest.current], spec.range, 500, app).then(setData, (error: unknown) =>
      setData({ state: LoadingState.Error, series: [], errors: [{ message: String(error) }], timeRange: timeRange(spec.range) }),
    );
  }, [datasource, spec.range, app]);
  return (
    <Stack direction="column" gap={2}>
      <QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} app={app} range={timeRange(spec.range)} />
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
    runQueries(datasource, spec.targets, spec.range, width, CoreApp.Dashboard).then(
      (answer) => setData(spec.otherDataSource ? { ...answer, series: answer.series.map(asOtherDataSource) } : answer),
      (error: unknown) => setData({ state: LoadingState.Error, series: [], errors: [{ message: String(error) }], timeRange: timeRange(spec.range) }),
    );
  }, [datasource, spec.targets, spec.range, spec.otherDataSource, width]);
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
