/**
 * The shapes of Go's data.FieldConfig and data.FrameMeta, key by key. Grafana decodes the
 * `config` and `meta` metadata into these structs: a type mismatch in a known key fails the
 * whole frame, null is accepted everywhere, unknown keys are ignored. These checks reproduce
 * that so a bad config is caught here instead of in Grafana.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Check = (value: unknown) => string | undefined;

const isNumber = (v: unknown): boolean => typeof v === 'number' || typeof v === 'bigint';
const expect =
  (test: (v: unknown) => boolean, expected: string): Check =>
  (v) =>
    test(v) ? undefined : `expected ${expected}`;
const aString = expect((v) => typeof v === 'string', 'a string');
const aBool = expect((v) => typeof v === 'boolean', 'a boolean');
const aNumber = expect(isNumber, 'a number');
const anArray = expect(Array.isArray, 'an array');
const anObject = expect(isPlainObject, 'an object');
const arrayOf =
  (item: Check, expected: string): Check =>
  (v) => {
    if (!Array.isArray(v)) return `expected ${expected}`;
    return v.some((x) => x !== null && item(x) !== undefined) ? `expected ${expected}` : undefined;
  };
const oneOf = (...allowed: string[]): Check =>
  expect((v) => typeof v === 'string' && allowed.includes(v), `one of ${allowed.join(', ')}`);
const uint = (max: number): Check =>
  expect((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max, `an integer in [0, ${max}]`);

function shapeProblem(value: Record<string, unknown>, shape: Record<string, Check>, path: string): string | undefined {
  for (const [key, check] of Object.entries(shape)) {
    const item = value[key];
    if (item === undefined || item === null) continue;
    const problem = check(item);
    if (problem) return `${path}${key}: ${problem}`;
  }
  return undefined;
}

const enumConfig: Check = (v) => {
  if (!isPlainObject(v)) return 'expected an object';
  const list = arrayOf(aString, 'an array of strings');
  return shapeProblem(v, { text: list, color: list, icon: list, description: list }, 'enum.');
};

const FIELD_CONFIG: Record<string, Check> = {
  displayName: aString,
  displayNameFromDS: aString,
  path: aString,
  description: aString,
  filterable: aBool,
  writeable: aBool,
  unit: aString,
  decimals: uint(65535),
  min: aNumber,
  max: aNumber,
  interval: aNumber,
  mappings: anArray,
  thresholds: anObject,
  color: anObject,
  links: arrayOf(anObject, 'an array of objects'),
  noValue: aString,
  type: (v) => (isPlainObject(v) ? shapeProblem(v, { enum: enumConfig }, 'type.') : 'expected an object'),
  custom: anObject,
};

export function fieldConfigProblem(config: Record<string, unknown>): string | undefined {
  return shapeProblem(config, FIELD_CONFIG, '');
}

const stat: Check = (v) =>
  isPlainObject(v) ? (shapeProblem(v, { value: aNumber }, '') ?? fieldConfigProblem(v)) : 'expected an object';
const notice: Check = (v) =>
  isPlainObject(v)
    ? // Go's NoticeSeverity decoder rejects anything but these three words, null included.
      (v.severity === null || v.severity === undefined
        ? 'severity: expected one of info, warning, error'
        : shapeProblem(
            v,
            {
              severity: oneOf('info', 'warning', 'error'),
              text: aString,
              link: aString,
              inspect: oneOf('', 'meta', 'error', 'data', 'stats'),
            },
            '',
          ))
    : 'expected an object';
const each =
  (item: Check): Check =>
  (v) => {
    if (!Array.isArray(v)) return 'expected an array';
    for (const [i, x] of v.entries()) {
      const problem = item(x);
      if (problem) return `[${i}] ${problem}`;
    }
    return undefined;
  };

const FRAME_META: Record<string, Check> = {
  type: aString,
  typeVersion: expect(
    (v) => Array.isArray(v) && v.length <= 2 && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0),
    'two non-negative integers',
  ),
  path: aString,
  pathSeparator: aString,
  stats: each(stat),
  notices: each(notice),
  channel: aString,
  preferredVisualisationType: aString,
  preferredVisualisationPluginId: aString,
  executedQueryString: aString,
  dataTopic: aString,
  uniqueRowIdFields: arrayOf(
    expect((v) => typeof v === 'number' && Number.isInteger(v), 'an integer'),
    'an array of integers',
  ),
};

export function frameMetaProblem(meta: Record<string, unknown>): string | undefined {
  return shapeProblem(meta, FRAME_META, '');
}
