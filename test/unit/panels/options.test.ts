import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PanelOptionsEditorBuilder } from '@grafana/data';
import { audioQualityOptions, defaultOptions as audioDefaults, type AudioQualityOptions } from '../../../src/panels/audio-quality/options';
import { revenueOptions, defaultOptions as revenueDefaults } from '../../../src/panels/revenue/options';

interface Recorded {
  method: string;
  path: string;
  name: string;
  category?: string[];
  defaultValue?: unknown;
  settings?: { options?: Array<{ value: unknown; label?: string }>; placeholder?: string; allowCustomValue?: boolean };
  showIf?: (options: never) => boolean | undefined;
}

/** A stand-in for Grafana's builder that records what the panel asks for. */
function record(supplier: (builder: PanelOptionsEditorBuilder<never>) => unknown): Recorded[] {
  const items: Recorded[] = [];
  const builder: object = new Proxy(
    {},
    {
      get: (_target, method) => (config: Omit<Recorded, 'method'>) => {
        items.push({ method: String(method), ...config });
        return builder;
      },
    },
  );
  supplier(builder as PanelOptionsEditorBuilder<never>);
  return items;
}

describe('panel options', () => {
  const items = record(audioQualityOptions as never);
  const byPath = (path: string) => items.find((i) => i.path === path)!;

  it('offers the group’s KPIs, the charted KPI, the reducer, decimals, layout and breakdown', () => {
    assert.equal(byPath('kpis').method, 'addMultiSelect');
    assert.deepEqual(byPath('kpis').defaultValue, audioDefaults.kpis);
    assert.deepEqual(
      byPath('kpis').settings!.options!.map((o) => o.value),
      ['startup_time_p50', 'startup_time_p95', 'rebuffering_ratio', 'rebuffering_frequency', 'playback_failure_rate', 'exits_before_start', 'average_bitrate', 'bitrate_downshift_rate'],
    );
    assert.equal(byPath('chartKpi').settings!.options![0]!.value, 'auto');
    assert.deepEqual(
      byPath('reducer').settings!.options!.map((o) => o.value),
      ['last', 'mean'],
    );
    assert.equal(byPath('decimals').method, 'addNumberInput');
    assert.equal(byPath('breakdown').settings!.allowCustomValue, true);
    assert.deepEqual(
      byPath('breakdown').settings!.options!.slice(0, 6).map((o) => o.value),
      ['auto', 'none', 'platform', 'market', 'network', 'codec'],
    );
  });

  it('has one SLO threshold per KPI, with the catalogue’s value as placeholder, shown while the KPI is selected', () => {
    const startup = byPath('slo.startup_time_p95');
    assert.equal(startup.name, 'Startup time p95 ≤');
    assert.equal(startup.settings!.placeholder, '2');
    assert.deepEqual(startup.category, ['SLO thresholds']);
    assert.equal(startup.showIf!({ ...audioDefaults } as never), true);
    assert.equal(startup.showIf!({ ...audioDefaults, kpis: ['rebuffering_ratio'] } as AudioQualityOptions as never), false);
    const bitrate = byPath('slo.average_bitrate');
    assert.equal(bitrate.name, 'Average bitrate ≥');
    assert.equal(bitrate.settings!.placeholder, 'none');
  });

  it('revenue adds the currency, with every currency Encore converts', () => {
    const revenue = record(revenueOptions as never);
    const currency = revenue.find((i) => i.path === 'currency')!;
    assert.equal(currency.defaultValue, revenueDefaults.currency);
    assert.deepEqual(
      currency.settings!.options!.map((o) => o.value),
      ['auto', 'USD', 'EUR', 'GBP', 'SEK', 'PLN', 'BRL', 'MXN', 'JPY', 'INR', 'AUD', 'CAD'],
    );
  });
});
