// The backend executables: the host one is started exactly as Grafana's go-plugin would (no
// shell, a cwd outside the plugin, nothing but the handshake variables in the environment);
// the others are checked for what can be seen without running them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { BACKEND_EXECUTABLE } from '../../../src/common/plugin-ids';
import { DIST_DATASOURCE, ensureBuilt, HOST_EXECUTABLE } from './dist-support';

const HANDSHAKE = /^1\|2\|tcp\|127\.0\.0\.1:(\d+)\|grpc$/;
/** Node's SEA fuse: `:0` in a plain node binary, `:1` once a blob is injected. */
const SEA_FUSE_SET = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1';
const START_TIMEOUT_MS = 20_000;

before(() => ensureBuilt());

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with the first stdout line, or rejects if the process ends or stays silent. */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no stdout line within ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(buffered.slice(0, end));
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (code ${code}, signal ${signal}) before printing a line`));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe(`host executable ${HOST_EXECUTABLE.slice(DIST_DATASOURCE.length + 1)}`, () => {
  it('is executable', () => {
    assert.ok(statSync(HOST_EXECUTABLE).size > 10 * 1024 * 1024, 'a whole Node runtime is inside');
    accessSync(HOST_EXECUTABLE, constants.X_OK);
  });

  it('refuses to start without the magic cookie, saying why on stderr', async () => {
    // env: {} is `env -i`: not even PATH or HOME, as with Grafana's pluginsSkipHostEnvVars.
    const child = spawn(HOST_EXECUTABLE, [], { cwd: os.tmpdir(), env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = await collect(child);
    assert.notEqual(result.code, 0, 'exit code');
    assert.equal(result.stdout, '', 'nothing on stdout: go-plugin would read it as a handshake');
    assert.match(result.stderr, /grafana_plugin_type/);
  });

  it('with the cookie and nothing else, prints the handshake line first and listens there', async () => {
    const child = spawn(HOST_EXECUTABLE, [], {
      cwd: os.tmpdir(),
      env: { grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const finished = collect(child);
    try {
      const line = await firstLine(child, START_TIMEOUT_MS);
      const match = HANDSHAKE.exec(line);
      assert.ok(match, `handshake line, got ${JSON.stringify(line)}`);
      assert.ok(await canConnect(Number(match[1])), 'the advertised port accepts connections');
    } finally {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await finished;
      clearTimeout(killer);
    }
  });
});

describe('all executables in dist', () => {
  const executables = readdirSync(DIST_DATASOURCE).filter((name) => name.startsWith(`${BACKEND_EXECUTABLE}_`));

  for (const name of executables) {
    it(`${name} carries the application blob`, () => {
      const image = readFileSync(join(DIST_DATASOURCE, name));
      assert.ok(image.includes(SEA_FUSE_SET), 'SEA fuse set');
      // The bundle is in the blob as text; its handshake code is a recognisable piece of it.
      assert.ok(image.includes('PLUGIN_PROTOCOL_VERSIONS'), 'bundle text present');
      if (name.endsWith('.exe')) {
        // The official signature would no longer match: the build removes it (see scripts/build/pe.mjs).
        const peHeader = image.readUInt32LE(0x3c);
        const securityEntry = peHeader + 24 + 112 + 4 * 8;
        assert.equal(image.readUInt32LE(securityEntry + 4), 0, 'no certificate table');
      }
    });
  }
});
