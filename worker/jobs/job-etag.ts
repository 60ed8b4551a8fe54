/** A job version as a strong entity tag (`"12"`): it changes with every state a client can see. */
export function etagOfVersion(version: number): string {
  return `"${version}"`;
}

/**
 * The job version an `If-None-Match` names, or null for none or anything else (a list, `*`, a weak
 * or foreign tag): the request is then answered as if the header were absent.
 */
export function versionOfEtag(header: string | undefined): number | null {
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header ?? '');
  return match ? Number(match[1]) : null;
}
