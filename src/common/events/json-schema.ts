import { z } from 'zod';
import { EVENT_SCHEMA_VERSION, streamingEventSchema } from './schema';

/**
 * The event schema as JSON Schema (draft 2020-12), for client teams that validate in other
 * languages. Generated from the zod schema, so the two cannot drift; checks zod expresses as code
 * (ISO codes, amount needs currency) are described in the field descriptions instead.
 */
export function eventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(streamingEventSchema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: `https://encore.dev/schemas/streaming-event/v${EVENT_SCHEMA_VERSION}.json`,
    title: `Encore streaming event, schema version ${EVENT_SCHEMA_VERSION}`,
    description:
      'One playback or billing event. Also enforced by the collector: market is an ISO 3166-1 alpha-2 code, ' +
      'currency an ISO 4217 code, an amount needs a currency, conversions and renewals need an amount.',
  };
}
