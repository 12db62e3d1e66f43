/**
 * Freezes a value and everything it holds, for objects shared between requests (memoized query
 * models, reused plugin contexts): a handler that tried to change one would throw instead of
 * changing what other requests see. Typed arrays and Buffers cannot be frozen and are left as
 * they are.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}
