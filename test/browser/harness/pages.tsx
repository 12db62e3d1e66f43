// The app pages the harness can render (the page body; Grafana's chrome around it is not ours).
import type { ComponentType } from 'react';
import { OverviewContent } from '../../../src/app/Overview';

export const PAGES: Record<string, ComponentType> = {
  overview: OverviewContent,
};
