import { describe, expect, it } from 'vitest';
import { internalZoneOf, normalizeHostName } from './host-name.ts';

describe('host names', () => {
  it('host name: lower-cases and strips one trailing dot', () => {
    expect(normalizeHostName('LOCALHOST.')).toBe('localhost');
    expect(normalizeHostName('Metadata.Google.Internal.')).toBe('metadata.google.internal');
    expect(normalizeHostName('gpu-eu-1.provider.example.com')).toBe('gpu-eu-1.provider.example.com');
    expect(normalizeHostName('_pool._tcp.example.com')).toBe('_pool._tcp.example.com');
    expect(normalizeHostName('xn--mxab6c.com')).toBe('xn--mxab6c.com');
  });

  it('host name: empty labels, non-LDH labels and numeric last labels are malformed', () => {
    for (const hostname of [
      'localhost..',
      'a..b',
      '.a',
      '',
      '.',
      '-a.example',
      'a-.example',
      'a*b.example',
    ]) {
      expect(normalizeHostName(hostname)).toBeNull();
    }
    for (const hostname of ['0x7f.1', '127.1', '1.2.3.4.5', 'example.0x10', 'example.123']) {
      expect(normalizeHostName(hostname)).toBeNull();
    }
  });

  const internal: ReadonlyArray<readonly [string, string]> = [
    ['localhost', 'single-label'],
    ['metadata', 'single-label'],
    ['instance-data', 'single-label'],
    ['kubernetes', 'single-label'],
    ['localhost.localdomain', 'localdomain'],
    ['api.localhost', 'localhost'],
    ['a.b.localhost', 'localhost'],
    ['metadata.google.internal', 'internal'],
    ['instance-data.ec2.internal', 'internal'],
    ['anything.internal', 'internal'],
    ['printer.local', 'local'],
    ['kubernetes.default.svc.cluster.local', 'local'],
    ['router.home.arpa', 'home.arpa'],
    ['nas.lan', 'lan'],
    ['wiki.intranet', 'intranet'],
    ['db.corp', 'corp'],
    ['box.home', 'home'],
    ['vault.private', 'private'],
  ];
  for (const [name, zone] of internal) {
    it(`host name: ${name} is internal (${zone})`, () => {
      expect(internalZoneOf(name)).toBe(zone);
    });
  }

  it('host name: public names are not internal, even when a label looks internal', () => {
    for (const name of [
      'gpu-eu-1.provider.example.com',
      'localhost.example.com',
      'internal.example.com',
      'metadata.google.internal.example.com',
      'local.host',
      'pool.example',
      'hooks.test',
      'xn--mxab6c.com',
    ]) {
      expect(internalZoneOf(name)).toBeNull();
    }
  });
});
