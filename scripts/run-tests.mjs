#!/usr/bin/env node
// Runs the test suites with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [--checks] [unit|integration|browser ...]
//   --checks  run typecheck and lint first (what `npm test` does)
// Suites are folders under test/; files are *.test.ts. Integration and browser suites need `npm run build`
// first (they launch the built backend executable); browser tests also need Debian's chromium.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const withChecks = args.includes('--checks');
const suites = args.filter((a) => !a.startsWith('--'));
const chosen = suites.length > 0 ? suites : ['unit', 'integration', 'browser'];

function run(cmd, cmdArgs) {
  console.log(`\n$ ${cmd} ${cmdArgs.join(' ')}`);
  const result = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

if (withChecks) {
  run('npx', ['tsc', '-p', 'tsconfig.json']);
  run('npx', ['eslint', '.']);
}
const files = chosen.flatMap((suite) => testFiles(join('test', suite)));
if (files.length === 0) {
  console.error(`no test files found in ${chosen.join(', ')}`);
  process.exit(1);
}
// Integration tests start real processes (Prometheus, the backend); run files one at a time
// so that their ports and CPU do not fight on a 2-core machine.
// TAP as the run goes, and the failures again at the end, where a truncated log still shows them.
const reporters = ['--test-reporter=tap', '--test-reporter-destination=stdout', '--test-reporter=./test/support/failure-summary.mjs', '--test-reporter-destination=stdout'];
run(process.execPath, ['--import', 'tsx', '--import', './test/support/proto-text-loader.mjs', '--test', '--test-concurrency=1', ...reporters, ...files]);
