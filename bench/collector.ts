// Collector throughput and latency: the real collector process, fed 1,000-event batches over
// HTTP keep-alive by a load generator in another process. Throughput is counted per CPU second
// of the collector process (utime + stime from /proc), i.e. events/s per core, and latency is the
// generator's request time (send to full answer).
//   npm run bench:collector [-- --seconds=10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, startCollector } from '../test/support/collector';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
const SECONDS = secondsArg ? Number(secondsArg.slice('--seconds='.length)) : 10;
const CLK_TCK = 100;

interface LoadResult {
  elapsed: number;
  batches: number;
  events: number;
  accepted: number;
  errors: number;
  bytes: number;
  p50: number;
  p99: number;
  max: number;
}

function cpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function load(url: string, token: string, connections: number, seconds: number, gzip: boolean): Promise<LoadResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'collector-load.ts'), url, token, String(connections), String(seconds), gzip ? 'gzip' : ''], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited ${code}`))));
  });
}

const collector = await startCollector(['--drain-seconds', '0']);
const pid = collector.child.pid!;
const rows: string[][] = [];
try {
  await load(collector.url, collector.token, 2, 3, false); // warm-up: JIT, label sets
  for (const [connections, gzip] of [
    [1, false],
    [2, false],
    [4, false],
    [4, true],
  ] as const) {
    const cpuBefore = cpuSeconds(pid);
    const result = await load(collector.url, collector.token, connections, SECONDS, gzip);
    const cpu = cpuSeconds(pid) - cpuBefore;
    if (result.errors > 0 || result.accepted !== result.events) throw new Error(`not every event was accepted: ${JSON.stringify(result)}`);
    rows.push([
      `${connections}${gzip ? ' (gzip)' : ''}`,
      Math.round(result.events / result.elapsed).toLocaleString('en-US'),
      Math.round(result.events / cpu).toLocaleString('en-US'),
      `${Math.round((cpu / result.elapsed) * 100)} %`,
      result.p50.toFixed(1),
      result.p99.toFixed(1),
      `${((result.bytes / result.batches) / 1024).toFixed(0)} KiB`,
    ]);
  }
  const metrics = await request(`${collector.url}/metrics`);
  const rss = /^encore_collector_process_resident_memory_bytes (\d+)/m.exec(metrics.text)?.[1];
  const cpus = os.cpus();
  console.log(`\nCollector benchmark: 1,000-event batches over HTTP keep-alive, ${SECONDS} s per row`);
  console.log(`Machine: ${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}`);
  console.log(`Collector RSS after the run: ${rss ? `${(Number(rss) / 2 ** 20).toFixed(0)} MiB` : 'n/a'}\n`);
  const header = ['Connections', 'Events/s (wall)', 'Events/s per core', 'Collector CPU', 'p50 ms', 'p99 ms', 'Batch size'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const row of rows) console.log(line(row));
} finally {
  await collector.stop();
}
