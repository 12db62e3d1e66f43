// Writes docs/streaming-event.schema.json from the zod event schema (npm run docs:event-schema).
// A unit test fails when the committed file differs from what this would write.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventJsonSchema } from '../src/common/events/json-schema';

export const EVENT_SCHEMA_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'docs', 'streaming-event.schema.json');

export function eventJsonSchemaText(): string {
  return `${JSON.stringify(eventJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  writeFileSync(EVENT_SCHEMA_FILE, eventJsonSchemaText());
  console.log(`wrote ${EVENT_SCHEMA_FILE}`);
}
