import { Command } from 'commander';
import type { JobResource } from '../../sdk/index.ts';
import { jobId, positiveInteger } from '../arguments.ts';
import { commandContext } from '../context.ts';
import { followJob, jobEndedError } from '../follow-job.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { describeJob } from '../progress.ts';
import { formatTime, NONE } from '../table.ts';
import { tenantCall } from '../tenant-errors.ts';

const apiKeyHelp = 'tenant API key (else SPILLWAY_API_KEY, login, local.json)';

/** A job as `key: value` lines for humans. */
function jobLines(job: JobResource): string[] {
  const seconds = (value: number) => formatTime(value * 1000);
  const lines = [
    `id:        ${job.id}`,
    `status:    ${describeJob(job)}`,
    `model:     ${job.model || NONE}`,
    `pool:      ${job.pool_id ?? NONE}`,
    `attempts:  ${job.attempts}`,
    `created:   ${seconds(job.created_at)}`,
    `updated:   ${seconds(job.updated_at)}`,
  ];
  if (job.estimated_start_at !== null) lines.push(`starts:    ~${formatTime(job.estimated_start_at)}`);
  for (const [index, image] of (job.result?.data ?? []).entries()) {
    const seed = image.seed === undefined ? '' : ` (seed ${image.seed})`;
    lines.push(`image ${index}:   ${image.url ?? NONE}${seed}`);
  }
  return lines;
}

/** `spillway jobs get|watch|cancel <id>` (with the tenant's API key). */
export function jobsCommand(io: CliIo): Command {
  const jobs = new Command('jobs').description('async generation jobs (tenant API key)');

  jobs
    .command('get')
    .description('show a job')
    .argument('<id>', 'job id (job_…)', jobId)
    .option('--wait <seconds>', 'long-poll: wait up to this long for the job to end', positiveInteger)
    .option('--api-key <key>', apiKeyHelp)
    .action(async (id: string, options: { wait?: number; apiKey?: string }, command: Command) => {
      const context = commandContext(io, command, options.apiKey);
      const { client, edgeUrl } = await context.tenant();
      const job = await tenantCall(edgeUrl, () =>
        client.get(id, options.wait === undefined ? {} : { waitSeconds: options.wait }),
      );
      if (context.json) printJson(io, job);
      else printLines(io, ...jobLines(job));
    });

  jobs
    .command('watch')
    .description('follow a job until it ends (progress on stderr; exit 6 if it fails)')
    .argument('<id>', 'job id (job_…)', jobId)
    .option('--api-key <key>', apiKeyHelp)
    .action(async (id: string, options: { apiKey?: string }, command: Command) => {
      const context = commandContext(io, command, options.apiKey);
      const { client, edgeUrl } = await context.tenant();
      const job = await followJob(context, client, edgeUrl, id, {
        progress: !context.json,
        cancelOnInterrupt: false,
        // One JSON document per line: each state as the stream gave it.
        ...(context.json
          ? { onState: (state: JobResource) => io.stdout.write(`${JSON.stringify(state)}\n`) }
          : {}),
      });
      if (!context.json) printLines(io, describeJob(job));
      if (job.status !== 'succeeded') throw jobEndedError(job);
    });

  jobs
    .command('cancel')
    .description('cancel a queued or running job')
    .argument('<id>', 'job id (job_…)', jobId)
    .option('--api-key <key>', apiKeyHelp)
    .action(async (id: string, options: { apiKey?: string }, command: Command) => {
      const context = commandContext(io, command, options.apiKey);
      const { client, edgeUrl } = await context.tenant();
      const job = await tenantCall(edgeUrl, () => client.cancel(id));
      if (context.json) printJson(io, job);
      else
        printLines(
          io,
          job.status === 'canceled' ? `job ${job.id} canceled` : `job ${job.id} had already ${job.status}`,
        );
    });

  return jobs;
}
