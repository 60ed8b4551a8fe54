import { describe, expect, it } from 'vitest';
import { poolBaseProblem, poolUrlProblem } from './pool-url.ts';

describe('pool url checks', () => {
  const refused: Array<[string, string]> = [
    ['ftp://pool.example.com', 'not_http'],
    ['not a url', 'not_http'],
    ['https://user:secret@pool.example.com', 'userinfo'],
    ['http://127.0.0.1:9001', 'private_address'],
    ['http://localhost:9001', 'private_address'],
    ['http://10.1.2.3', 'private_address'],
    ['http://172.20.0.1', 'private_address'],
    ['http://192.168.1.10', 'private_address'],
    ['http://169.254.169.254/latest/meta-data', 'private_address'],
    ['http://[::1]:9001', 'private_address'],
    ['http://[::ffff:127.0.0.1]', 'private_address'],
    ['http://[::ffff:7f00:1]', 'private_address'],
    ['http://2130706433', 'private_address'],
    ['http://0x7f000001', 'private_address'],
    ['http://metadata.internal', 'private_address'],
    // Issue 12, item 4: forms the hand-written ranges let through.
    ['http://[::127.0.0.1]', 'private_address'],
    ['http://[64:ff9b::127.0.0.1]', 'private_address'],
    ['http://[2002:7f00:1::]', 'private_address'],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]', 'private_address'],
    ['http://[fe90::1]', 'private_address'],
    ['http://[fec0::1]', 'private_address'],
    ['http://[ff02::1]', 'private_address'],
    ['http://224.0.0.1', 'private_address'],
    ['http://192.0.0.1', 'private_address'],
    ['http://198.18.0.1', 'private_address'],
    ['http://255.255.255.255', 'private_address'],
    ['http://203.0.113.7:9001', 'private_address'],
    ['http://localhost.:9001', 'private_address'],
    ['http://metadata.google.internal./computeMetadata/v1/', 'private_address'],
    ['http://metadata', 'private_address'],
    ['http://localhost..', 'not_http'],
  ];
  for (const [url, problem] of refused) {
    it(`pool url: refuses ${url} (${problem})`, () => {
      expect(poolUrlProblem(url, false)).toBe(problem);
    });
  }

  it('pool url: accepts public http(s) hosts', () => {
    expect(poolUrlProblem('https://gpu-eu-1.provider.example.com', false)).toBeNull();
    expect(poolUrlProblem('http://8.8.8.8:9001', false)).toBeNull();
    expect(poolUrlProblem('http://[2606:4700:4700::1111]:9001', false)).toBeNull();
  });

  it('pool url: private addresses pass only where local development allows them', () => {
    expect(poolUrlProblem('http://127.0.0.1:9001', true)).toBeNull();
    expect(poolUrlProblem('http://localhost.:9001', true)).toBeNull();
    expect(poolUrlProblem('https://user:pw@127.0.0.1', true)).toBe('userinfo');
  });

  it('pool base: the edge itself under another name for this machine is refused, another port is not', () => {
    const edge = 'http://127.0.0.1:8787';
    for (const url of [
      'http://127.0.0.1:8787/v1',
      'http://localhost:8787/v1',
      'http://[::1]:8787',
      'http://0.0.0.0:8787',
      'http://127.0.0.2:8787/',
      'http://LOCALHOST.:8787',
    ]) {
      expect([url, poolBaseProblem(url, edge)]).toEqual([url, "it is this edge's own origin"]);
    }
    for (const url of ['http://127.0.0.1:8788/v1', 'https://127.0.0.1:8787', 'http://10.0.0.1:8787']) {
      expect([url, poolBaseProblem(url, edge)]).toEqual([url, null]);
    }
    expect(poolBaseProblem('https://edge.example.com/v1', 'https://edge.example.com')).not.toBeNull();
    expect(poolBaseProblem('https://api.example.com/v1', 'https://edge.example.com')).toBeNull();
  });
});
