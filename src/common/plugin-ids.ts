/** Plugin ids, defined once: plugin.json files, provisioning and code all use these. */
export const APP_PLUGIN_ID = 'encore-streaming-app';
export const DATASOURCE_PLUGIN_ID = 'encore-streaming-datasource';
/** Prefix Grafana appends `_<os>_<arch>[.exe]` to. */
export const BACKEND_EXECUTABLE = 'gpx_encore';
