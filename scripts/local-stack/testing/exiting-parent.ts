import { fileURLToPath } from 'node:url';
import { spawnPoolProcess } from '../pool-process.ts';

// A parent that starts a pool and then exits at once, as Miniflare's own SIGINT/SIGTERM handler
// makes `npm start` do before the stack can stop its pools. Prints the pool's pid first.
const started = await spawnPoolProcess(fileURLToPath(new URL('./idle-pool.ts', import.meta.url)), []);
process.stdout.write(`${started.process.pid}\n`);
process.exit(0);
