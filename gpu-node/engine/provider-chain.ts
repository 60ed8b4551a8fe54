import type { ExecutionProvider } from '../../shared/index.ts';
import type { ProviderAttempt } from './engine-protocol.ts';

/** The first provider that worked and what the ones before it said. */
export interface ProviderChoice<Session> {
  readonly provider: ExecutionProvider;
  readonly session: Session;
  readonly attempts: readonly ProviderAttempt[];
}

/**
 * Tries providers in order and keeps the first whose session can be created. onnxruntime-node
 * throws at session creation when a provider's library or device is missing instead of falling
 * back, so the fallback has to be ours.
 */
export async function createWithFirstWorkingProvider<Session>(
  providers: readonly ExecutionProvider[],
  createSession: (provider: ExecutionProvider) => Promise<Session>,
): Promise<ProviderChoice<Session> | { readonly attempts: readonly ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];
  for (const provider of providers) {
    try {
      return { provider, session: await createSession(provider), attempts };
    } catch (error) {
      attempts.push({ provider, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { attempts };
}
