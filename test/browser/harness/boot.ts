// Grafana's server writes window.grafanaBootData into the page before any plugin code runs, and
// @grafana/runtime reads it when first imported; this module is the page's first import.
declare global {
  interface Window {
    grafanaBootData?: unknown;
  }
}

const theme = new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark';

window.grafanaBootData = {
  assets: { dark: '', light: '' },
  settings: {
    appUrl: window.location.origin + '/',
    appSubUrl: '',
    buildInfo: { version: '13.2.2', commit: 'harness', env: 'production', edition: 'Open Source' },
    datasources: {},
    panels: {},
    apps: {},
    featureToggles: {},
    defaultDatasource: '',
    namespace: 'default',
  },
  user: { id: 1, login: 'admin', name: 'Admin', orgId: 1, orgRole: 'Admin', isSignedIn: true, theme, timezone: 'utc', locale: 'en-US' },
  navTree: [],
};

export {};
