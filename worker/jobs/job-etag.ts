/** A job version as a strong entity tag (`"12"`): it changes with every state a client can see. */
export function etagOfVersion(version: number): string {
  return `"${version}"`;
}

/**
 * The entity tags an `If-None-Match` lists, as job versions, or `'*'` (any current one), or null
 * when the header is absent or names no job version (a foreign tag): then it is as if absent.
 * Weak tags compare as strong ones (RFC 9110 13.1.2 uses the weak comparison for this header);
 * a list is read whole (`"3", W/"5"`).
 */
export function versionsOfEtags(header: string | undefined): readonly number[] | '*' | null {
  if (header === undefined) return null;
  if (header.trim() === '*') return '*';
  const versions = [...header.matchAll(/(?:^|,)\s*(?:W\/)?"(\d{1,15})"\s*(?=,|$)/g)].map((tag) =>
    Number(tag[1]),
  );
  return versions.length === 0 ? null : versions;
}

/**
 * The version a reader holds, given the tags it sent and the job's current version: the current
 * one when the reader's tags match it (answer 304, or wait for the next change), else a version
 * no job has (-1: answer at once, the reader's copy is stale), or null for no tags.
 */
export function heldVersion(tags: readonly number[] | '*' | null, current: number): number | null {
  if (tags === null) return null;
  return tags === '*' || tags.includes(current) ? current : -1;
}
