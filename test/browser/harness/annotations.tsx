// Grafana's annotation query editor for a data source with standard annotation support (the
// Encore data source sets `annotations`): the data source's own query editor, starting from the
// annotation default it declares, and under it the events the query found, read from the frames
// by the field names Grafana's default mapping uses (time, timeEnd, title, text, tags).
import { useCallback, useEffect, useRef, useState } from 'react';
import { CoreApp, FieldType, type DataFrame, type PanelData, type TimeRange } from '@grafana/data';
import { Alert, Stack } from '@grafana/ui';
import type { EncoreDataSource } from '../../../src/datasource/datasource';
import { QueryEditor } from '../../../src/datasource/QueryEditor/QueryEditor';
import type { EncoreDataQuery } from '../../../src/datasource/types';
import { runQueries } from './run';

interface AnnotationEvent {
  time: number;
  timeEnd?: number;
  title?: string;
  text?: string;
  tags?: string[];
}

/** Grafana's default mapping: each row of a frame with a time field named `time` is one event. */
function eventsOf(frames: readonly DataFrame[]): AnnotationEvent[] {
  return frames.flatMap((frame) => {
    const field = (name: string) => frame.fields.find((f) => f.name === name);
    const time = field('time');
    if (!time || time.type !== FieldType.time) return [];
    const column = (name: string) => field(name)?.values as ArrayLike<unknown> | undefined;
    const [timeEnd, title, text, tags] = [column('timeEnd'), column('title'), column('text'), column('tags')];
    return Array.from({ length: frame.length }, (_, i) => ({
      time: Number(time.values[i]),
      ...(timeEnd ? { timeEnd: Number(timeEnd[i]) } : {}),
      ...(title ? { title: String(title[i] ?? '') } : {}),
      ...(text ? { text: String(text[i] ?? '') } : {}),
      ...(tags ? { tags: Array.isArray(tags[i]) ? (tags[i] as unknown[]).map(String) : String(tags[i] ?? '').split(',').filter(Boolean) } : {}),
    }));
  });
}

export function AnnotationEditorView({ datasource, range, query: saved }: { datasource: EncoreDataSource; range: TimeRange; query?: EncoreDataQuery }) {
  const [query, setQuery] = useState<EncoreDataQuery>(() => saved ?? ({ refId: 'Anno', ...datasource.annotations?.getDefaultQuery?.() } as EncoreDataQuery));
  const [data, setData] = useState<PanelData | undefined>();
  const latest = useRef(query);
  const onChange = useCallback((next: EncoreDataQuery) => {
    latest.current = next;
    setQuery(next);
  }, []);
  const onRunQuery = useCallback(() => {
    runQueries(datasource, [latest.current], { from: range.from.valueOf(), to: range.to.valueOf() }, 1000, CoreApp.Dashboard).then(setData, (error: unknown) =>
      setData({ series: [], errors: [{ message: String(error) }] } as unknown as PanelData),
    );
  }, [datasource, range]);
  // Grafana's editor runs the annotation query once when it opens, for the preview.
  useEffect(onRunQuery, [onRunQuery]);
  const events = data ? eventsOf(data.series) : [];
  return (
    <Stack direction="column" gap={2}>
      <QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} app={CoreApp.Dashboard} range={range} />
      <pre data-testid="query-json">{JSON.stringify(query, null, 2)}</pre>
      {data?.errors?.map((error, i) => (
        <Alert key={i} severity="error" title="Annotation query failed">
          {error.message}
        </Alert>
      ))}
      {data && (
        <section aria-label="Annotation events">
          <p>{events.length} events found</p>
          <ul>
            {events.map((e, i) => (
              <li key={i} data-testid="annotation-event" data-time={e.time} data-time-end={e.timeEnd ?? ''} data-tags={(e.tags ?? []).join(',')}>
                {new Date(e.time).toISOString()} {e.title} {e.text}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Stack>
  );
}
