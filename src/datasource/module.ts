import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor/ConfigEditor';
import { EncoreDataSource } from './datasource';
import { QueryEditor } from './QueryEditor/QueryEditor';
import type { EncoreDataQuery, EncoreJsonData, EncoreSecureJsonData } from './types';

/** Grafana imports `plugin` from module.js. */
export const plugin = new DataSourcePlugin<EncoreDataSource, EncoreDataQuery, EncoreJsonData, EncoreSecureJsonData>(EncoreDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
