/**
 * Exit codes of `spillway`, documented in docs/cli.md. Scripts branch on them, so a code keeps
 * its meaning once released.
 */
export const exitCodes = {
  ok: 0,
  /** The edge refused the request (its error envelope is printed), or something else failed. */
  failed: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. */
  usage: 2,
  /** No edge or credential configured. */
  notConfigured: 3,
  /** The edge could not be reached (connection refused, DNS, timeout). */
  unreachable: 4,
  /** The edge refused the credential (401/403). */
  credentialRefused: 5,
  /** A job ended `failed` or `canceled`. */
  jobFailed: 6,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/**
 * An expected failure: printed as one line on stderr (the message says what to do), then the
 * process exits with `exitCode`. Anything else that escapes a command is a bug, shown the same
 * way but with exit code 1.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = exitCodes.failed, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** A bad argument value, reported like commander's own usage errors. */
export function usageError(message: string): CliError {
  return new CliError(message, exitCodes.usage);
}

const networkCodes: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
};

/** Why a `fetch` failed before any response, from undici's `cause` chain (e.g. "connection refused"). */
export function networkReason(error: unknown): string {
  let current: unknown = error;
  let innermost = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code && networkCodes[code]) return networkCodes[code];
    if (current.name === 'TimeoutError') return 'no answer in time';
    innermost = current.message;
    current = current.cause;
  }
  return innermost;
}

/** The CliError for an edge that could not be reached at all. */
export function unreachable(edgeUrl: string, error: unknown): CliError {
  return new CliError(
    `cannot reach the edge at ${edgeUrl} (${networkReason(error)}): check the URL (--edge, SPILLWAY_EDGE, ` +
      '`spillway login`) or start the local stack with `npm start`',
    exitCodes.unreachable,
    { cause: error },
  );
}
