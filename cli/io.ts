/** A stream the CLI writes to: stdout or stderr, or a test's stand-in. */
export interface OutputStream {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The process's world, passed in so nothing reads globals at module load. */
export interface CliIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** Calls `handler` on Ctrl-C (SIGINT) or SIGTERM, once; returns a function that stops listening. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

/** Prints a value as pretty JSON on stdout (`--json`). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints lines on stdout. */
export function printLines(io: CliIo, ...lines: string[]): void {
  io.stdout.write(`${lines.join('\n')}\n`);
}

/** How many characters of a secret are shown, from its start (key prefixes are public). */
const SHOWN_PREFIX = 8;

/** A secret as it may appear in output: its first characters and its length, never the rest. */
export function maskSecret(secret: string): string {
  if (secret.length <= SHOWN_PREFIX * 2) return `…(${secret.length} chars)`;
  return `${secret.slice(0, SHOWN_PREFIX)}…(${secret.length} chars)`;
}
