import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActiveUsers } from '../../../src/collector/aggregation/active-users';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 24, 0, 0, 0);
const SE_FREE = { market: 'SE', tier: 'free' };
const SE_PREMIUM = { market: 'SE', tier: 'premium' };
const US_FREE = { market: 'US', tier: 'free' };

function asRecord(counts: Array<{ labels: { market: string; tier: string }; value: number }>): Record<string, number> {
  return Object.fromEntries(counts.map(({ labels, value }) => [`${labels.market}/${labels.tier}`, value]));
}

describe('ActiveUsers', () => {
  it('counts distinct users per label set', () => {
    const users = new ActiveUsers(DAY);
    users.see('a', SE_FREE, T0);
    users.see('a', SE_FREE, T0 + 1000);
    users.see('b', SE_FREE, T0 + 2000);
    users.see('c', US_FREE, T0 + 3000);
    assert.deepEqual(asRecord(users.counts(T0 + HOUR)), { 'SE/free': 2, 'US/free': 1 });
    assert.equal(users.size, 3);
  });

  it('counts a user once, under the labels of their latest event, whatever the arrival order', () => {
    const users = new ActiveUsers(DAY);
    users.see('a', SE_FREE, T0 + 10 * HOUR);
    users.see('a', SE_PREMIUM, T0 + 12 * HOUR); // upgraded
    users.see('a', SE_FREE, T0 + 11 * HOUR); // late event from before the upgrade
    assert.deepEqual(asRecord(users.counts(T0 + 13 * HOUR)), { 'SE/free': 0, 'SE/premium': 1 });
  });

  it('forgets a user between 24 h and 25 h after their last event (hourly buckets), reporting 0', () => {
    const users = new ActiveUsers(DAY);
    users.see('a', SE_FREE, T0 + 30 * 60_000); // 00:30, bucket [00:00, 01:00)
    users.see('b', SE_FREE, T0 + 5 * HOUR);
    assert.equal(asRecord(users.counts(T0 + DAY + 30 * 60_000))['SE/free'], 2, 'exactly 24 h later: still counted');
    assert.equal(asRecord(users.counts(T0 + DAY + 59 * 60_000))['SE/free'], 2, 'within the bucket slack');
    assert.equal(asRecord(users.counts(T0 + DAY + HOUR))['SE/free'], 1, 'bucket fully out of the window');
    assert.deepEqual(asRecord(users.counts(T0 + 2 * DAY + HOUR)), { 'SE/free': 0 });
    assert.equal(users.size, 0, 'memory released');
  });

  it('keeps a user who comes back, and ignores events older than the expired window', () => {
    const users = new ActiveUsers(DAY);
    users.see('a', SE_FREE, T0);
    users.see('a', SE_FREE, T0 + 20 * HOUR);
    assert.equal(asRecord(users.counts(T0 + 30 * HOUR))['SE/free'], 1);
    users.see('late', US_FREE, T0 + HOUR); // long expired for now = T0 + 30 h
    assert.equal(asRecord(users.counts(T0 + 30 * HOUR))['US/free'], undefined);
    assert.equal(asRecord(users.counts(T0 + 46 * HOUR))['SE/free'], 0);
  });

  it('holds memory for the users in the window only (bounded as time moves on)', () => {
    const users = new ActiveUsers(DAY);
    for (let hour = 0; hour < 24 * 7; hour++) {
      for (let i = 0; i < 100; i++) users.see(`u-${hour}-${i}`, SE_FREE, T0 + hour * HOUR);
      users.counts(T0 + hour * HOUR);
    }
    assert.ok(users.size <= 100 * 25, `tracked ${users.size}`);
    assert.equal(asRecord(users.counts(T0 + (24 * 7 - 1) * HOUR))['SE/free'], 100 * 25);
  });

  it('refuses a window that is not positive', () => {
    assert.throws(() => new ActiveUsers(0), /windowMs: expected a positive number/);
  });
});
