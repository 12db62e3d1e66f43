// Types for the tests, which check the manifest rules on made-up plugin lists.
export interface PluginSource {
  dir: string;
  rel: string;
  manifest: string;
  entry: string;
  distDir: string;
}
/** A plugin.json as parsed: the checks read the fields they need. */
export type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export interface LoadedPlugin {
  plugin: PluginSource;
  manifest: Manifest;
}
export declare function discoverPlugins(root: string, dist: string): Promise<PluginSource[]>;
export declare function readManifest(path: string, stamp: { version: string; today: string }): Promise<Manifest>;
export declare function writePluginAssets(plugin: PluginSource, manifest: unknown): Promise<void>;
export declare function copyDocuments(root: string, dist: string, names: string[]): Promise<string[]>;
export declare function copyDashboards(root: string, dist: string): Promise<string[]>;
export declare function checkManifests(
  loaded: LoadedPlugin[],
  ids: { APP_PLUGIN_ID: string; DATASOURCE_PLUGIN_ID: string; BACKEND_EXECUTABLE: string; PANEL_PLUGIN_IDS?: readonly string[] },
): { datasource: PluginSource; panels: PluginSource[] };
