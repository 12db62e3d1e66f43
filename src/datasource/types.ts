import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { z } from 'zod';
import type { EncoreQueryInput } from '../common/query';
import type { dataSourceOptionsSchema, SecureKey } from '../common/settings';

/**
 * The query as the browser holds it: Grafana's DataQuery (refId, hide, datasource, ...) plus the
 * Encore fields before defaults are applied (src/common/query.ts validates and fills them).
 */
export type EncoreDataQuery = DataQuery & EncoreQueryInput;

/**
 * jsonData as stored: every field optional (saved settings may predate a field), plus the
 * numbered custom-header names `httpHeaderName<N>` that the schema lets through.
 */
export type EncoreJsonData = DataSourceJsonData & z.input<typeof dataSourceOptionsSchema>;

/** What the editor may send in secureJsonData: the known secrets and `httpHeaderValue<N>`. */
export type EncoreSecureJsonData = Partial<Record<SecureKey, string>> & Record<string, string>;
