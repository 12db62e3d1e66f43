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

function frameHasSecret(frame: Frame, secrets: SecretRedactor): boolean {
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
