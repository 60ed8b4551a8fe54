#!/usr/bin/env node
import { runCli } from './program.ts';

// The composition root: the only place that reads the process's globals.
process.exitCode = await runCli(process.argv, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  fetch: (input, init) => fetch(input, init),
  now: () => Date.now(),
  onInterrupt: (handler) => {
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
});
