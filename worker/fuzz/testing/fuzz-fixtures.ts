import { env, exports } from 'cloudflare:workers';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { edgeIssuer, tokenTypes } from '../../../shared/index.ts';
import { loadEdgeKeys, mintOperatorToken } from '../../auth/index.ts';
import { parseEdgeConfig } from '../../config.ts';
import { fleetRegistryOf } from '../../fleet/fleet-registry-stub.ts';
import { signedResultUrls } from '../../jobs/result-urls.ts';
import { operatorAuthorization, registerTenantCallers } from '../../testing/tenant-callers.ts';
import { poolInput, providerInput } from '../../testing/test-inputs.ts';
import { craftToken } from '../../testing/test-tokens.ts';
import { fuzzUrls } from './schema-arbitraries.ts';

/** `Authorization` values the fuzzer sends: real ones of each caller kind, and broken ones. */
export interface FuzzCredentials {
  readonly apiKey: string;
  readonly appToken: string;
  readonly operator: string;
  /** Values that must never authenticate: expired, forged, tampered, malformed. */
  readonly invalid: readonly string[];
}

/** Ids that exist, so generated requests also reach the code past "not found". */
export interface FuzzTargets {
  /** Values for path parameters: registered pools and providers, a finished job, a token id. */
  readonly pathValues: readonly string[];
  /**
   * Paths (with query) whose URL is itself the credential or names the signer, by the route's
   * path template: a validly signed result URL, the registered pool's heartbeat URL.
   */
  readonly credentialedPaths: ReadonlyMap<string, string>;
}

/** Credentials and existing resources of one fuzz run. */
export interface FuzzFixtures {
  readonly credentials: FuzzCredentials;
  readonly targets: FuzzTargets;
  /** The registered pool's id: heartbeats signed for it pass the signature check. */
  readonly poolId: string;
  /** A heartbeat token for the registered pool, signed with its key, carrying `telemetry` as is. */
  signHeartbeat(telemetry: unknown): Promise<string>;
}

const FUZZ_TENANT = 'fuzz-caller';
/** Lifetime of the fuzz run's operator token: past any run, short of the edge's maximum. */
const OPERATOR_TTL_S = 3_600;
/** How long ago the expired operator token expired. */
const EXPIRED_AGO_MS = 7_200_000;
/** Lifetime of the expired token at its minting. */
const EXPIRED_TTL_S = 60;

/**
 * An app token signed by a key nobody registered, naming `issuer` (with no `kid` when `kid` is
 * null, so the verifier has to pick among the issuer's registered keys itself).
 */
async function foreignAppToken(
  issuer: string,
  kid: string | null,
  algorithm: 'EdDSA' | 'ES256',
): Promise<string> {
  const pair = await generateKeyPair(algorithm, { extractable: true });
  const jwk = await exportJWK(pair.publicKey);
  return new SignJWT({ jwk })
    .setProtectedHeader({ alg: algorithm, ...(kid === null ? {} : { kid }) })
    .setIssuer(issuer)
    .setAudience(`spillway:${FUZZ_TENANT}`)
    .setSubject('intruder')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(pair.privateKey);
}

/** Signs heartbeats as gpu-node does, whatever the telemetry claim holds. */
function heartbeatSigner(poolId: string, privateKey: CryptoKey): (telemetry: unknown) => Promise<string> {
  return (telemetry) =>
    new SignJWT({ telemetry })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.heartbeat })
      .setIssuer(poolId)
      .setSubject(poolId)
      .setAudience(edgeIssuer)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(privateKey);
}

