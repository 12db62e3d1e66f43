// Writes the provisioned dashboards, provisioning/dashboards/encore/*.json, from
// scripts/dashboards/definitions.ts (npm run provisioning:dashboards). A unit test fails when the
// committed files differ from what this would write.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DASHBOARDS } from './dashboards/definitions';

export const DASHBOARDS_DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'provisioning', 'dashboards', 'encore');

/** Every dashboard file as it should be on disk: name -> text. */
export function dashboardFiles(): Map<string, string> {
  return new Map(DASHBOARDS.map(({ file, build }) => [file, `${JSON.stringify(build(), null, 2)}\n`]));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  mkdirSync(DASHBOARDS_DIR, { recursive: true });
  for (const [file, text] of dashboardFiles()) {
    writeFileSync(join(DASHBOARDS_DIR, file), text);
    console.log(`wrote ${join(DASHBOARDS_DIR, file)}`);
  }
}
