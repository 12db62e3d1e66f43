import type { InstantQuery, RangeQuery, Series, Source } from '../../sources/source';
import type { QueryBudget } from './checks';

/**
 * The source one query sees: every range and instant query it makes is checked against the
 * query's budget (before it goes out and when its answer arrives), runs under the query's
 * deadline, and reports the upstream's warnings (partial answers of federated stores) to the
 * query. Metadata calls pass through unchanged.
 */
export interface QueryHooks {
  budget: QueryBudget;
  /** the query's deadline and cancellation */
  signal?: AbortSignal;
  onWarning?: (warning: string) => void;
}

export function limitedSource(source: Source, hooks: QueryHooks): Source {
  const upstream = source.kind === 'prometheus' ? 'the upstream' : 'the demo source';
  const withHooks = <Q extends RangeQuery | InstantQuery>(query: Q): Q => ({
    ...query,
    signal: hooks.signal ?? query.signal,
    onWarning: (warning: string) => {
      query.onWarning?.(warning);
      hooks.onWarning?.(warning);
    },
  });
  const charged = (series: Series[]): Series[] => {
    hooks.budget.charge(series, upstream);
    return series;
  };
  return {
    kind: source.kind,
    async queryRange(query) {
      hooks.budget.checkRequest(query.start, query.end, query.stepMs);
      return charged(await source.queryRange(withHooks(query)));
    },
    async queryInstant(query) {
      return charged(await source.queryInstant(withHooks(query)));
    },
    metricNames: (query) => source.metricNames(query),
    labelNames: (query) => source.labelNames(query),
    labelValues: (label, query) => source.labelValues(label, query),
    health: (signal) => source.health(signal),
  };
}