async function invalidCredentials(apiKey: string, operator: string): Promise<string[]> {
  const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
  const expired = await mintOperatorToken(keys, 'ops@fuzz', EXPIRED_TTL_S, () => Date.now() - EXPIRED_AGO_MS);
  const bareKey = apiKey.replace(/^Bearer /, '');
  const bareOperator = operator.replace(/^Bearer /, '');
  const forgedClaims = { scope: 'operator', sub: 'intruder', exp: 4_000_000_000 };
  return [
    '',
    'Bearer',
    'Bearer ',
    'Basic b3BzOnBhc3N3b3Jk',
    `bearer ${bareKey}`,
    `Bearer  ${bareKey}`,
    bareKey,
    `Bearer ${bareKey}x`,
    `Bearer ${bareKey.slice(0, -1)}`,
    `Bearer ${bareKey}, Bearer ${bareOperator}`,
    `Bearer sk_live_${'A'.repeat(40)}`,
    `Bearer sk_test_${'0'.repeat(32)}`,
    `Bearer ${expired.token}`,
    `Bearer ${bareOperator.slice(0, -4)}AAAA`,
    `Bearer ${bareOperator.split('.').slice(0, 2).join('.')}.`,
    `Bearer ${craftToken({ alg: 'none', typ: 'spillway-operator+jwt' }, forgedClaims)}`,
    `Bearer ${craftToken({ alg: 'HS256', typ: 'spillway-operator+jwt', kid: 'edge-test' }, forgedClaims, 'c2ln')}`,
    `Bearer ${craftToken({ alg: 'EdDSA', kid: '../../etc/passwd', crit: ['x'] }, { sub: '__proto__' })}`,
    `Bearer ${await foreignAppToken(`https://auth.${FUZZ_TENANT}.example`, `${FUZZ_TENANT}-1`, 'EdDSA')}`,
    // Issuers generated tenant bodies register, with whatever keys the fuzzer gave them.
    ...(await Promise.all(
      fuzzUrls.flatMap((issuer) => [
        foreignAppToken(issuer, null, 'EdDSA').then((token) => `Bearer ${token}`),
        foreignAppToken(issuer, null, 'ES256').then((token) => `Bearer ${token}`),
      ]),
    )),
    `Bearer ${'x'.repeat(16_384)}`,
    'Bearer a.b.c',
    'Bearer ....',
    'Bearer e30.e30.',
  ];
}

/**
 * Registers the fuzz run's tenant (API key and app token), mints an operator token, registers a
 * provider and a pool, and leaves a finished job, all through the Worker's own bindings.
 */
export async function setUpFuzzFixtures(): Promise<FuzzFixtures> {
  const callers = await registerTenantCallers(env, FUZZ_TENANT);
  const operator = await operatorAuthorization(env, OPERATOR_TTL_S);
  const registry = fleetRegistryOf(env);
  const provider = providerInput({ id: 'fuzz-provider' });
  await registry.putProvider(provider);
  // A cloud provider's pools need no liveness probe, so generated pool bodies naming it get stored.
  await registry.putProvider(providerInput({ id: 'fuzz-cloud', protocol: 'openai-compatible' }));
  const poolKeys = await generateKeyPair('EdDSA', { extractable: true });
  const pool = await poolInput({
    id: 'fuzz-pool',
    provider_id: provider.id,
    // Nothing resolves under `.invalid`: a dispatch to this pool fails fast, and stays here.
    url: 'https://fuzz-pool.invalid',
    public_key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: (await exportJWK(poolKeys.publicKey)).x ?? '',
      kid: 'fuzz-pool-key',
    },
  });
  const stored = await registry.putPool(pool);
  if (!stored.ok) throw new Error(`fuzz pool not stored: ${stored.reason}`);
  const spareToken = await mintOperatorToken(await loadEdgeKeys(env.EDGE_SIGNING_KEY), 'spare@fuzz', 600);

  const submitted = await exports.default.fetch('http://edge.test/v1/jobs', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a finished job' }),
  });
  const { id: jobId } = (await submitted.json()) as { id: string };
  // Canceled, so the job is finished: a long-poll or event stream on it returns at once.
  await exports.default.fetch(`http://edge.test/v1/jobs/${jobId}`, {
    method: 'DELETE',
    headers: { authorization: callers.apiKey },
  });

  const config = parseEdgeConfig(env);
  const [signedUrl = ''] = await signedResultUrls({
    edgeSigningKey: config.edgeSigningKey,
    origin: 'http://edge.test',
    resultId: `img_${'A'.repeat(24)}`,
    count: 1,
    nowMs: Date.now(),
    ttlSeconds: OPERATOR_TTL_S,
    expiresAt: Date.now() + OPERATOR_TTL_S * 1000,
  });
  const resultUrl = new URL(signedUrl);
  return {
    credentials: {
      apiKey: callers.apiKey,
      appToken: await callers.appToken('fuzz-user'),
      operator,
      invalid: await invalidCredentials(callers.apiKey, operator),
    },
    targets: {
      pathValues: [provider.id, 'fuzz-cloud', pool.id, jobId, spareToken.jti, FUZZ_TENANT],
      credentialedPaths: new Map([
        ['/v1/results/{job_id}/{index}', `${resultUrl.pathname}${resultUrl.search}`],
        ['/v1/pools/{id}/telemetry', `/v1/pools/${pool.id}/telemetry`],
      ]),
    },
    poolId: pool.id,
    signHeartbeat: heartbeatSigner(pool.id, poolKeys.privateKey),
  };
}
