import type { PluginContext } from '../../grafana/context';
import type { Notice } from '../../grafana/frames/frame';
import type { Source } from '../../sources/source';
import { BackendStopping } from '../failure';
import { checkRange, QueryBudget } from './checks';
import { LimitError } from './errors';
import { limitedSource } from './limited-source';
import { limitsFromJsonData, type QueryLimits } from './options';
import type { RateLimiter } from './rate-limiter';

/**
 * Everything the limits do to one query, in the order the pipeline meets them: the rate limits
 * (before any work), the time range (once the query is parsed), series and samples (as answers
 * arrive, through the source the guard hands out), and the query's deadline (queryTimeoutSeconds,
 * as the AbortSignal every upstream call gets). A guard is made per query and disposed after it.
 */
export class QueryGuard {
  readonly budget: QueryBudget;
  /** the query's cancellation: the request's, the backend's shutdown, or the deadline */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  private readonly warnings = new Set<string>();
  private readonly onParentAbort: () => void;

  private constructor(
    readonly limits: QueryLimits,
    private readonly parent: AbortSignal | undefined,
  ) {
    this.budget = new QueryBudget(limits);
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(this.timeoutError());
    }, limits.queryTimeoutMs);
    this.onParentAbort = () => this.controller.abort(parent?.reason);
    if (parent?.aborted) this.onParentAbort();
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  /** Admits the query (rate limits; throws LimitError) and starts its deadline. */
  static start(ctx: PluginContext, parent: AbortSignal | undefined, rateLimiter: RateLimiter | undefined): QueryGuard {
    const limits = limitsFromJsonData(ctx.dataSource?.jsonData);
    rateLimiter?.admit({ dataSource: ctx.dataSource?.uid ?? '', orgId: ctx.orgId, user: ctx.user?.login }, limits);
    return new QueryGuard(limits, parent);
  }

  checkRange(range: { from: number; to: number }): void {
    checkRange(range, this.limits);
  }

  /** The source as this query may use it. */
  wrap(source: Source): Source {
    return limitedSource(source, { budget: this.budget, signal: this.signal, onWarning: (warning) => this.warnings.add(warning) });
  }

  /** The upstream's warnings as frame notices: the answer may be partial. */
  notices(): Notice[] {
    return [...this.warnings].slice(0, 10).map((text) => ({ severity: 'warning', text: `The upstream answered with a warning (the result may be partial): ${text}` }));
  }

  /** The failure to report: a cancellation caused by the deadline or the shutdown says so. */
  explain(error: unknown): unknown {
    if (this.timedOut) return this.timeoutError();
    const reason: unknown = this.parent?.aborted ? this.parent.reason : undefined;
    if (reason instanceof BackendStopping) return reason;
    return error;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }

  private timeoutError(): LimitError {
    const seconds = this.limits.queryTimeoutMs / 1000;
    return new LimitError(
      'queryTimeoutSeconds',
      seconds,
      `queryTimeoutSeconds: the query did not finish within ${seconds} s, this data source's limit ` +
        `(limit queryTimeoutSeconds = ${seconds}); shorten the range, use a larger step or raise the limit`,
      'query_timeout',
    );
  }
}
