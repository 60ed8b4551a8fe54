import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyIpLiteral, isGlobalUnicast } from './ip-address.ts';
import {
  dottedQuad,
  embeddedSpellings,
  embeddingForms,
  globalIpv4,
  globalIpv6,
  ipv6Spellings,
  specialIpv4,
  specialIpv6,
} from './testing/address-arbitraries.ts';

/** [hostname as URL.hostname holds it, range, range of the IPv4 address it carries] */
type Case = readonly [string, string, string?];

const specialIpv4Cases: readonly Case[] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.1.2.3', 'private'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.254', 'carrierGradeNat'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'linkLocal'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.1', 'reserved'],
  ['192.0.0.170', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['192.31.196.1', 'as112'],
  ['192.52.193.1', 'amt'],
  ['192.88.99.1', 'reserved'],
  ['192.168.1.1', 'private'],
  ['192.175.48.1', 'as112'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.51.100.1', 'reserved'],
  ['203.0.113.7', 'reserved'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],
];

const specialIpv6Cases: readonly Case[] = [
  ['[::]', 'unspecified'],
  ['[::1]', 'loopback'],
  ['[::7f00:1]', 'ipv4Compatible', 'loopback'],
  ['[::808:808]', 'ipv4Compatible', 'unicast'],
  ['[::2]', 'ipv4Compatible', 'unspecified'],
  ['[::ffff:7f00:1]', 'ipv4Mapped', 'loopback'],
  ['[::ffff:a9fe:a9fe]', 'ipv4Mapped', 'linkLocal'],
  ['[::ffff:c0a8:101]', 'ipv4Mapped', 'private'],
  ['[::ffff:0:7f00:1]', 'rfc6145', 'loopback'],
  ['[64:ff9b::7f00:1]', 'rfc6052', 'loopback'],
  ['[64:ff9b::808:808]', 'rfc6052', 'unicast'],
  ['[64:ff9b:1::a00:1]', 'rfc6052', 'private'],
  ['[2002:7f00:1::]', '6to4', 'loopback'],
  ['[2002:a9fe:a9fe::1]', '6to4', 'linkLocal'],
  ['[2002:c0a8:101::]', '6to4', 'private'],
  ['[2001:0:4136:e378:8000:63bf:80ff:fffe]', 'teredo', 'loopback'],
  ['[fe80::1]', 'linkLocal'],
  ['[fe90::1]', 'linkLocal'],
  ['[febf:ffff::1]', 'linkLocal'],
  ['[fec0::1]', 'deprecatedSiteLocal'],
  ['[feff::1]', 'deprecatedSiteLocal'],
  ['[fc00::1]', 'uniqueLocal'],
  ['[fd00:ec2::254]', 'uniqueLocal'],
  ['[ff02::1]', 'multicast'],
  ['[ff0e::1]', 'multicast'],
  ['[100::1]', 'discard'],
  ['[100:0:0:1::1]', 'reserved'],
  ['[2001:1::1]', 'reserved'],
  ['[2001:2::1]', 'benchmarking'],
  ['[2001:3::1]', 'amt'],
  ['[2001:4:112::1]', 'as112v6'],
  ['[2001:10::1]', 'deprecatedOrchid'],
  ['[2001:20::1]', 'orchid2'],
  ['[2001:30::1]', 'droneRemoteIdProtocolEntityTags'],
  ['[2001:db8::1]', 'reserved'],
  ['[2620:4f:8000::1]', 'as112v6'],
  ['[3fff::1]', 'reserved'],
  ['[5f00::1]', 'segmentRouting'],
  ['[4000::1]', 'reserved'],
  ['[8000::1]', 'reserved'],
];

const globalCases: readonly string[] = [
  '8.8.8.8',
  '1.1.1.1',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.1',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '[2001:4860:4860::8888]',
  '[2606:4700:4700::1111]',
  '[2001:200::1]',
  '[2620:4f:8001::1]',
  '[2c0f:ffff::1]',
  '[::ffff:808:808]',
];

describe('ip address classes', () => {
  for (const [hostname, range, embedded] of [...specialIpv4Cases, ...specialIpv6Cases]) {
    it(`ip address: ${hostname} is ${range}${embedded ? ` carrying ${embedded}` : ''}, not global unicast`, () => {
      const address = classifyIpLiteral(hostname);
      expect(address?.range).toBe(range);
      expect(address?.embedded?.range).toBe(embedded);
      expect(address && isGlobalUnicast(address)).toBe(false);
    });
  }

  for (const hostname of globalCases) {
    it(`ip address: ${hostname} is global unicast`, () => {
      const address = classifyIpLiteral(hostname);
      expect(address && isGlobalUnicast(address)).toBe(true);
    });
  }

  it('ip address: domain names and non-canonical spellings are not literals', () => {
    for (const hostname of [
      'example.com',
      '127.0.0.1.nip.io',
      '0x7f.1',
      '127.1',
      '1.2.3.256',
      '[not-v6]',
      '',
    ]) {
      expect(classifyIpLiteral(hostname)).toBeNull();
    }
  });

  it('ip address: ipaddr.js agrees with the IANA registries on generated IPv4 addresses', () => {
    fc.assert(
      fc.property(specialIpv4, (address) => {
        const found = classifyIpLiteral(dottedQuad(address));
        expect(found && isGlobalUnicast(found)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(globalIpv4, (address) => {
        expect(classifyIpLiteral(dottedQuad(address))?.range).toBe('unicast');
      }),
      { numRuns: 1_000 },
    );
  });

  it('ip address: ipaddr.js agrees with the IANA registries on generated IPv6 addresses', () => {
    fc.assert(
      fc.property(specialIpv6.chain(ipv6Spellings), (hostname) => {
        const found = classifyIpLiteral(hostname);
        expect(found && isGlobalUnicast(found)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(globalIpv6.chain(ipv6Spellings), (hostname) => {
        expect(classifyIpLiteral(hostname)?.range).toBe('unicast');
      }),
      { numRuns: 1_000 },
    );
  });

  it('ip address: the IPv4 address a transition form carries is extracted and classified', () => {
    const carried = fc
      .tuple(fc.oneof(specialIpv4, globalIpv4), fc.constantFrom(...embeddingForms))
      // ::0.0.0.0 and ::0.0.0.1 are the unspecified and loopback addresses, which carry nothing.
      .filter(([address, form]) => form !== 'compatible' || address > 1n)
      .chain(([address, form]) =>
        embeddedSpellings(address, form).map((hostname) => ({ address, hostname })),
      );
    fc.assert(
      fc.property(carried, ({ address, hostname }) => {
        const found = classifyIpLiteral(hostname);
        expect(found?.embedded?.address).toBe(dottedQuad(address));
        expect(found?.embedded?.range).toBe(classifyIpLiteral(dottedQuad(address))?.range);
      }),
      { numRuns: 1_000 },
    );
  });
});
