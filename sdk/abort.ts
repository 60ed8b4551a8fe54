/** The error fetch rejects with on abort, for runtimes whose `AbortSignal` lacks a reason. */
function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Throws the signal's abort reason if it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Resolves after `ms`, or rejects with the abort reason as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal ? abortError(signal) : undefined);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal for one attempt: aborts when the caller's does, or after `timeoutMs`. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** Whether the attempt's own timeout fired (rather than the caller's signal). */
  timedOut(): boolean;
  /** Stops the timeout only (a stream outlives its connect timeout). */
  clearTimer(): void;
  /** Stops the timer and detaches from the caller's signal. */
  release(): void;
}

/**
 * Links an attempt to the caller's signal and an optional timeout, without `AbortSignal.any`
 * (missing in React Native).
 */
export function attemptSignal(parent: AbortSignal | undefined, timeoutMs: number | undefined): AttemptSignal {
  const controller = new AbortController();
  let expired = false;
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          expired = true;
          controller.abort();
        }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => expired,
    clearTimer: () => clearTimeout(timer),
    release() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
