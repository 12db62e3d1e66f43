import type { Frame } from '../grafana/frames/frame';
import type { SecretRedactor } from './secrets';

/**
 * Frames with every known secret taken out of their text: names, labels, field config, meta
 * (executed query, notices, custom) and string values. Frames without secrets are returned as
 * they are (the common case costs one scan of the text).
 */
export function redactFrames(frames: Frame[], secrets: SecretRedactor): Frame[] {
  if (secrets.empty) return frames;
  return frames.map((frame) => (frameHasSecret(frame, secrets) ? redactFrame(frame, secrets) : frame));
}

/**
 * Frames found clean, with the secrets' generation they were checked against. The frames of a
 * cached answer are shared and never modified, so each is scanned once per set of secrets rather
 * than on every request that reuses it.
 */
const clean = new WeakMap<Frame, { redactor: SecretRedactor; generation: number }>();

function frameHasSecret(frame: Frame, secrets: SecretRedactor): boolean {
  const known = clean.get(frame);
  if (known && known.redactor === secrets && known.generation === secrets.generation) return false;
  const found = scanFrame(frame, secrets);
  if (!found) clean.set(frame, { redactor: secrets, generation: secrets.generation });
  return found;
}

function scanFrame(frame: Frame, secrets: SecretRedactor): boolean {
  const texts: string[] = [frame.name ?? '', JSON.stringify(frame.meta ?? {})];
  for (const field of frame.fields) {
    texts.push(field.name, JSON.stringify(field.labels ?? {}), JSON.stringify(field.config ?? {}));
    if (field.type === 'string' || field.type === 'json') {
      for (const value of field.values) if (value !== null && value !== undefined) texts.push(typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  // JSON text escapes some characters; the values are searched raw as well, above.
  return texts.some((text) => secrets.contains(text));
}

function redactFrame(frame: Frame, secrets: SecretRedactor): Frame {
  return {
    ...frame,
    name: frame.name === undefined ? undefined : secrets.redact(frame.name),
    meta: secrets.redactDeep(frame.meta),
    fields: frame.fields.map((field) => ({
      ...field,
      name: secrets.redact(field.name),
      labels: secrets.redactDeep(field.labels),
      config: secrets.redactDeep(field.config),
      values: field.type === 'string' || field.type === 'json' ? field.values.map((v) => secrets.redactDeep(v)) : field.values,
    })),
  };
}
