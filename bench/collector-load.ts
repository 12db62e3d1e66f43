// Load generator for bench/collector.ts, run as its own process so that its CPU is not the
// collector's: N keep-alive connections each POST 1,000-event batches back to back for a while,
// and the latency of every batch is recorded. Prints one JSON line with the results.
//   node --import tsx bench/collector-load.ts <url> <token> <connections> <seconds> [gzip]
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { makeEvent, makePlay } from '../test/support/collector';

const [url = '', token = '', connectionsArg = '1', secondsArg = '5', gzipArg] = process.argv.slice(2);
const CONNECTIONS = Number(connectionsArg);
const SECONDS = Number(secondsArg);
const GZIP = gzipArg === 'gzip';
const BATCH = 1000;
const MARKETS = ['SE', 'US', 'DE', 'GB', 'BR', 'JP', 'FR', 'NO'];
const PLATFORMS = ['ios', 'android', 'web', 'desktop'];
const PLACEHOLDER = 'Q0000000000Q';

/** One 1,000-event batch (150 plays of 5 events + 250 other events), ids containing PLACEHOLDER. */
function template(): string {
  const events: Array<Record<string, unknown>> = [];
  const now = Date.now();
  for (let i = 0; events.length < 750; i++) {
    const common = { market: MARKETS[i % MARKETS.length], platform: PLATFORMS[i % PLATFORMS.length], userId: `${PLACEHOLDER}-u${i}`, tier: i % 3 ? 'premium' : 'free' };
    events.push(...makePlay(`${PLACEHOLDER}-p${i}`, common, now));
  }
  const others = ['session_start', 'session_end', 'playback_error', 'ad_impression', 'subscription'] as const;
  for (let i = 0; events.length < BATCH; i++) {
    events.push(makeEvent(others[i % others.length]!, { market: MARKETS[i % MARKETS.length], userId: `${PLACEHOLDER}-u${i}` }, now));
  }
  return JSON.stringify(events.map((e, i) => ({ ...e, id: `${PLACEHOLDER}-e${i}` })));
}

const text = template();
let batchNo = 0;
function nextBody(): Buffer {
  batchNo++;
  const body = Buffer.from(text.replaceAll(PLACEHOLDER, `b${process.pid}x${batchNo}`));
  return GZIP ? gzipSync(body) : body;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
const latencies: number[] = [];
let events = 0;
let accepted = 0;
let errors = 0;
let bytes = 0;

function post(body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Content-Length': String(body.length) };
    if (GZIP) headers['Content-Encoding'] = 'gzip';
    const req = http.request(`${url}/v1/events`, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function worker(until: number): Promise<void> {
  // Bodies are prepared before the clock starts for each request, so the latency is the server's.
  let body = nextBody();
  while (performance.now() < until) {
    const started = performance.now();
    const reply = await post(body);
    latencies.push(performance.now() - started);
    bytes += body.length;
    events += BATCH;
    if (reply.status === 200) accepted += (JSON.parse(reply.text) as { accepted: number }).accepted;
    else errors++;
    body = nextBody();
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: CONNECTIONS }, () => worker(started + SECONDS * 1000)));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({ elapsed, batches: latencies.length, events, accepted, errors, bytes, p50: pct(50), p99: pct(99), max: latencies.at(-1) })}\n`,
);
agent.destroy();
