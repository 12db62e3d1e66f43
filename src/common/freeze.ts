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

/**
 * `derive`, with each result kept with its argument when that is frozen (shared between
 * requests, so whatever is derived from it holds as long as it lives); an object that is not
 * frozen may still change, and is derived from each time.
 */
export function derivedOncePerShared<K extends object, V>(derive: (key: K) => V): (key: K) => V {
  const kept = new WeakMap<K, V>();
  return (key) => {
    if (!Object.isFrozen(key)) return derive(key);
    if (kept.has(key)) return kept.get(key)!;
    const value = derive(key);
    kept.set(key, value);
    return value;
  };
}
