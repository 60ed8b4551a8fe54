import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import type { JobResource } from '../../sdk/index.ts';
import { imageSize, nonNegativeInteger, positiveInteger } from '../arguments.ts';
import { commandContext } from '../context.ts';
import { CliError, unreachable } from '../errors.ts';
import { followJob, jobEndedError } from '../follow-job.ts';
import { type CliIo, printJson, printLines } from '../io.ts';
import { tenantCall } from '../tenant-errors.ts';

interface GenerateOptions {
  readonly output: string;
  readonly size?: string;
  readonly steps?: number;
  readonly seed?: number;
  readonly model?: string;
  readonly apiKey?: string;
  readonly progress: boolean;
}

/** The eight bytes every PNG file starts with (PNG spec, 5.2). */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Offsets of width and height in the IHDR chunk, which always comes first. */
const IHDR_WIDTH_OFFSET = 16;
const IHDR_HEIGHT_OFFSET = 20;
/** How long downloading the finished image may take. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

async function downloadImage(io: CliIo, edgeUrl: string, job: JobResource): Promise<Buffer> {
  const location = job.result?.data[0]?.url;
  if (!location) throw new CliError(`job ${job.id} succeeded without an image URL`);
  // The signed URL is the credential: no Authorization header is sent with it.
  const url = new URL(location, edgeUrl);
  let response: Response;
  try {
    response = await io.fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  } catch (error) {
    throw unreachable(url.origin, error);
  }
  if (!response.ok)
    throw new CliError(`downloading the image of job ${job.id} failed: HTTP ${response.status}`);
  const image = Buffer.from(await response.arrayBuffer());
  if (image.length < IHDR_HEIGHT_OFFSET + 4 || !image.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE))
    throw new CliError(`the image of job ${job.id} is not a PNG`);
  return image;
}

async function save(io: CliIo, output: string, image: Buffer): Promise<void> {
  if (output === '-') {
    io.stdout.write(image);
    return;
  }
  try {
    await writeFile(output, image);
  } catch (error) {
    throw new CliError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** `spillway generate "<prompt>" -o out.png`: an async job, its progress on stderr, then the PNG. */
export function generateCommand(io: CliIo): Command {
  return new Command('generate')
    .description('generate an image through the edge (async job) and save it as PNG')
    .argument('<prompt>', 'what the image should show')
    .requiredOption('-o, --output <file>', 'where to write the PNG (`-` for stdout)')
    .option('--size <WxH>', 'image size, e.g. 256x256 (the model default when absent)', imageSize)
    .option('--steps <n>', 'sampler steps (the model default when absent)', positiveInteger)
    .option('--seed <n>', 'seed, for a reproducible image', nonNegativeInteger)
    .option('--model <name>', 'model (the edge default when absent)')
    .option('--api-key <key>', 'tenant API key (else SPILLWAY_API_KEY, login, local.json)')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (prompt: string, options: GenerateOptions, command: Command) => {
      const context = commandContext(io, command, options.apiKey);
      const { client, edgeUrl } = await context.tenant();
      const submitted = await tenantCall(edgeUrl, () =>
        client.submit({
          prompt,
          ...(options.size === undefined ? {} : { size: options.size }),
          ...(options.steps === undefined ? {} : { steps: options.steps }),
          ...(options.seed === undefined ? {} : { seed: options.seed }),
          ...(options.model === undefined ? {} : { model: options.model }),
        }),
      );
      context.debug(`job ${submitted.id} submitted`);
      const job = await followJob(context, client, edgeUrl, submitted.id, {
        progress: options.progress,
        cancelOnInterrupt: true,
        initial: submitted,
      });
      if (job.status !== 'succeeded') throw jobEndedError(job);
      const image = await downloadImage(io, edgeUrl, job);
      await save(io, options.output, image);
      const width = image.readUInt32BE(IHDR_WIDTH_OFFSET);
      const height = image.readUInt32BE(IHDR_HEIGHT_OFFSET);
      const seed = job.result?.data[0]?.seed ?? null;
      if (context.json && options.output !== '-') {
        printJson(io, { output: options.output, bytes: image.length, width, height, seed, job });
      } else if (options.output !== '-') {
        const seedText = seed === null ? '' : `, seed ${seed}`;
        printLines(
          io,
          `wrote ${options.output} (${width}x${height}, ${image.length} bytes) from job ${job.id} on ${job.pool_id ?? 'a pool'}${seedText}`,
        );
      }
    });
}
