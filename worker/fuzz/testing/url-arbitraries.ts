import fc from 'fast-check';
import type { FuzzTargets } from './fuzz-fixtures.ts';
import { hostileString, pollutingKeys } from './hostile-values.ts';
import type { FuzzParameter } from './route-catalog.ts';
import { validValue } from './schema-arbitraries.ts';

/** Path segments written into the URL as they are: traversal, encoding and delimiter tricks. */
const rawSegments = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2Fadmin',
  '..%2f..%2fv1%2fadmin%2ftenants',
  '%252e%252e',
  '%2F',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  '%u002e',
  '//',
  'a/b',
  'x?y=1',
  'x#frag',
  'x;jsessionid=1',
  '\uff0e\uff0e',
  '%F0%9F%92%A9',
  '%ED%A0%80',
];

/** `encodeURIComponent`, or the raw text where it has a lone surrogate (the URL parser copes). */
export function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A path parameter value: an existing id, a schema-valid one, a hostile one, or a raw trick. */
export function pathValue(parameter: FuzzParameter, targets: FuzzTargets): fc.Arbitrary<string> {
  const valid = validValue(parameter.schema).map((value) => encodeSegment(String(value)));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...targets.pathValues), weight: 6 },
    { arbitrary: valid, weight: 2 },
    { arbitrary: hostileString.map(encodeSegment), weight: 3 },
    { arbitrary: fc.constantFrom(...rawSegments), weight: 2 },
    { arbitrary: fc.constant(''), weight: 1 },
  );
}

/** A query string for `parameters`: valid values, hostile ones, duplicates and junk pairs. */
export function queryString(parameters: readonly FuzzParameter[]): fc.Arbitrary<string> {
  const pair = (name: string, value: fc.Arbitrary<string>) => value.map((text) => `${name}=${text}`);
  const documented = parameters.map((parameter) =>
    fc.oneof(
      pair(
        parameter.name,
        validValue(parameter.schema).map((value) => encodeSegment(String(value))),
      ),
      pair(parameter.name, hostileString.map(encodeSegment)),
      pair(parameter.name, fc.constantFrom(...rawSegments)),
      fc.constant(parameter.name),
      fc.constant(''),
    ),
  );
  const junk = fc.oneof(
    fc.constantFrom('&&&', '=', '==x', '%', 'a[b]=c', 'a[]=1&a[]=2', `${'q'.repeat(4096)}=1`),
    fc.constantFrom(...pollutingKeys).map((key) => `${key}=1`),
    fc
      .tuple(hostileString, hostileString)
      .map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(value)}`),
  );
  return fc
    .tuple(fc.tuple(...documented), fc.array(junk, { maxLength: 3 }), fc.boolean())
    .map(([known, extra, doubled]) => {
      const pairs = [...known, ...(doubled ? known : []), ...extra].filter((part) => part !== '');
      return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
    });
}
