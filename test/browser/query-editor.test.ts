// The query editor in Chromium against the real backend's demo source: what a user sees and does,
// in a panel editor and in Explore, and the annotation editor against a real Prometheus holding
// a known incident (support/kpi-dataset.ts). Every interaction is checked in the saved query
// (what the dashboard stores) and in the answer the backend gave to the query the editor ran.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ANNOTATION_DEFAULT_QUERY } from '../../src/datasource/annotations';
import { LABEL_WITHOUT_DATA } from '../../src/datasource/label-lookups';
import type { EncoreDataQuery } from '../../src/datasource/types';
import { bundleHarness } from './support/bundle';
import { INCIDENT_SAMPLES, startKpiPrometheus, type KpiPrometheus } from './support/kpi-dataset';
import { DEMO_DATASOURCE, startBrowserSession, type BrowserSession, type Theme } from './support/session';

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / 60_000) * 60_000;
const range = { from: now - 6 * HOUR, to: now };
const DEMO_PLATFORMS = ['android', 'desktop', 'ios', 'smart_speaker', 'web'];

let session: BrowserSession;
let store: KpiPrometheus;
before(async () => {
  [store] = await Promise.all([startKpiPrometheus(), bundleHarness()]);
  session = await startBrowserSession([{ ...DEMO_DATASOURCE }, store.datasource]);
});
after(async () => {
  await session?.close();
  await store?.stop();
});

async function editor(query: Partial<EncoreDataQuery>, theme: Theme = 'dark') {
  const opened = await session.open({ view: { kind: 'query-editor', query: { refId: 'A', ...query } as EncoreDataQuery, range } }, theme);
  await opened.page.getByRole('radiogroup', { name: 'Query type' }).waitFor();
  return opened;
}

async function savedQuery(page: Page): Promise<Record<string, unknown>> {
  return JSON.parse((await page.getByTestId('query-json').textContent()) ?? '{}') as Record<string, unknown>;
}

/**
 * The saved query once `ready` holds for it (or, after 5 s, as it is, for the assertion to say
 * what differs). A choice in a combobox reaches the query on React's next render, which can come
 * after the click returns: read at once, CI now and then saw the query from before it.
 */
async function savedQueryOnce(page: Page, ready: (query: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const query = await savedQuery(page);
    if (ready(query) || Date.now() > deadline) return query;
    await page.waitForTimeout(20);
  }
}

interface AnsweredFrame {
  refId: string;
  name: string;
  length: number;
  fields: string[];
  custom: Record<string, unknown>;
}

