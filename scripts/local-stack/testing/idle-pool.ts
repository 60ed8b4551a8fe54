// A stand-in pool process for `pool-process.test.ts`: logs gpu-node's listening line, then idles
// until it is signalled, as a real pool does between jobs.
process.stdout.write(`${JSON.stringify({ url: 'http://127.0.0.1:9', msg: 'gpu-node listening' })}\n`);
setInterval(() => undefined, 60_000);
process.once('SIGTERM', () => process.exit(0));
