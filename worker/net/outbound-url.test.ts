import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, describeRefusal, type OutboundUrlPolicy } from './outbound-url.ts';
import {
  dottedQuad,
  embeddedSpellings,
  embeddingForms,
  globalIpv4,
  globalIpv6,
  ipv4Spellings,
  ipv6Spellings,
  specialIpv4,
  specialIpv6,
} from './testing/address-arbitraries.ts';

const production: OutboundUrlPolicy = { allowPrivate: false, requireHttps: false };
const localDevelopment: OutboundUrlPolicy = { allowPrivate: true, requireHttps: false };
const webhooks: OutboundUrlPolicy = { allowPrivate: false, requireHttps: true };

function refusal(url: string, policy: OutboundUrlPolicy = production): string | null {
  const check = checkOutboundUrl(url, policy);
  return check.ok ? null : describeRefusal(check.refusal);
}

/** [URL, the refusal as describeRefusal words it] */
const refused: ReadonlyArray<readonly [string, string]> = [
  // Numeric shorthands: the WHATWG parser turns them into dotted quads before any check.
  ['http://2130706433/', 'special address 127.0.0.1 (loopback)'],
  ['http://0x7f000001/', 'special address 127.0.0.1 (loopback)'],
  ['http://0x7f.1/', 'special address 127.0.0.1 (loopback)'],
  ['http://127.1/', 'special address 127.0.0.1 (loopback)'],
  ['http://0177.0.0.1/', 'special address 127.0.0.1 (loopback)'],
  ['http://127.0.0.1./', 'special address 127.0.0.1 (loopback)'],
  ['http://0/', 'special address 0.0.0.0 (unspecified)'],
  ['http://0xa9fea9fe/latest/meta-data', 'special address 169.254.169.254 (linkLocal)'],
  ['http://3232235777:9001/', 'special address 192.168.1.1 (private)'],
  ['http://100.100.100.200/', 'special address 100.100.100.200 (carrierGradeNat)'],
  ['http://198.18.0.1/', 'special address 198.18.0.1 (reserved)'],
  ['http://192.0.0.192/', 'special address 192.0.0.192 (reserved)'],
  ['http://224.0.0.251/', 'special address 224.0.0.251 (multicast)'],
  ['http://255.255.255.255/', 'special address 255.255.255.255 (broadcast)'],
  // IPv6 and the forms that carry IPv4, spelled as people write them.
  ['http://[::1]:9001/', 'special address ::1 (loopback)'],
  ['http://[0:0:0:0:0:0:0:1]/', 'special address ::1 (loopback)'],
  ['http://[::]/', 'special address :: (unspecified)'],
  ['http://[::127.0.0.1]/', 'special address ::7f00:1 (ipv4Compatible) carrying 127.0.0.1 (loopback)'],
  ['http://[::ffff:127.0.0.1]/', 'special address ::ffff:7f00:1 (ipv4Mapped) carrying 127.0.0.1 (loopback)'],
  ['http://[::FFFF:7F00:1]/', 'special address ::ffff:7f00:1 (ipv4Mapped) carrying 127.0.0.1 (loopback)'],
  [
    'http://[::ffff:169.254.169.254]/',
    'special address ::ffff:a9fe:a9fe (ipv4Mapped) carrying 169.254.169.254 (linkLocal)',
  ],
  ['http://[64:ff9b::10.0.0.1]/', 'special address 64:ff9b::a00:1 (rfc6052) carrying 10.0.0.1 (private)'],
  ['http://[64:ff9b:1::a00:1]/', 'special address 64:ff9b:1::a00:1 (rfc6052) carrying 10.0.0.1 (private)'],
  [
    'http://[2002:a9fe:a9fe::]/',
    'special address 2002:a9fe:a9fe:: (6to4) carrying 169.254.169.254 (linkLocal)',
  ],
  [
    'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
    'special address 2001:0:4136:e378:8000:63bf:80ff:fffe (teredo) carrying 127.0.0.1 (loopback)',
  ],
  ['http://[fe80::1]/', 'special address fe80::1 (linkLocal)'],
  ['http://[fe90::1]/', 'special address fe90::1 (linkLocal)'],
  ['http://[febf::1]/', 'special address febf::1 (linkLocal)'],
  ['http://[fec0::1]/', 'special address fec0::1 (deprecatedSiteLocal)'],
  ['http://[fd00:ec2::254]/', 'special address fd00:ec2::254 (uniqueLocal)'],
  ['http://[ff02::1]/', 'special address ff02::1 (multicast)'],
  ['http://[100::1]/', 'special address 100::1 (discard)'],
  ['http://[2001:db8::1]/', 'special address 2001:db8::1 (reserved)'],
  // Names that resolve, if at all, inside someone's network.
  ['http://localhost:9001/', 'internal name localhost (single-label)'],
  ['http://LOCALHOST./', 'internal name localhost (single-label)'],
  ['http://%6c%6f%63%61%6c%68%6f%73%74/', 'internal name localhost (single-label)'],
  ['http://ｌｏｃａｌｈｏｓｔ/', 'internal name localhost (single-label)'],
  ['http://localhost\u3002/', 'internal name localhost (single-label)'],
  ['http://localhost.localdomain/', 'internal name localhost.localdomain (localdomain)'],
  ['http://api.localhost/', 'internal name api.localhost (localhost)'],
  [
    'http://metadata.google.internal/computeMetadata/v1/',
    'internal name metadata.google.internal (internal)',
  ],
  ['http://Metadata.Google.Internal./', 'internal name metadata.google.internal (internal)'],
  ['http://metadata/', 'internal name metadata (single-label)'],
  ['http://instance-data/latest/', 'internal name instance-data (single-label)'],
  ['http://printer.local/', 'internal name printer.local (local)'],
  ['http://router.home.arpa/', 'internal name router.home.arpa (home.arpa)'],
  ['http://localhost../', 'malformed'],
  ['http://a..example.com/', 'malformed'],
  // What today's check already refused.
  ['https://user:secret@pool.example.com/', 'userinfo'],
  ['https://user@pool.example.com/', 'userinfo'],
  ['https://:secret@pool.example.com/', 'userinfo'],
  ['ftp://pool.example.com/', 'scheme ftp:'],
  ['file:///etc/passwd', 'scheme file:'],
  ['ws://pool.example.com/', 'scheme ws:'],
  ['gopher://pool.example.com/', 'scheme gopher:'],
  ['not a url', 'malformed'],
];