/** Waits for the editor's n-th query run to be answered, and returns the frames' attributes. */
async function answered(page: Page, runs: number): Promise<AnsweredFrame[]> {
  await page.locator(`[data-testid="query-json"][data-runs="${runs}"]`).waitFor();
  await page.getByRole('region', { name: 'Query result' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-frame"]').length > 0);
  return page.getByTestId('result-frame').evaluateAll((items) =>
    items.map((li) => ({
      refId: li.getAttribute('data-refid') ?? '',
      name: li.getAttribute('data-name') ?? '',
      length: Number(li.getAttribute('data-length')),
      fields: (li.getAttribute('data-fields') ?? '').split(','),
      custom: JSON.parse(li.getAttribute('data-custom') ?? '{}') as Record<string, unknown>,
    })),
  );
}

/** Picks an option of a radio button group (its visually hidden input, as a click on the label does). */
async function choose(page: Page, group: string, option: string): Promise<void> {
  await page.getByRole('radiogroup', { name: group }).getByRole('radio', { name: option, exact: true }).check({ force: true });
}

/** Opens a combobox, types into it and picks the option whose name matches. */
async function pick(page: Page, combobox: string, typed: string, option: RegExp | string): Promise<void> {
  const box = page.getByRole('combobox', { name: combobox, exact: true });
  await box.click();
  await box.fill(typed);
  await page.getByRole('option', { name: option }).first().click();
}

const runs = async (page: Page) => Number(await page.getByTestId('query-json').getAttribute('data-runs'));

function queriesSent(): Array<Record<string, unknown>> {
  return session.api.requests.filter((r) => r.path.startsWith('/api/ds/query')).flatMap((r) => (r.body as { queries: Array<Record<string, unknown>> }).queries);
}

describe('query editor (browser)', () => {
  it('shows a saved KPI query, with the KPI, its description and unit, in both themes', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] }, theme);
      const kpi = page.getByRole('combobox', { name: 'KPI', exact: true });
      assert.equal(await kpi.inputValue(), 'Rebuffering ratio');
      await page.getByText('Share of listening time spent stalled').waitFor();
      await page.getByText('market', { exact: true }).first().waitFor();
      await session.screenshot(page, `query-editor-kpi-${theme}`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  it('picks a KPI from the grouped list and runs it: the demo source answers with its series', async () => {
    const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio' });
    const kpi = page.getByRole('combobox', { name: 'KPI', exact: true });
    await kpi.click();
    await kpi.fill('startup time p95');
    const option = page.getByRole('option', { name: /Startup time p95/ });
    // Each option says its unit and what it measures.
    assert.match((await option.textContent()) ?? '', /seconds · /);
    await option.click();
    assert.equal((await savedQueryOnce(page, (q) => q.kpi === 'startup_time_p95')).kpi, 'startup_time_p95');
    const frames = await answered(page, 1);
    assert.ok(frames.length >= 1, 'at least one series');
    assert.ok(frames.every((f) => f.refId === 'A' && f.length > 100 && f.fields.includes('Time') && f.fields.includes('Value')), JSON.stringify(frames));
    assert.equal(queriesSent().at(-1)?.kpi, 'startup_time_p95');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('adds a filter whose values come from the backend, and the answer holds only that market', async () => {
    const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio', groupBy: ['market'] });
    await page.getByRole('button', { name: 'Add filter' }).click();
    assert.equal(await page.getByRole('combobox', { name: 'Label of filter 1' }).inputValue(), 'market');
    const value = page.getByRole('combobox', { name: 'Value of filter 1' });
    await value.click();
    await value.fill('B');
    // The demo source's markets, searched on the server by what was typed.
    await page.getByRole('option', { name: 'BR', exact: true }).click();
    const saved = await savedQueryOnce(page, (q) => Array.isArray(q.filters) && q.filters.length > 0);
    assert.deepEqual(saved.filters, [{ label: 'market', op: '=', value: 'BR' }]);
    const lookups = session.api.requests.filter((r) => r.path.includes('/resources/labels/market/values'));
    assert.ok(lookups.length > 0, 'the values were asked of the backend');
    // Searched on the server by what was typed (the demo source is not narrowed by series name).
    assert.match(decodeURIComponent(lookups.at(-1)!.path), /search=B/);
    const frames = await answered(page, 1);
    assert.equal(frames.length, 1, `one series for market BR, got ${JSON.stringify(frames)}`);
    await session.screenshot(page, 'query-editor-filter-dark');
    // Removing the filter runs the query again over every market.
    await page.getByRole('button', { name: 'Remove filter 1' }).click();
    assert.deepEqual((await savedQueryOnce(page, (q) => Array.isArray(q.filters) && q.filters.length === 0)).filters, []);
    const all = await answered(page, 2);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="result-frame"]').length > 1);
    assert.ok((await page.getByTestId('result-frame').count()) > 1, `every market again, got ${all.length} first`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('changes the sensitivity of an anomaly query with the keyboard, and the backend answers with bands and scores', async () => {
    const { page, errors } = await editor({ queryType: 'anomaly', kpi: 'rebuffering_ratio', detect: { sensitivity: 0.5 } } as Partial<EncoreDataQuery>);
    const slider = page.getByRole('slider', { name: 'Sensitivity' });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => (JSON.parse(document.querySelector('[data-testid="query-json"]')?.textContent ?? '{}') as { detect?: { sensitivity?: number } }).detect?.sensitivity === 0.6);
    // Sent on release: let go of the key, as the slider runs the query after a change completes.
    if ((await page.getByTestId('query-json').getAttribute('data-runs')) === '0') await slider.blur();
    const frames = await answered(page, Number(await page.getByTestId('query-json').getAttribute('data-runs')) || 1);
    const series = frames.filter((f) => f.fields.includes('Score'));
    assert.ok(series.length >= 1, `analysed series with scores, got ${JSON.stringify(frames)}`);
    for (const name of ['Expected', 'Lower', 'Upper', 'Anomaly']) assert.ok(series[0]!.fields.includes(name), `${name} in ${series[0]!.fields.join(',')}`);
    const sent = queriesSent().at(-1) as { detect?: { sensitivity?: number } } | undefined;
    assert.equal(sent?.detect?.sensitivity, 0.6);
    await session.screenshot(page, 'query-editor-anomaly-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('names the field and what was expected when an option is invalid, before anything is sent', async () => {
    const { page, errors } = await editor({ queryType: 'anomaly', kpi: 'rebuffering_ratio' });
    const minDuration = page.getByRole('textbox', { name: 'Min duration' });
    await minDuration.fill('ten minutes');
    await minDuration.blur();
    await page.getByText(/expected a duration/i).first().waitFor();
    await session.screenshot(page, 'query-editor-invalid-light');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('splits by a label the backend lists, searched as typed, and marks the labels without data', async () => {
    const { page, errors } = await editor({ queryType: 'kpi', kpi: 'rebuffering_ratio' });
    const split = page.getByRole('combobox', { name: 'Split by' });
    await split.click();
    // The demo's series have no tier: allowed for the KPI, offered, but said to have no data.
    await split.fill('ti');
    assert.match((await page.getByRole('option', { name: /tier/ }).textContent()) ?? '', new RegExp(LABEL_WITHOUT_DATA));
    await split.fill('plat');
    await page.getByRole('option', { name: /platform/ }).click();
    assert.deepEqual((await savedQueryOnce(page, (q) => JSON.stringify(q.groupBy) === '["platform"]')).groupBy, ['platform']);
    const lookups = session.api.requests.filter((r) => r.path.startsWith(`/api/datasources/uid/${DEMO_DATASOURCE.uid}/resources/labels?`));
    assert.ok(lookups.some((r) => /[?&]search=plat(&|$)/.test(r.path)), lookups.map((r) => r.path).join('\n'));
    // One series per demo platform.
    await answered(page, 1);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="result-frame"]').length === n, DEMO_PLATFORMS.length);
    const names = (await answered(page, 1)).map((f) => f.name);
    for (const platform of DEMO_PLATFORMS) assert.equal(names.filter((n) => n.includes(platform)).length, 1, `${platform} in ${names.join(', ')}`);
    assert.deepEqual(queriesSent().at(-1)?.groupBy, ['platform']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('sets algorithm, direction, season and minimum duration, and the backend detects with them', async () => {
    const { page, errors } = await editor({ queryType: 'anomaly', kpi: 'rebuffering_ratio' });
    await pick(page, 'Algorithm', 'holt', /Holt-Winters/);
    await choose(page, 'Direction', 'Up');
    await pick(page, 'Season', '1d', /^1d/);
    const minDuration = page.getByRole('textbox', { name: 'Min duration' });
    await minDuration.fill('10m');
    await minDuration.blur();
    const detect = { algorithm: 'holt_winters', direction: 'up', season: '1d', minDuration: '10m' };
    assert.deepEqual((await savedQueryOnce(page, (q) => JSON.stringify(q.detect) === JSON.stringify(detect))).detect, detect);
    const frames = await answered(page, await runs(page));
    assert.deepEqual(queriesSent().at(-1)?.detect, detect);
    const analysed = frames.filter((f) => f.fields.includes('Score'));
    assert.ok(analysed.length >= 1 && analysed.every((f) => JSON.stringify(f.custom.algorithms) === '["holt_winters"]'), JSON.stringify(frames.map((f) => f.custom)));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('sets the quality options: freshness limit, checks and output, and the backend answers in that shape', async () => {
    const { page, errors } = await editor({ queryType: 'quality', kpi: 'rebuffering_ratio' });
    const freshness = page.getByRole('textbox', { name: 'Freshness' });
    await freshness.fill('2m');
    await freshness.blur();
    // Named for what they are, though the visible labels read only Output and Checks.
    const output = page.getByRole('radiogroup', { name: 'Quality output', exact: true });
    const checks = page.getByRole('combobox', { name: 'Quality checks', exact: true });
    await output.waitFor();
    await checks.waitFor();
    assert.equal(await page.getByRole('radiogroup', { name: 'Output', exact: true }).count(), 0);
    assert.equal(await page.getByRole('combobox', { name: 'Checks', exact: true }).count(), 0);
    assert.deepEqual(await page.getByText(/^(Output|Checks)$/).allTextContents(), ['Checks', 'Output']);
    await choose(page, 'Quality output', 'Levels');
    await pick(page, 'Quality checks', 'fresh', /^freshness/);
    const saved = await savedQueryOnce(page, (q) => Array.isArray(q.checks) && q.output === 'levels' && q.freshness === '2m');
    assert.deepEqual({ freshness: saved.freshness, output: saved.output, checks: saved.checks }, { freshness: '2m', output: 'levels', checks: ['freshness'] });
    // Levels of the chosen check only, for an alert rule such as "freshness failing".
    const levels = await answered(page, await runs(page));
    assert.deepEqual(levels.map((f) => ({ name: f.name, fields: f.fields })), [{ name: 'Freshness', fields: ['Time', 'Level'] }]);
    assert.deepEqual(queriesSent().at(-1)?.checks, ['freshness']);
    // The score counts every check: the checks field goes away.
    await choose(page, 'Quality output', 'Score');
    assert.equal(await checks.count(), 0);
    await page.waitForFunction(() => document.querySelector('[data-testid="result-frame"]')?.getAttribute('data-name') !== 'Freshness');
    const score = await answered(page, await runs(page));
    assert.deepEqual(score.map((f) => ({ name: f.name, fields: f.fields })), [{ name: 'Quality score', fields: ['Time', 'Quality score'] }]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('in Explore: a new query is PromQL, Shift+Enter runs the expression, and the legend names the series', async () => {
    const { page, errors } = await session.open({ view: { kind: 'query-editor', range, app: 'explore' } });
    await page.getByRole('radiogroup', { name: 'Query type' }).waitFor();
    assert.equal((await savedQuery(page)).queryType, 'promql');
    await page.getByRole('textbox', { name: 'Legend format' }).fill('{{platform}} rebuffering');
    const expr = page.getByRole('textbox', { name: 'PromQL expression' });
    await expr.fill('avg by (platform) (encore_demo_rebuffer_ratio)');
    await expr.press('Shift+Enter');
    const frames = await answered(page, await runs(page));
    assert.deepEqual(frames.map((f) => f.name).sort(), DEMO_PLATFORMS.map((p) => `${p} rebuffering`));
    assert.equal(queriesSent().at(-1)?.expr, 'avg by (platform) (encore_demo_rebuffer_ratio)');
    await session.screenshot(page, 'query-editor-explore-promql-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('annotation editor (browser)', () => {
  it('starts as the anomaly events of a KPI; on the skip rate it finds the incident and names the market', async () => {
    const annotationRange = { from: store.endMs - 3 * HOUR, to: store.endMs };
    const { page, errors } = await session.open({ view: { kind: 'annotation-editor', range: annotationRange, datasourceUid: store.datasource.uid } });
    await page.getByRole('radiogroup', { name: 'Query type' }).waitFor();
    const saved = await savedQuery(page);
    for (const [key, value] of Object.entries(ANNOTATION_DEFAULT_QUERY)) assert.equal(saved[key], value, key);
    assert.equal(await page.getByRole('radiogroup', { name: 'Format' }).getByRole('radio', { name: 'Events' }).isChecked(), true);
    await pick(page, 'KPI', 'skip rate', /^Skip rate/);
    await page.getByText(/^[1-9]\d* events found$/).waitFor();
    const events = await page.getByTestId('annotation-event').evaluateAll((items) =>
      items.map((li) => ({ time: Number(li.getAttribute('data-time')), end: Number(li.getAttribute('data-time-end')), tags: li.getAttribute('data-tags') ?? '', text: li.textContent ?? '' })),
    );
    const incidentStart = store.endMs - INCIDENT_SAMPLES * 60_000;
    const incident = events.find((e) => e.end >= incidentStart && e.time <= store.endMs);
    assert.ok(incident, `an event over the incident: ${JSON.stringify(events)}`);
    assert.match(incident.text, /Skip rate/);
    assert.match(incident.tags, /anomaly/);
    // The root-cause hint names the market the dataset put the incident in.
    assert.match(incident.text, /market=BR/);
    await session.screenshot(page, 'annotation-editor-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
