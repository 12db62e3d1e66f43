import { SettingsError } from '../grafana/context';
import { UpstreamError } from '../sources/errors';
import { LimitError } from './limits/errors';

/**
 * How a failed query is reported to Grafana: an HTTP-like status, who is at fault
 * (`plugin`: the query or settings; `downstream`: the upstream store), and a message a user can act on.
 */
export interface QueryFailure {
  status: number;
  errorSource: 'plugin' | 'downstream';
  message: string;
  /** label for the errors counter */
  kind: string;
}

export class QueryValidationError extends Error {
  override name = 'QueryValidationError';
}

/** A query given up on because the backend is stopping (Grafana's Shutdown, SIGTERM). */
export class BackendStopping extends Error {
  override name = 'BackendStopping';
}

export function describeFailure(error: unknown): QueryFailure {
  if (error instanceof LimitError) {
    return { status: error.status, errorSource: 'plugin', message: error.message, kind: error.kind };
  }
  if (error instanceof BackendStopping) {
    return { status: 503, errorSource: 'plugin', message: error.message, kind: 'cancelled' };
  }
  if (error instanceof QueryValidationError) {
    return { status: 400, errorSource: 'plugin', message: error.message, kind: 'validation' };
  }
  if (error instanceof SettingsError) {
    return { status: 400, errorSource: 'plugin', message: error.message, kind: 'settings' };
  }
  if (error instanceof UpstreamError) {
    return { status: error.status, errorSource: 'downstream', message: error.message, kind: error.kind };
  }
  return {
    status: 500,
    errorSource: 'plugin',
    message: 'internal error in the Encore backend while running this query (see the Grafana server log)',
    kind: 'internal',
  };
}
