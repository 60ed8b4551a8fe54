import { waitForTelemetry } from '../../test/edge/edge-stack.ts';
import { measureUnloaded, sweepCapacity } from './baseline.ts';
import { sampleFleet } from './fleet-sampler.ts';
import { runOpenLoop, type TenantLoad } from './open-loop.ts';
import type { OverloadOptions } from './overload-options.ts';
import { type OverloadReport, overloadReport } from './overload-report.ts';
import type { OverloadRun } from './overload-run.ts';
import { type OverloadStack, type OverloadTenant, startOverloadStack } from './overload-stack.ts';
import { pacedPoolStarter } from './paced-pools.ts';
import { attemptOutcomes, attemptsBetween, imageStepsByPool, poolCompute } from './pool-compute.ts';
import { hostCpuTicks, sampleMemory, workerdPids } from './process-memory.ts';

/** Pause after the capacity loop, so the overload starts on drained queues. */
const SETTLE_MS = 3_000;
/** Unrecorded requests before the unloaded latency is timed. */
const UNLOADED_WARMUP = 5;
/** Unmeasured seconds at the start of the capacity loop (queues fill, step curves settle). */
const CAPACITY_WARMUP_MS = 3_000;
/** Pause after the last answer before the pools' compute is read again. */
const CANCEL_SETTLE_MS = 1_000;

/**
 * One run of the overload bench: starts the stack, registers the tenants, measures the unloaded
 * latency and the capacity, offers `loadFactor` times that capacity, and stops the stack (also on
 * failure). `onStack` hands the stack out as soon as it runs, so an interrupt can stop it.
 */
export async function runOverload(
  options: OverloadOptions,
  log: (line: string) => void,
  onStack: (stack: OverloadStack) => void = () => undefined,
): Promise<{ run: OverloadRun; report: OverloadReport }> {
  log(
    `starting the edge and three gpu-node pools (${options.device === 'paced' ? `paced devices, ${options.pacedStepMs} ms a step` : 'ONNX Runtime on CPU'})`,
  );
  const stack = await startOverloadStack({
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    telemetryTtlMs: options.telemetryTtlMs,
    edgeVars: { TIER_SLOWDOWN_LIMITS: options.slowdownLimits, TIER_LIMITS: options.tierLimits },
    poolFlags: [],
    ...(options.device === 'paced' ? { startPool: pacedPoolStarter(options.pacedStepMs) } : {}),
  });
  onStack(stack);
  try {
    const free = await tenants(stack, 'free', options.freeTenants);
    const paid = await tenants(stack, 'paid', options.paidTenants);
    const probe = await stack.addTenant('capacity-probe', 'enterprise');
    await waitForTelemetry(stack.stack);
    const call = {
      edgeUrl: stack.stack.edgeUrl,
      shape: { size: options.size, steps: options.steps },
      deadlineMs: options.deadlineMs,
      timeoutMs: options.deadlineMs + options.hangMarginMs,
    };
    const [firstPaid] = paid;
    if (!firstPaid) throw new Error('at least one paid tenant is needed');
    log(`unloaded latency: ${options.unloadedRequests} paid requests one at a time`);
    const unloaded = await measureUnloaded(
      { ...call, tenant: firstPaid },
      options.unloadedRequests,
      UNLOADED_WARMUP,
      options.unloadedGapMs,
    );
    log(`unloaded: ${JSON.stringify(unloaded)}`);
    log(`capacity: closed loop of ${options.capacityConcurrency} for ${options.capacityWindowS} s`);
    const capacity = await sweepCapacity(
      { ...call, tenant: probe },
      options.capacityConcurrency,
      CAPACITY_WARMUP_MS,
      options.capacityWindowS * 1000,
    );
    log(`capacity: ${JSON.stringify(capacity)}`);
    if (capacity.best.images_per_s <= 0) throw new Error('the fleet completed nothing in the capacity loop');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const loads = tenantLoads(free, paid, capacity.best.images_per_s * options.loadFactor, options.burst);
    log(`overload: ${options.loadFactor}x capacity for ${options.durationS} s`);
    const memory = sampleMemory(await processesOf(stack));
    const fleet = sampleFleet(stack.stack);
    const computedBefore = await imageStepsByPool(stack.stack.pools, stack.stack.edgePrivateKey);
    const attemptsBefore = await attemptOutcomes(stack.stack.edgeUrl, stack.stack.operatorToken);
    const hostBefore = await hostCpuTicks();
    const records = await runOpenLoop({
      loads,
      durationMs: options.durationS * 1000,
      seed: options.seed,
      call,
    });
    const hostAfter = await hostCpuTicks();
    // Cancels of copies that lost reach their pools just after the answers: let them land.
    await new Promise((resolve) => setTimeout(resolve, CANCEL_SETTLE_MS));
    const computedAfter = await imageStepsByPool(stack.stack.pools, stack.stack.edgePrivateKey);
    const attemptsAfter = await attemptOutcomes(stack.stack.edgeUrl, stack.stack.operatorToken);
    const delivered = records.reduce((sum, record) => sum + record.images, 0) * options.steps;
    const run: OverloadRun = {
      options,
      unloaded,
      capacity,
      loads,
      records,
      memory: await memory.stop(),
      pools: await fleet.stop(),
      hostBusyShare: (hostAfter.busy - hostBefore.busy) / Math.max(1, hostAfter.total - hostBefore.total),
      poolCompute: poolCompute(computedBefore, computedAfter, delivered),
      attempts: attemptsBetween(attemptsBefore, attemptsAfter),
    };
    return { run, report: overloadReport(run) };
  } finally {
    log('stopping the stack');
    await stack.stop();
  }
}

async function tenants(
  stack: OverloadStack,
  tier: 'free' | 'paid',
  count: number,
): Promise<OverloadTenant[]> {
  const registered: OverloadTenant[] = [];
  for (let index = 1; index <= count; index += 1)
    registered.push(await stack.addTenant(`${tier}-${index}`, tier));
  return registered;
}

/**
 * Half the offered rate to each tier, split evenly over its tenants; the last tenant of each tier
 * sends the same mean rate in bursts, to see whether a bursty tenant takes more than its share.
 */
function tenantLoads(
  free: readonly OverloadTenant[],
  paid: readonly OverloadTenant[],
  offeredPerSecond: number,
  burst: number,
): TenantLoad[] {
  const tier = (members: readonly OverloadTenant[]) =>
    members.map((tenant, index) => ({
      tenant,
      perSecond: offeredPerSecond / 2 / members.length,
      burst: index === members.length - 1 && members.length > 1 ? burst : 1,
    }));
  return [...tier(free), ...tier(paid)];
}

async function processesOf(stack: OverloadStack): Promise<Record<string, number>> {
  const named: Record<string, number> = {};
  for (const [index, pid] of (await workerdPids()).entries())
    named[index === 0 ? 'workerd' : `workerd-${index}`] = pid;
  for (const pool of stack.stack.pools) if (pool.pid !== null) named[pool.id] = pool.pid;
  // This process: the load's clients, and Miniflare's host of workerd.
  named['bench-client'] = process.pid;
  return named;
}
