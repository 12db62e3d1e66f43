// Types for the tests, which import the list to check the built modules against it.
export declare const GRAFANA_SHARED_MODULES: readonly string[];
export declare function isGrafanaShared(id: string): boolean;
