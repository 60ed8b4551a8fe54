/**
 * The map's entry for `key`, created with `create` when missing; a full map (`max` entries) first
 * forgets its oldest entry, so per-tenant memory in an isolate stays bounded.
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
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  const created = create();
  map.set(key, created);
  return created;
}
