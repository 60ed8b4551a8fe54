import { describe, expect, it } from 'vitest';
import { classifyBearer } from './bearer.ts';

const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('classifyBearer', () => {
  it('missing: no header or a blank one', () => {
    expect(classifyBearer(undefined)).toEqual({ kind: 'missing' });
    expect(classifyBearer('')).toEqual({ kind: 'missing' });
    expect(classifyBearer('   ')).toEqual({ kind: 'missing' });
  });

  it('api key: an sk_ credential, whatever the case of the scheme', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(classifyBearer(`${scheme} sk_live_abc123`)).toEqual({ kind: 'api_key', key: 'sk_live_abc123' });
    }
  });

  it('jwt: three base64url segments', () => {
    expect(classifyBearer(`Bearer ${jwt}`)).toEqual({ kind: 'jwt', token: jwt });
  });

  it('malformed: another scheme, no credential, extra parts, unsigned or two-part tokens', () => {
    for (const header of [
      `Basic ${btoa('user:pass')}`,
      'Bearer',
      'Bearer ',
      `Bearer ${jwt} extra`,
      'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      'Bearer abc.def',
      'Bearer opaque-token',
      'Bearer sk_live_abc.def',
      `Bearer ${'a'.repeat(20_000)}.b.c`,
      `Bearer${jwt}`,
    ]) {
      expect(classifyBearer(header), header.slice(0, 40)).toEqual({ kind: 'malformed' });
    }
  });
});
