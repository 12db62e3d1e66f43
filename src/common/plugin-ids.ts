/** Plugin ids, defined once: plugin.json files, provisioning and code all use these. */
export const APP_PLUGIN_ID = 'encore-streaming-app';
export const DATASOURCE_PLUGIN_ID = 'encore-streaming-datasource';
/** Prefix Grafana appends `_<os>_<arch>[.exe]` to. */
export const BACKEND_EXECUTABLE = 'gpx_encore';
/** The panels nested in the app (src/panels/<name>/plugin.json). */
export const AUDIO_QUALITY_PANEL_ID = 'encore-audioquality-panel';
export const BEHAVIOUR_PANEL_ID = 'encore-behaviour-panel';
export const REVENUE_PANEL_ID = 'encore-revenue-panel';
export const PANEL_PLUGIN_IDS = [AUDIO_QUALITY_PANEL_ID, BEHAVIOUR_PANEL_ID, REVENUE_PANEL_ID] as const;
