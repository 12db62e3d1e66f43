// The modules Grafana's plugin loader hands to plugins at runtime (its SystemJS "shared
// dependencies"). Plugins must import these from Grafana instead of bundling their own copy:
// React and @grafana/* are singletons, and a bundled React 19 jsx-runtime breaks on a React 18
// Grafana (and the other way round).
//
// @grafana/schema and @grafana/i18n are NOT shared by the loader: externalising them would make
// the module fail to load, so they are bundled (imports from @grafana/schema are nearly always
// types, which vanish at compile time).

export const GRAFANA_SHARED_MODULES = [
  '@emotion/css',
  '@emotion/react',
  '@grafana/data',
  '@grafana/data/unstable',
  '@grafana/runtime',
  '@grafana/runtime/unstable',
  '@grafana/slate-react',
  '@grafana/ui',
  '@grafana/ui/unstable',
  'd3',
  'emotion',
  'i18next',
  'jquery',
  'lodash',
  'moment',
  'prismjs',
  'react',
  'react-dom',
  'react-dom/client',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-inlinesvg',
  'react-redux',
  'react-router',
  'react-router-dom',
  'redux',
  'rxjs',
  'rxjs/operators',
  'slate',
  'slate-plain-serializer',
  'slate-react',
];

const shared = new Set(GRAFANA_SHARED_MODULES);

/** Rollup `external`: exact ids only, so e.g. `lodash/debounce` is bundled, not left dangling. */
export function isGrafanaShared(id) {
  return shared.has(id);
}
