// Running queries the way Grafana's query runner does, and the answer as the query inspector
// shows it: shared by the editors and panels of the harness.
import { lastValueFrom, type Observable } from 'rxjs';
import { dateTime, FieldType, LoadingState, type CoreApp, type DataQueryRequest, type PanelData, type TimeRange } from '@grafana/data';
import { Alert } from '@grafana/ui';
import type { EncoreDataSource } from '../../../src/datasource/datasource';
import type { EncoreDataQuery } from '../../../src/datasource/types';

export interface RangeSpec {
  /** epoch ms */
  from: number;
  to: number;
}

export function timeRange(range: RangeSpec): TimeRange {
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

export async function runQueries(datasource: EncoreDataSource, targets: EncoreDataQuery[], range: RangeSpec, maxDataPoints: number, app: CoreApp): Promise<PanelData> {
  // What Grafana's query runner does before sending: drop filtered-out queries. Variables are
  // applied by DataSourceWithBackend itself (applyTemplateVariables), as in Grafana.
  const kept = targets.filter((t) => datasource.filterQuery?.(t) ?? true);
  const request = queryRequest(kept, range, maxDataPoints, app);
  const response = await lastValueFrom(datasource.query(request) as never as Observable<{ data: PanelData['series']; errors?: PanelData['errors'] }>);
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
export function ResultSummary({ data }: { data: PanelData }) {
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
            <li
              key={i}
              data-testid="result-frame"
              data-refid={frame.refId}
              data-name={frame.name ?? ''}
              data-length={frame.length}
              data-fields={frame.fields.map((f) => f.name).join(',')}
              // The frame's meta.custom, as the query inspector's JSON tab shows it.
              data-custom={JSON.stringify(frame.meta?.custom ?? {})}
            >
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

