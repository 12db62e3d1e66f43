// promtool (Debian's prometheus package) checks provisioning/prometheus/prometheus.yml both as
// docker-compose.yml mounts it and as the native stack renders it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { renderPrometheusConfig } from '../../src/stack/prometheus-config';
import { nativeScrapeTargets, repoPath, STACK_FILES } from '../../src/stack/services';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'encore-prometheus-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function promtoolCheck(file: string): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', ['check', 'config', file]);
    return `${stdout}${stderr}`;
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    assert.fail(`promtool check config ${file} failed:\n${failure.stdout ?? ''}${failure.stderr ?? failure.message}`);
  }
}

describe('promtool check config', () => {
  it('accepts the file compose mounts', async () => {
    assert.match(await promtoolCheck(repoPath(STACK_FILES.prometheusConfig)), /SUCCESS/);
  });

  it('accepts the native stack\'s copy', async () => {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, renderPrometheusConfig(readFileSync(repoPath(STACK_FILES.prometheusConfig), 'utf8'), nativeScrapeTargets({ prometheus: 19090, collector: 19464 })));
    assert.match(await promtoolCheck(file), /SUCCESS/);
  });

  it('is a real check: it rejects a broken copy', async () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, readFileSync(repoPath(STACK_FILES.prometheusConfig), 'utf8').replace('scrape_interval: 15s', 'scrape_interval: soon'));
    await assert.rejects(run('promtool', ['check', 'config', file]));
  });
});
