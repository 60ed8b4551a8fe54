import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import serverlessChromium from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

const run = promisify(execFile);

/** Flags that keep Chromium from phoning home: updates, sync, metrics, first-run pings. */
const OFFLINE_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-domain-reliability',
  '--no-pings',
];

/** Container hosts often give /dev/shm only 64 MB; Chromium then crashes rendering. */
const CONTAINER_FLAGS = ['--disable-dev-shm-usage'];

/**
 * `@sparticuz/chromium`'s serverless flags that switch off what the browser tests check: with
 * them, cross-origin calls to the edge would succeed without its CORS headers.
 */
const WEAKENING_FLAGS = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
]);

/**
 * Launches the headless Chromium that ships inside the `@sparticuz/chromium` npm package, through
 * playwright-core: nothing from apt, no download, no system NSS or fonts (the package's own
 * libraries and Open Sans are used).
 */
export async function launchChromium(): Promise<Browser> {
  const folder = await unpackedChromium();
  return chromium.launch({
    executablePath: join(folder, 'chromium'),
    headless: true,
    args: [
      ...serverlessChromium.args.filter((flag) => !WEAKENING_FLAGS.has(flag)),
      ...OFFLINE_FLAGS,
      ...CONTAINER_FLAGS,
    ],
    env: {
      ...definedEnvironment(),
      LD_LIBRARY_PATH: join(folder, 'al2023', 'lib'),
      FONTCONFIG_FILE: join(folder, 'fonts.conf'),
    },
  });
}

let unpacking: Promise<string> | null = null;

/**
 * The folder holding the unpacked browser, unpacked on first use. The package itself would unpack
 * into the shared temp folder and trust any `chromium` file it finds there, even a half-written
 * one from a concurrent or killed first run; here each run unpacks into a private staging folder
 * that is renamed into place only once complete, so the folder's existence means it is whole.
 */
function unpackedChromium(): Promise<string> {
  unpacking ??= unpack().catch((error: unknown) => {
    unpacking = null;
    throw error;
  });
  return unpacking;
}

async function unpack(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const packageRoot = join(dirname(entry), '..');
  const { version } = JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cache = join(tmpdir(), `spillway-chromium-${userInfo().uid}`);
  const folder = join(cache, version);
  await mkdir(cache, { recursive: true, mode: 0o700 });
  await removeAbandonedStaging(cache);
  if (await exists(join(folder, 'chromium'))) return folder;
  const staging = await mkdtemp(join(cache, `${STAGING_PREFIX}${process.pid}-`));
  try {
    // The package unpacks into os.tmpdir(); a child with its own TMPDIR unpacks into staging.
    await run(
      process.execPath,
      [
        '--input-type=module',
        '--eval',
        'const serverless = await import(process.argv[1]);' +
          'await serverless.default.executablePath();' +
          'await serverless.inflate(process.argv[2]);',
        pathToFileURL(entry).href,
        join(packageRoot, 'bin', 'al2023.tar.br'),
      ],
      { env: { ...process.env, TMPDIR: staging } },
    );
    await writeFile(join(staging, 'fonts.conf'), fontConfig(folder));
    await rename(staging, folder);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process finished first: its folder is complete, use it.
    if (await exists(join(folder, 'chromium'))) return folder;
    throw error;
  }
  return folder;
}

const STAGING_PREFIX = '.staging-';

/**
 * Removes staging folders (a few hundred MB each) left by runs killed while unpacking: those whose
 * process is gone. A live process's staging folder is still being written, or about to be renamed.
 */
async function removeAbandonedStaging(cache: string): Promise<void> {
  for (const name of await readdir(cache)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(name.slice(STAGING_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && !isRunning(pid))
      await rm(join(cache, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Only the bundled Open Sans, so rendering does not depend on the host's fonts. */
function fontConfig(folder: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${join(folder, 'fonts')}</dir>`,
    `  <cachedir>${join(folder, 'fonts-cache')}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function definedEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
