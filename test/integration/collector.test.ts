/**
 * The real collector process (`node --import tsx src/collector/main.ts`) on a free port: loads of
 * concurrent clients with a known mix of good, bad and duplicate events, every kind of bad body,
 * and a graceful shutdown with a batch in flight.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { makeEvent, makePlay, postEvents, request, sampleSum, sampleValue, startCollector, TEST_TOKEN, type CollectorProcess } from '../support/collector';

interface Counts {
  accepted: number;
  rejected: number;
  duplicate: number;
}

describe('collector under concurrent load', () => {
  let collector: CollectorProcess;
  before(async () => {
    collector = await startCollector(['--drain-seconds', '0']);
  });
  after(() => collector.stop());

  it('counts every event once: in = accepted + rejected + duplicate, and /metrics agrees', async () => {
    const CLIENTS = 6;
    const BATCHES = 15;
    const PLAYS = 20; // × 5 events
    const SESSIONS = 10;
    const BAD_SCHEMA = 4;
    const BAD_FUTURE = 2;
    const ORPHANS = 1; // play_end without a start
    const RESENT = 5; // events of the previous batch sent again
    const REPLAYED = 3; // events of the previous batch sent again under new ids
    const REPEATED = 2; // events repeated inside the batch

    const expected = { accepted: 0, rejected: 0, duplicate: 0, sent: 0, plays: 0, sessions: 0 };
    const client = async (c: number) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const got: Counts = { accepted: 0, rejected: 0, duplicate: 0 };
      let previous: Array<Record<string, unknown>> = [];
      for (let b = 0; b < BATCHES; b++) {
        const good: Array<Record<string, unknown>> = [];
        for (let p = 0; p < PLAYS; p++) good.push(...makePlay(`c${c}-b${b}-p${p}`, { market: ['SE', 'US', 'DE'][p % 3], userId: `u${c}-${p}` }));
        for (let s = 0; s < SESSIONS; s++) good.push(makeEvent('session_start', { platform: 'web' }));
        const bad = [
          ...Array.from({ length: BAD_SCHEMA }, (_, i) => makeEvent('session_end', i % 2 ? { durationMs: -1 } : { market: 'Sweden' })),
          ...Array.from({ length: BAD_FUTURE }, () => makeEvent('session_start', {}, Date.now() + 3_600_000)),
          ...Array.from({ length: ORPHANS }, () => makeEvent('play_end', { playId: `c${c}-b${b}-orphan` })),
        ];
        const replayed = previous.slice(RESENT, RESENT + REPLAYED).map((e) => ({ ...e, id: `${String(e.id)}-replayed` }));
        const dups = [...previous.slice(0, RESENT), ...replayed, ...good.slice(0, REPEATED)];
        const batch = [...good, ...bad, ...dups];
        // Shuffle deterministically so duplicates are interleaved (repeats must come after their original).
        const body = [...good.slice(0, 50), ...bad, ...previous.slice(0, RESENT), ...good.slice(50), ...replayed, ...good.slice(0, REPEATED)];
        assert.equal(body.length, batch.length);
        // Formats rotate: JSON, NDJSON, gzip JSON.
        const mode = (c + b) % 3;
        const reply =
          mode === 2
            ? await postEvents(collector, gzipSync(JSON.stringify(body)), { agent, headers: { 'Content-Encoding': 'gzip' } })
            : await postEvents(collector, body, { agent, ndjson: mode === 1 });
        assert.equal(reply.status, 200, reply.text);
        const counts = reply.json() as Counts & { rejections: Array<{ field: string }> };
        assert.deepEqual(
          { accepted: counts.accepted, rejected: counts.rejected, duplicate: counts.duplicate },
          { accepted: good.length, rejected: bad.length, duplicate: previous.length > 0 ? RESENT + REPLAYED + REPEATED : REPEATED },
          `client ${c} batch ${b}`,
        );
        assert.deepEqual(counts.rejections.map((r) => r.field).sort(), ['market', 'durationMs', 'market', 'durationMs', 'time', 'time', 'playId'].sort());
        got.accepted += counts.accepted;
        got.rejected += counts.rejected;
        got.duplicate += counts.duplicate;
        expected.sent += body.length;
        expected.plays += PLAYS;
        expected.sessions += SESSIONS;
        previous = good;
      }
      agent.destroy();
      return got;
    };
    const results = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    for (const r of results) {
      expected.accepted += r.accepted;
      expected.rejected += r.rejected;
      expected.duplicate += r.duplicate;
    }
    assert.equal(expected.accepted + expected.rejected + expected.duplicate, expected.sent, 'in = accepted + rejected + duplicate');
    assert.equal(expected.accepted, CLIENTS * BATCHES * (PLAYS * 5 + SESSIONS));

    // The first scrape reads the newborn streaming series at 0 (so rate() sees their first
    // events); the next one has every accepted event.
    const first = (await request(`${collector.url}/metrics`)).text;
    assert.equal(sampleSum(first, 'encore_play_attempts_total'), 0);
    assert.match(first, /^encore_play_attempts_total\{[^}]*market="SE"[^}]*\} 0$/m);
    const metrics = (await request(`${collector.url}/metrics`)).text;
    assert.equal(sampleSum(metrics, 'encore_collector_events_total', { outcome: 'accepted' }), expected.accepted);
    assert.equal(sampleSum(metrics, 'encore_collector_events_total', { outcome: 'rejected' }), expected.rejected);
    assert.equal(sampleSum(metrics, 'encore_collector_events_total', { outcome: 'duplicate' }), expected.duplicate);
    assert.equal(sampleValue(metrics, 'encore_collector_duplicates_total', { match: 'id' }), CLIENTS * ((BATCHES - 1) * RESENT + BATCHES * REPEATED));
    assert.equal(sampleValue(metrics, 'encore_collector_duplicates_total', { match: 'content' }), CLIENTS * (BATCHES - 1) * REPLAYED);
    assert.equal(sampleValue(metrics, 'encore_collector_tracked_ids', { set: 'content' }), expected.accepted, 'one fingerprint per accepted event');
    assert.equal(sampleSum(metrics, 'encore_collector_rejections_total', { reason: 'schema' }), CLIENTS * BATCHES * BAD_SCHEMA);
    assert.equal(sampleSum(metrics, 'encore_collector_rejections_total', { reason: 'time_future' }), CLIENTS * BATCHES * BAD_FUTURE);
    assert.equal(sampleSum(metrics, 'encore_collector_rejections_total', { reason: 'unknown_play' }), CLIENTS * BATCHES * ORPHANS);
    assert.equal(sampleValue(metrics, 'encore_collector_batches_total', { code: '200' }), CLIENTS * BATCHES);
    // The streaming metrics count accepted events exactly.
    assert.equal(sampleSum(metrics, 'encore_play_attempts_total'), expected.plays);
    assert.equal(sampleSum(metrics, 'encore_play_starts_total'), expected.plays);
    assert.equal(sampleSum(metrics, 'encore_play_ends_total'), expected.plays);
    assert.equal(sampleSum(metrics, 'encore_play_seconds_total'), expected.plays * 201);
    assert.equal(sampleSum(metrics, 'encore_rebuffers_total'), expected.plays);
    assert.equal(sampleSum(metrics, 'encore_rebuffer_duration_seconds_count'), expected.plays);
    assert.equal(sampleSum(metrics, 'encore_sessions_started_total'), expected.sessions);
    assert.equal(sampleValue(metrics, 'encore_sessions_started_total', { market: 'SE', platform: 'web', tier: 'premium' }), expected.sessions);
    assert.equal(sampleSum(metrics, 'encore_sessions_ended_total'), 0, 'all session_end events were bad');
    // Received by audience: every accepted event and every resend of one, never a rejected one.
    assert.equal(sampleSum(metrics, 'encore_events_received_total', { outcome: 'accepted' }), expected.accepted);
    assert.equal(sampleSum(metrics, 'encore_events_received_total', { outcome: 'resent' }), expected.duplicate);
    // Sweden: every session event, and the plays p = 0, 3, ..., 18 of each batch (7 of 20, 5 events each).
    assert.equal(sampleSum(metrics, 'encore_events_received_total', { outcome: 'accepted', market: 'SE' }), expected.sessions + (expected.plays * 7 * 5) / 20);
    assert.equal(sampleSum(metrics, 'encore_events_received_total', { outcome: 'accepted', market: 'SE', platform: 'web' }), expected.sessions);
    // Distinct users: u<client>-<play> plus the shared user-1 of the session events.
    assert.equal(sampleSum(metrics, 'encore_active_users'), CLIENTS * PLAYS + 1);
    assert.equal(sampleValue(metrics, 'encore_collector_batch_events_count'), CLIENTS * BATCHES);
    assert.equal(sampleValue(metrics, 'encore_collector_batches_in_flight'), 0);
    assert.ok(sampleValue(metrics, 'encore_collector_last_event_timestamp_seconds') > Date.now() / 1000 - 120);
    assert.ok(sampleValue(metrics, 'encore_collector_process_cpu_seconds_total') > 0, 'default metrics with the encore_collector_ prefix');
    assert.doesNotMatch(metrics, /instance=|pid=|hostname=/, 'no per-instance labels');
  });
});

describe('collector refuses bad bodies and stays up', () => {
  let collector: CollectorProcess;
  before(async () => {
    collector = await startCollector(['--drain-seconds', '0', '--max-body-bytes', '65536', '--max-decoded-bytes', '262144', '--max-events', '100']);
  });
  after(() => collector.stop());

  const post = (body: string | Buffer, headers: Record<string, string> = {}) => postEvents(collector, body, { headers });
  const error = (reply: { json(): unknown }) => (reply.json() as { error: string }).error;

  it('400: not JSON, not an array, truncated JSON, a bad NDJSON line', async () => {
    let reply = await post('this is not json');
    assert.equal(reply.status, 400);
    assert.match(error(reply), /^the body is not valid JSON: Unexpected token/);
    reply = await post('{"type":"session_start"}');
    assert.equal(reply.status, 400);
    assert.match(error(reply), /expected a JSON array of events, got an object/);
    reply = await post(JSON.stringify([makeEvent('session_start'), makeEvent('session_start')]).slice(0, -40));
    assert.equal(reply.status, 400);
    assert.match(error(reply), /not valid JSON/);
    reply = await postEvents(collector, `${JSON.stringify(makeEvent('session_start'))}\n{"broken":\n`, { headers: { 'Content-Type': 'application/x-ndjson' } });
    assert.equal(reply.status, 400);
    assert.match(error(reply), /^line 2 is not valid JSON/);
  });

  it('200 with per-event reasons for events of the wrong types; good neighbours are accepted', async () => {
    const good = makeEvent('session_start');
    const reply = await postEvents(collector, [good, { ...makeEvent('play_start'), startupMs: 'fast', playId: 42 }, 7]);
    assert.equal(reply.status, 200);
    const body = reply.json() as { accepted: number; rejected: number; rejections: Array<Record<string, unknown>> };
    assert.equal(body.accepted, 1);
    assert.equal(body.rejected, 2);
    assert.equal(body.rejections[0]!.index, 1);
    assert.equal(body.rejections[0]!.field, 'playId');
    assert.match(String(body.rejections[0]!.reason), /playId: expected play id \(a string\); startupMs: expected a duration in milliseconds \(a number\)/);
    assert.deepEqual(body.rejections[1], { index: 2, field: '(event)', reason: body.rejections[1]!.reason });
  });

  it('413: a huge body, a gzip bomb, too many events — each names its limit', async () => {
    let reply = await post(JSON.stringify(Array.from({ length: 400 }, () => makeEvent('session_start'))));
    assert.equal(reply.status, 413);
    assert.match(error(reply), /exceeds the limit of 65536 bytes \(max-body-bytes\)/);
    // Without Content-Length (chunked): cut off while streaming.
    const chunked = await streamed(collector, Buffer.alloc(200_000, 0x20));
    assert.equal(chunked.status, 413);
    assert.match(error(chunked), /max-body-bytes/);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 65536, `bomb is ${bomb.length} bytes`);
    reply = await post(bomb, { 'Content-Encoding': 'gzip' });
    assert.equal(reply.status, 413);
    assert.match(error(reply), /decompressed body exceeds the limit of 262144 bytes \(max-decoded-bytes\)/);
    reply = await post(JSON.stringify(Array.from({ length: 101 }, () => ({}))));
    assert.equal(reply.status, 413);
    assert.match(error(reply), /the batch has 101 events; the limit is 100 events per batch \(max-events\)/);
  });

  it('400: truncated gzip', async () => {
    const gz = gzipSync(JSON.stringify([makeEvent('session_start')]));
    const reply = await post(gz.subarray(0, gz.length - 12), { 'Content-Encoding': 'gzip' });
    assert.equal(reply.status, 400);
    assert.match(error(reply), /not valid gzip: unexpected end of file/);
  });

  it('415: wrong content type or encoding', async () => {
    let reply = await post('[]', { 'Content-Type': 'text/csv' });
    assert.equal(reply.status, 415);
    assert.match(error(reply), /Content-Type text\/csv is not supported; send Content-Type: application\/json/);
    reply = await post('[]', { 'Content-Encoding': 'br' });
    assert.equal(reply.status, 415);
  });

  it('401 with WWW-Authenticate: no token, wrong token, wrong scheme', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-123', `Basic ${TEST_TOKEN}`]) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (authorization) headers.Authorization = authorization;
      const reply = await request(`${collector.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify([makeEvent('session_start')]) });
      assert.equal(reply.status, 401, String(authorization));
      assert.equal(reply.headers['www-authenticate'], 'Bearer realm="encore-collector"');
      assert.ok(error(reply).length > 0);
    }
  });

  it('405 / 404 for other methods and paths', async () => {
    assert.equal((await request(`${collector.url}/v1/events`)).status, 405);
    assert.equal((await request(`${collector.url}/nope`)).status, 404);
  });

  it('is still up and accepting after all of that, and counted the refusals', async () => {
    assert.equal((await request(`${collector.url}/healthz`)).status, 200);
    assert.equal((await request(`${collector.url}/readyz`)).status, 200);
    const reply = await postEvents(collector, [makeEvent('session_start')]);
    assert.equal((reply.json() as Counts).accepted, 1);
    assert.equal(collector.child.exitCode, null);
    const metrics = (await request(`${collector.url}/metrics`)).text;
    for (const code of ['400', '401', '413', '415']) assert.ok(sampleValue(metrics, 'encore_collector_batches_total', { code }) > 0, code);
  });
});

describe('collector graceful shutdown', () => {
  it('finishes the batch in flight at SIGTERM, shows it in a scrape during the drain, refuses new batches, exits 0', async () => {
    const collector = await startCollector(['--drain-seconds', '3']);
    try {
      const events = Array.from({ length: 200 }, () => makeEvent('session_start', { market: 'DE' }));
      const body = Buffer.from(JSON.stringify(events));
      // The batch is in flight: headers and half of the body sent, the rest comes after SIGTERM.
      const req = http.request(`${collector.url}/v1/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${collector.token}`, 'Content-Length': String(body.length) },
      });
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
      });
      req.write(body.subarray(0, body.length / 2));
      await waitFor(async () => sampleValue((await request(`${collector.url}/metrics`)).text, 'encore_collector_batches_in_flight') === 1, 'batch in flight');

      collector.child.kill('SIGTERM');
      await waitFor(async () => (await request(`${collector.url}/readyz`)).status === 503, 'readyz 503');
      const refused = await postEvents(collector, [makeEvent('session_start')]);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.connection, 'close');
      assert.match((refused.json() as { error: string }).error, /shutting down/);
      assert.equal((await request(`${collector.url}/healthz`)).status, 200, 'alive while draining');

      req.end(body.subarray(body.length / 2));
      const reply = await answer;
      assert.equal(reply.status, 200, reply.text);
      assert.equal((JSON.parse(reply.text) as Counts).accepted, 200);

      const metrics = (await request(`${collector.url}/metrics`)).text;
      assert.equal(sampleSum(metrics, 'encore_sessions_started_total', { market: 'DE' }), 200, 'the in-flight batch is in the final scrape');
      assert.equal(sampleValue(metrics, 'encore_collector_draining'), 1);

      const started = Date.now();
      assert.equal(await collector.exited, 0);
      assert.ok(Date.now() - started > 1000, 'kept serving for the drain window');
      assert.match(collector.logs(), /"msg":"stopped"/);
    } finally {
      await collector.stop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** POST with a chunked body (no Content-Length), so the size limit must act while streaming. */
function streamed(collector: CollectorProcess, body: Buffer): Promise<{ status: number; json(): unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${collector.url}/v1/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${collector.token}`, 'Transfer-Encoding': 'chunked' },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 16384) req.write(body.subarray(i, i + 16384));
    req.end();
  });
}
