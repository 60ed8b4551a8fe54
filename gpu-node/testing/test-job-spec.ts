import type { JobSpec } from '../scheduler/job.ts';

/** The owner of every {@link testJobSpec} unless the test names another. */
export const testOwner = 'tenant-test';

/** A valid job spec for tests: one 64x64 image in four steps, with any field overridable. */
export function testJobSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  const jobId = overrides.jobId ?? 'job-1';
  return {
    jobId,
    owner: testOwner,
    model: 'spillway-tiny',
    prompt: `prompt of ${jobId}`,
    count: 1,
    firstSeed: 7,
    steps: 4,
    width: 64,
    height: 64,
    priority: 'normal',
    deadlineAt: null,
    fingerprint: `body of ${jobId}`,
    streamProgress: false,
    ...overrides,
  };
}
