/**
 * DNS zones that resolve, if at all, to hosts inside someone's network, never to a public
 * service: RFC 6761 `localhost`, RFC 6762 `local` (multicast DNS) and the private top-level names
 * its Appendix G lists, RFC 8375 `home.arpa`, ICANN's private-use `internal` (2024; cloud
 * metadata lives at `metadata.google.internal`), and the `localdomain` of many hosts files.
 * Test names (`test`, `example`, `invalid`) are not here: public DNS answers them with nothing.
 */
export const INTERNAL_ZONES: readonly string[] = [
  'localhost',
  'localdomain',
  'local',
  'internal',
  'intranet',
  'private',
  'corp',
  'home',
  'lan',
  'home.arpa',
];

/** A DNS label of a public host: letters, digits, inner hyphens, and `_` (SRV-style names). */
const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;
/**
 * A last label the WHATWG parser reads as a number: it turns such hosts into IPv4 addresses
 * (`0x7f.1` is 127.0.0.1), so one left as a name means another parser was at work.
 */
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;

/**
 * The name to check for a domain as `URL.hostname` holds it (already lower-cased and IDNA
 * punycoded by the WHATWG parser): lower-cased again, one trailing dot (the DNS root) stripped,
 * so `LOCALHOST.` is `localhost`. Null when a label is empty or not LDH, which no public host
 * name has (`localhost..`, `a..b`, `.a`), or when the name ends in a number.
 *
 * @example
 * normalizeHostName('Metadata.Google.Internal.'); // 'metadata.google.internal'
 */
export function normalizeHostName(hostname: string): string | null {
  const lower = hostname.toLowerCase();
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  const labels = name.split('.');
  if (NUMERIC_LABEL.test(labels.at(-1) ?? '')) return null;
  return labels.every((label) => LABEL.test(label)) ? name : null;
}

/**
 * Why a normalised name is internal-only: the internal zone it is in (`'internal'` for
 * `metadata.google.internal`), `'single-label'` for a dotless name (`metadata`, `instance-data`,
 * `kubernetes`), which only a resolver's search list turns into a host, or null for an
 * ordinary public name.
 */
export function internalZoneOf(name: string): string | null {
  if (!name.includes('.')) return 'single-label';
  return INTERNAL_ZONES.find((zone) => name === zone || name.endsWith(`.${zone}`)) ?? null;
}
