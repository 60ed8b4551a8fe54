import type { GenerateBody, GenerateTiming, GpuNodeClient } from './http-client.ts';

/** How a closed-loop load run ends: each client stops at whichever limit it reaches first. */
export interface LoadPlan {
  readonly clients: number;
  /** `performance.now()` after which no client starts a new request. */
  readonly stopAt: number;
  readonly jobsPerClient: number;
  /**
   * Client k sends its first request k/clients of this many milliseconds late. Started together,
   * a full batch also finishes together, and the batches after it stay in step: completions then
   * come in bursts a job apart, and a window of a few seconds counts one burst more or fewer.
   */
  readonly staggerMs?: number;
  readonly body: (sequence: number) => GenerateBody;
}

/** What a load run produced. */
export interface LoadRun {
  readonly timings: GenerateTiming[];
  readonly failures: number;
  readonly firstError: string | null;
}

/** A client gives up after this many failures in a row (the server is gone, not slow). */
const maxConsecutiveFailures = 5;

/**
 * Runs `clients` closed-loop clients: each sends one request, waits for the whole response,
 * then sends the next, until its plan's limits are reached.
 */
export async function runClosedLoop(client: GpuNodeClient, plan: LoadPlan): Promise<LoadRun> {
  const timings: GenerateTiming[] = [];
  let failures = 0;
  let firstError: string | null = null;
  let sequence = 0;
  const loop = async (_: unknown, clientIndex: number) => {
    const delayMs = ((plan.staggerMs ?? 0) * clientIndex) / plan.clients;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    let consecutive = 0;
    for (let done = 0; done < plan.jobsPerClient && performance.now() < plan.stopAt; done++) {
      try {
        timings.push(await client.generate(plan.body(sequence++)));
        consecutive = 0;
      } catch (error) {
        failures += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
        if (++consecutive >= maxConsecutiveFailures) return;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.clients }, loop));
  return { timings, failures, firstError };
}
