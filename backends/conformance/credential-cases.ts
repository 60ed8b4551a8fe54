import { expect, vi } from 'vitest';
import type { FetchFunction } from '../backend.ts';
import {
  conformanceJobId,
  failure,
  on,
  type SuiteContext,
  conformanceTest as test,
} from './suite-context.ts';

/** One outbound request the adapter made, as the wire would carry it. */
interface SentRequest {
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
}

/** Console methods an adapter might log through. */
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
/** How deep the leak scan follows an error's properties and causes. */
const SCAN_DEPTH = 6;

/**
 * The credential cases: the token travels only in the header its protocol names, in that exact
 * form, only to the pool's own origin, and no failure puts it in an error or a log line.
 */
export function registerCredentialCases(context: SuiteContext): void {
  test(
    'credential-injection',
    'the token goes only in Authorization, as the protocol writes it',
    async () => {
      const fixture = context.fixture();
      const sent: SentRequest[] = [];
      const recording: FetchFunction = (url, init) => {
        sent.push({ url, headers: new Headers(init.headers), body: bodyText(init.body) });
        return fetch(url, init);
      };
      const backend = fixture.backendWith(recording);
      const pool = fixture.pool;
      await context.call({}, backend);
      await context.call({ onProgress: () => undefined }, backend);
      await backend.cancel({ ...on(pool), jobId: conformanceJobId() });
      await backend.probe?.({ ...on(pool) });

      const token = pool.token;
      const expected = fixture.authorization(token);
      const origin = new URL(pool.url).origin;
      expect(
        sent.filter((request) => request.headers.get('authorization') === expected).length,
      ).toBeGreaterThan(0);
      for (const request of sent) {
        const where = `${request.headers.get('authorization') === null ? 'no header' : 'header'} ${request.url}`;
        const own = new URL(request.url).origin === origin;
        const authorization = request.headers.get('authorization');
        // Another origin (an image CDN, a metrics port) never gets the credential at all.
        if (own && authorization !== null) expect([where, authorization]).toEqual([where, expected]);
        if (!own) expect([where, authorization?.includes(token) ?? false]).toEqual([where, false]);
        const elsewhere = [
          request.url,
          safeDecode(request.url),
          request.body,
          ...[...request.headers].filter(([name]) => name !== 'authorization').flat(),
        ];
        expect([where, elsewhere.filter((text) => text.includes(token))]).toEqual([where, []]);
      }
    },
  );

  test('no-credential-leak', 'no failure puts the token in an error or on the console', async () => {
    const fixture = context.fixture();
    const peer = context.peer();
    const printed: unknown[][] = [];
    const spies = consoleMethods.map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args);
      }),
    );
    const leaks: Array<{ readonly failure: string; readonly leaked: string[] }> = [];
    const check = async (name: string, token: string, pending: () => Promise<unknown>) => {
      const error = await failure(pending());
      leaks.push({ failure: name, leaked: exposures(error).filter((text) => text.includes(token)) });
    };
    const { token } = fixture.pool;
    const elsewhere = (path: string) => `${context.target().url}${path}`;
    try {
      await check('refused credential', fixture.refusedToken, () =>
        context.call({ token: fixture.refusedToken }),
      );
      await check('4xx', token, () => context.call({ request: fixture.invalidRequest }));
      await check('connection refused', token, () => context.call({ poolUrl: fixture.closedUrl }));
      for (const status of [500, 502, 307]) {
        peer.answer = { status, location: elsewhere };
        await check(`${status}`, token, () => context.call({ poolUrl: peer.url }));
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(leaks.filter((entry) => entry.leaked.length > 0)).toEqual([]);
    const secrets = [token, fixture.refusedToken];
    const logged = printed.flatMap((args) => args.flatMap((arg) => exposures(arg)));
    expect(logged.filter((text) => secrets.some((secret) => text.includes(secret)))).toEqual([]);
  });
}

/** Every text an error (or logged value) exposes: message, stack, JSON, properties, causes. */
export function exposures(value: unknown, depth = 0, seen = new Set<object>()): string[] {
  if (value === null || value === undefined || depth > SCAN_DEPTH) return [];
  if (typeof value !== 'object') return [String(value)];
  if (seen.has(value)) return [];
  seen.add(value);
  const texts: string[] = [];
  if (value instanceof Error) texts.push(String(value), value.stack ?? '');
  try {
    texts.push(JSON.stringify(value) ?? '');
  } catch {
    // Cycles or BigInts: the properties below still get scanned one by one.
  }
  // Own keys, non-enumerable ones too: `message`, `stack` and `cause` are not enumerable.
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === 'symbol') continue;
    texts.push(key, ...exposures(Reflect.get(value, key), depth + 1, seen));
  }
  return texts;
}

function bodyText(body: RequestInit['body']): string {
  if (body === null || body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new TextDecoder().decode(body);
  if (body instanceof URLSearchParams) return body.toString();
  return `[${Object.prototype.toString.call(body)}]`;
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}
