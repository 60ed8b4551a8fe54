import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/index.ts';
import { type CredentialDirectory, DirectoryAuthenticator } from './authenticator.ts';
import { loadEdgeKeys } from './edge-keys.ts';
import { mintOperatorToken } from './operator-token.ts';

/** A deny list that records each `jti` asked about and how many questions were open at once. */
function denyList(revoked: ReadonlySet<string>) {
  const asked: string[] = [];
  let open = 0;
  let mostOpen = 0;
  const directory: CredentialDirectory = {
    lookupApiKey: async () => null,
    findTenantByIssuer: async () => null,
    isTokenRevoked: async (jti) => {
      asked.push(jti);
      mostOpen = Math.max(mostOpen, ++open);
      await new Promise((resolve) => setTimeout(resolve, 1));
      open--;
      return revoked.has(jti);
    },
  };
  return { directory, asked, mostOpen: () => mostOpen };
}

function authenticatorOver(directory: CredentialDirectory) {
  return new DirectoryAuthenticator({
    edgeKeys: () => loadEdgeKeys(env.EDGE_SIGNING_KEY),
    tenants: () => directory,
    now: Date.now,
  });
}

async function tokenWith(lineage: readonly string[]) {
  return mintOperatorToken(await loadEdgeKeys(env.EDGE_SIGNING_KEY), 'ops@test', 600, Date.now, lineage);
}

async function refusal(authenticator: DirectoryAuthenticator, token: string): Promise<string | null> {
  try {
    await authenticator.authenticate(`Bearer ${token}`);
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.message;
    throw error;
  }
}

describe('operator token revocation', () => {
  it('revocation: a token and its ancestors are asked about together, and once per cache window', async () => {
    const [grandparent, parent] = [crypto.randomUUID(), crypto.randomUUID()];
    const list = denyList(new Set());
    const authenticator = authenticatorOver(list.directory);
    const child = await tokenWith([parent, grandparent]);
    const principal = await authenticator.authenticate(`Bearer ${child.token}`);
    expect(principal).toMatchObject({ kind: 'operator', tokenId: child.jti, lineage: [parent, grandparent] });
    expect(list.asked.toSorted()).toEqual([child.jti, parent, grandparent].toSorted());
    expect(list.mostOpen()).toBe(3);

    // Cached: no question again; a sibling shares its ancestors' answers.
    await authenticator.authenticate(`Bearer ${child.token}`);
    const sibling = await tokenWith([parent, grandparent]);
    await authenticator.authenticate(`Bearer ${sibling.token}`);
    expect(list.asked).toHaveLength(4);
    expect(list.asked[3]).toBe(sibling.jti);
  });

  it('revocation: a revoked token is told so, one minted with a revoked token is told why', async () => {
    const [revokedAncestor, liveAncestor] = [crypto.randomUUID(), crypto.randomUUID()];
    const revokedToken = await tokenWith([liveAncestor]);
    const list = denyList(new Set([revokedAncestor, revokedToken.jti]));
    const authenticator = authenticatorOver(list.directory);
    expect(await refusal(authenticator, revokedToken.token)).toBe('the token was revoked');
    expect(await refusal(authenticator, (await tokenWith([liveAncestor, revokedAncestor])).token)).toBe(
      'the token was revoked: it was minted with a token that was revoked',
    );
    expect(await refusal(authenticator, (await tokenWith([liveAncestor])).token)).toBeNull();
    expect(await refusal(authenticator, (await tokenWith([])).token)).toBeNull();
  });
});
