/**
 * The map's entry for `key`, created with `create` when missing; a full map (`max` entries) first
 * forgets its oldest entry, so per-key memory in an isolate stays bounded.
 *
 * @example
 * const memory = boundedEntry(tenants, tenantId, 10_000, () => ({ requests: 0 }));
 */
export function boundedEntry<Key, Value>(
  map: Map<Key, Value>,
  key: Key,
  max: number,
  create: () => Value,
): Value {
  const existing = map.get(key);
  if (existing !== undefined) return existing;
  const created = create();
  setBounded(map, key, created, max);
  return created;
}

/**
 * Sets `key` to `value` as the map's newest entry (a cache's most recently stored); a full map
 * (`max` entries) first forgets its oldest, so a cache in an isolate stays bounded.
 *
 * @example
 * setBounded(tokens, cacheKey, { token, expiresAt }, 1024);
 */
export function setBounded<Key, Value>(map: Map<Key, Value>, key: Key, value: Value, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
