import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_SCENARIOS } from '../../../src/simulator/model/builtin-scenarios';
import { labels, parseScenario, resolveIncidents, ScenarioError } from '../../../src/simulator/model/scenario';
import { HOUR, T0 } from './helpers';

const parse = (body: unknown) => parseScenario(JSON.stringify(body), 'my.json');
const fails = (body: unknown, pattern: RegExp) => assert.throws(() => parse(body), (e: unknown) => e instanceof ScenarioError && pattern.test(e.message));

describe('scenario files', () => {
  it('resolve relative and absolute times and fill in default magnitudes', () => {
    const scenario = parse({
      name: 'mine',
      incidents: [
        { id: 'a', type: 'cdn_degradation', start: '+2h', duration: '30m', scope: { market: 'BR' } },
        { id: 'b', type: 'payment_provider_outage', start: '-1h', duration: '15m', scope: { market: ['US', 'GB'] }, magnitude: 0.5 },
        { id: 'c', type: 'traffic_surge', start: '2026-11-20T20:00:00Z', duration: '1h' },
      ],
    });
    const [a, b, c] = resolveIncidents(scenario, T0, T0 + 6 * HOUR);
    assert.deepEqual([a!.startMs, a!.endMs, a!.magnitude, a!.scope], [T0 + 2 * HOUR, T0 + 2.5 * HOUR, 3, { market: ['BR'] }]);
    assert.deepEqual([b!.startMs, b!.magnitude, b!.scope], [T0 + 5 * HOUR, 0.5, { market: ['US', 'GB'] }]);
    assert.equal(c!.startMs, Date.parse('2026-11-20T20:00:00Z'));
  });

  it('refuse a start counted from the end in a run without one (live)', () => {
    const scenario = parse({ name: 'x', incidents: [{ id: 'a', type: 'telemetry_gap', start: '-1h', duration: '5m' }] });
    assert.throws(() => resolveIncidents(scenario, T0), /counts back from the end, and a live run has none/);
  });

  it('name the field and what was expected', () => {
    fails({ name: 'x', incidents: [{ id: 'a', type: 'meteor', start: '+1h', duration: '1h' }] }, /incidents\.0\.type: expected one of cdn_degradation, /);
    fails({ name: 'x', incidents: [{ id: 'a', type: 'cdn_degradation', start: 'soon', duration: '1h' }] }, /incidents\.0\.start: expected a time: RFC 3339/);
    fails({ name: 'x', incidents: [{ id: 'a', type: 'cdn_degradation', start: '+1h', duration: '0s' }] }, /incidents\.0\.duration: expected a duration above zero/);
    fails({ name: 'x', incidents: [{ id: 'a', type: 'payment_provider_outage', start: '+1h', duration: '1h', magnitude: 3 }] }, /incidents\.0\.magnitude: expected probability that a payment attempt fails from 0 to 1, got 3/);
    fails({ name: 'x', incidents: [{ id: 'a', type: 'cdn_degradation', start: '+1h', duration: '1h', scope: { country: 'SE' } }] }, /incidents\.0\.scope/);
    fails({ name: 'x', incidents: [{ id: 'a', type: 'cdn_degradation', start: '+1h', duration: '1h', newIds: true }] }, /incidents\.0\.newIds: only duplicate_sender/);
    fails({ name: 'x', incidents: [{ id: 'a', type: 'telemetry_gap', start: '+1h', duration: '1h' }, { id: 'a', type: 'telemetry_gap', start: '+2h', duration: '1h' }] }, /incidents\.1\.id: the id a is used twice/);
    fails({ name: 'Bad Name' }, /^my\.json: name: expected a name of lower-case letters/);
    fails({ name: 'x', extra: 1 }, /my\.json: \(scenario\)/);
    assert.throws(() => parseScenario('{', 'broken.json'), /^ScenarioError: broken\.json: not valid JSON|broken\.json: not valid JSON/);
  });

  it('write ground truth for the incidents that overlap the run, with the KPIs each one moves', () => {
    const scenario = parse({
      name: 'truth',
      incidents: [
        { id: 'before', type: 'cdn_degradation', start: '2026-11-19T00:00:00Z', duration: '1h' },
        { id: 'cdn', type: 'cdn_degradation', start: '+1h', duration: '1h', scope: { market: 'BR' } },
        { id: 'gap', type: 'telemetry_gap', start: '+2h', duration: '10m' },
      ],
    });
    const truth = labels(scenario, resolveIncidents(scenario, T0, T0 + 4 * HOUR), 42, T0, T0 + 4 * HOUR);
    assert.deepEqual(truth.incidents.map((i) => i.id), ['cdn', 'gap']);
    const cdn = truth.incidents[0]!;
    assert.equal(cdn.start, new Date(T0 + HOUR).toISOString());
    assert.ok(cdn.kpis.some((k) => k.kpi === 'rebuffering_ratio' && k.direction === 'up'));
    assert.ok(cdn.kpis.some((k) => k.kpi === 'average_bitrate' && k.direction === 'down'));
    assert.equal(cdn.dataQuality, undefined);
    assert.equal(truth.incidents[1]!.dataQuality, 'gap');
    assert.equal(truth.seed, 42);
  });

  it('ship built-ins from calm to subtle, all valid', () => {
    assert.deepEqual([...BUILTIN_SCENARIOS.keys()], ['calm', 'obvious', 'mixed', 'subtle', 'live']);
    assert.equal(BUILTIN_SCENARIOS.get('calm')!.incidents.length, 0);
    const types = new Set([...BUILTIN_SCENARIOS.get('mixed')!.incidents].map((i) => i.type));
    assert.equal(types.size, 7, 'mixed has every incident type');
    for (const scenario of BUILTIN_SCENARIOS.values()) assert.doesNotThrow(() => resolveIncidents(scenario, T0));
  });
});