describe('outbound urls', () => {
  for (const [url, expected] of refused) {
    it(`outbound url: refuses ${url} (${expected})`, () => {
      expect(refusal(url)).toBe(expected);
    });
  }

  it('outbound url: accepts public names and global unicast addresses on any port', () => {
    for (const url of [
      'https://gpu-eu-1.provider.example.com/v1',
      'http://gpu-eu-1.provider.example.com.:9001/',
      'https://ΒΑΣ.example/',
      'http://8.8.8.8:22/',
      'http://[2606:4700:4700::1111]:9001/',
      'http://[::ffff:8.8.8.8]/',
      'https://localhost.example.com/',
    ]) {
      expect(refusal(url)).toBeNull();
    }
  });

  it('outbound url: hands back the parsed URL, so the caller sends what was checked', () => {
    const check = checkOutboundUrl('HTTP://0x08080808:9001/v1', production);
    expect(check.ok && check.url.href).toBe('http://8.8.8.8:9001/v1');
  });

  it('outbound url: local development takes private hosts, never credentials or other schemes', () => {
    for (const url of [
      'http://127.0.0.1:9001',
      'http://localhost:9001',
      'http://[::1]/',
      'http://metadata/',
    ]) {
      expect(refusal(url, localDevelopment)).toBeNull();
    }
    expect(refusal('https://user:pw@127.0.0.1', localDevelopment)).toBe('userinfo');
    expect(refusal('ftp://127.0.0.1', localDevelopment)).toBe('scheme ftp:');
    expect(refusal('http://localhost../', localDevelopment)).toBe('malformed');
  });

  it('outbound url: a policy that requires https refuses http whatever the host', () => {
    expect(refusal('http://hooks.example.com/x', webhooks)).toBe('scheme http:');
    expect(refusal('HTTPS://hooks.example.com/x', webhooks)).toBeNull();
    expect(refusal('http://127.0.0.1/x', { allowPrivate: true, requireHttps: true })).toBe('scheme http:');
  });

  it('outbound url: special IPv4 addresses are refused in every spelling the URL parser reads', () => {
    const spelled = specialIpv4.chain((address) => ipv4Spellings(address).map((host) => ({ address, host })));
    fc.assert(
      fc.property(spelled, ({ address, host }) => {
        const check = checkOutboundUrl(`http://${host}:9001/`, production);
        expect(check.ok).toBe(false);
        expect(!check.ok && check.refusal.reason === 'special_address' && check.refusal.address.address).toBe(
          dottedQuad(address),
        );
        expect(checkOutboundUrl(`http://${host}:9001/`, localDevelopment).ok).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('outbound url: special IPv6 addresses are refused in every spelling', () => {
    fc.assert(
      fc.property(specialIpv6.chain(ipv6Spellings), (host) => {
        expect(refusal(`https://${host}/hook`)).toMatch(/^special address /);
      }),
      { numRuns: 1_000 },
    );
  });

  it('outbound url: special IPv4 carried in mapped, compatible, NAT64, 6to4 or Teredo IPv6 is refused', () => {
    const carried = fc
      .tuple(specialIpv4, fc.constantFrom(...embeddingForms))
      .chain(([address, form]) => embeddedSpellings(address, form));
    fc.assert(
      fc.property(carried, (host) => {
        expect(refusal(`http://${host}/`)).toMatch(/^special address /);
      }),
      { numRuns: 1_000 },
    );
  });

  it('outbound url: global IPv4 is refused in every transition form but IPv4-mapped', () => {
    const carried = fc
      .tuple(globalIpv4, fc.constantFrom(...embeddingForms))
      .chain(([address, form]) => embeddedSpellings(address, form).map((host) => ({ form, host })));
    fc.assert(
      fc.property(carried, ({ form, host }) => {
        expect(checkOutboundUrl(`http://${host}/`, production).ok).toBe(form === 'mapped');
      }),
      { numRuns: 1_000 },
    );
  });

  it('outbound url: global unicast addresses are accepted in every spelling', () => {
    const hosts = fc.oneof(globalIpv4.chain(ipv4Spellings), globalIpv6.chain(ipv6Spellings));
    fc.assert(
      fc.property(hosts, (host) => {
        expect(refusal(`https://${host}/hook`)).toBeNull();
      }),
      { numRuns: 1_000 },
    );
  });
});
