// A stand-in Grafana process that a test can SIGKILL: it starts the plugin exactly as given
// (no shell, given cwd and env, stdout/stderr piped to itself), reports the plugin's pid and
// handshake line as one JSON line on its own stdout, then keeps draining the pipes until killed.
// Usage: node disposable-parent.mjs <config.json>  — {command: string[], cwd: string, env: {}}
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const [file, ...args] = config.command;
const plugin = spawn(file, args, { cwd: config.cwd, env: config.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });

let buffered = '';
let reported = false;
plugin.stdout.on('data', (chunk) => {
  if (reported) return;
  buffered += chunk.toString('utf8');
  const newline = buffered.indexOf('\n');
  if (newline >= 0) {
    reported = true;
    process.stdout.write(JSON.stringify({ pluginPid: plugin.pid, handshake: buffered.slice(0, newline) }) + '\n');
  }
});
plugin.stderr.on('data', () => undefined);
plugin.on('exit', (code, signal) => {
  if (!reported) process.stdout.write(JSON.stringify({ pluginPid: plugin.pid, exited: { code, signal } }) + '\n');
});
// Stay alive until the test kills us; Grafana would be serving requests meanwhile.
setInterval(() => undefined, 60_000);
