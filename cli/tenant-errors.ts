import { SpillwayError } from '../sdk/index.ts';
import { refusalMessage } from './edge-client.ts';
import { CliError, exitCodes, networkReason } from './errors.ts';

/** What to do about a refused API key. */
const apiKeyFix =
  'pass a valid --api-key or SPILLWAY_API_KEY (mint one with `spillway keys create --tenant <id>`)';

/** Maps an SDK failure to the CLI's one-line errors; anything else passes through unchanged. */
export function tenantFailure(edgeUrl: string, error: unknown): unknown {
  if (!(error instanceof SpillwayError)) return error;
  if (error.status === 0) {
    const reason = error.code === 'timeout' ? 'no answer in time' : networkReason(error.cause ?? error);
    return new CliError(
      `cannot reach the edge at ${edgeUrl} (${reason}): check the URL (--edge, SPILLWAY_EDGE) or start the local stack with \`npm start\``,
      exitCodes.unreachable,
      { cause: error },
    );
  }
  return refusalMessage(error.status, { code: error.code, message: error.message }, 'API key', apiKeyFix);
}

/** Runs a tenant call, turning SDK errors into {@link CliError}s. */
export async function tenantCall<T>(edgeUrl: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw tenantFailure(edgeUrl, error);
  }
}
