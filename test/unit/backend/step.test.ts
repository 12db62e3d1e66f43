import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { planStep, PROMETHEUS_MAX_POINTS } from '../../../src/backend/query/step';

const HOUR = 3_600_000;

test('uses Grafana interval when it fits, aligned to the step', () => {
  const plan = planStep({ from: 1_000_000_017, to: 1_000_000_017 + HOUR, intervalMs: 15_000, maxDataPoints: 1000 });
  assert.equal(plan.stepMs, 15_000);
  assert.equal(plan.start % 15_000, 0);
  assert.equal(plan.end % 15_000, 0);
  assert.ok(plan.start <= 1_000_000_017 && plan.start > 1_000_000_017 - 15_000);
});

test('min step raises the step; maxDataPoints and the Prometheus limit cap the points', () => {
  assert.equal(planStep({ from: 0, to: HOUR, intervalMs: 1000, maxDataPoints: 10_000, minStep: '1m' }).stepMs, 60_000);
  assert.equal(planStep({ from: 0, to: HOUR, intervalMs: 1000, maxDataPoints: 60 }).stepMs, 60_000);
  const year = planStep({ from: 0, to: 365 * 24 * HOUR, intervalMs: 1, maxDataPoints: 1e9 });
  assert.ok((365 * 24 * HOUR) / year.stepMs <= PROMETHEUS_MAX_POINTS);
});

test('steps above a second are whole seconds', () => {
  assert.equal(planStep({ from: 0, to: 1000, intervalMs: 1500, maxDataPoints: 100 }).stepMs, 2000);
  assert.equal(planStep({ from: 0, to: 1000, intervalMs: 250, maxDataPoints: 100 }).stepMs, 250);
});

test('property: aligned, ordered, within point limits', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2e12 }),
      fc.integer({ min: 0, max: 90 * 24 * HOUR }),
      fc.integer({ min: 1, max: 3_600_000 }),
      fc.integer({ min: 1, max: 20_000 }),
      (from, span, intervalMs, maxDataPoints) => {
        const plan = planStep({ from, to: from + span, intervalMs, maxDataPoints });
        assert.ok(plan.stepMs >= 1);
        assert.ok(plan.start <= plan.end);
        assert.equal(plan.start % plan.stepMs, 0);
        assert.equal(plan.end % plan.stepMs, 0);
        assert.ok((plan.end - plan.start) / plan.stepMs <= Math.min(maxDataPoints, PROMETHEUS_MAX_POINTS) + 1);
      },
    ),
  );
});
