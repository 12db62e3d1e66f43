// The browser-test harness page: renders one Encore editor, panel or page the way Grafana would,
// with Grafana's own packages, against the real backend behind the test server. Tests call
// window.encoreHarness.render(spec) and then look at the page like a user would.
import './boot';
import { useEffect, useState, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createTheme, type GrafanaTheme2 } from '@grafana/data';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import { MemoryRouter } from 'react-router-dom-v5-compat';
import { installServices, type Services, type Variables } from './services';
import { VIEWS, type ViewSpec } from './views';

export interface RenderSpec {
  view: ViewSpec;
  variables?: Variables;
}

declare global {
  interface Window {
    encoreHarness: { render(spec: RenderSpec): Promise<void>; ready: boolean };
  }
}

const mode = new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark';
const theme: GrafanaTheme2 = createTheme({ colors: { mode } });
let root: Root | undefined;

function Shell({ children }: { children: ReactNode }) {
  return (
    // Grafana renders plugins inside its router: links (TextLink, LinkButton, Card href) need one.
    <MemoryRouter>
      <ThemeContext.Provider value={theme}>
        <GlobalStyles />
        <main style={{ padding: 16, minHeight: '100vh', background: theme.colors.background.primary }}>{children}</main>
      </ThemeContext.Provider>
    </MemoryRouter>
  );
}

function Loaded({ spec, services }: { spec: RenderSpec; services: Services }) {
  const [view, setView] = useState<ReactNode>(null);
  useEffect(() => {
    setView(VIEWS[spec.view.kind](spec.view as never, services));
  }, [spec, services]);
  return <>{view}</>;
}

window.encoreHarness = {
  ready: true,
  async render(spec: RenderSpec) {
    const services = await installServices(spec.variables);
    root?.unmount();
    root = createRoot(document.getElementById('root')!);
    root.render(
      <Shell>
        <Loaded spec={spec} services={services} />
      </Shell>,
    );
  },
};
