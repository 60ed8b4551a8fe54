import { measureSdkSize } from './sdk-size.ts';

// Entry point: `npm run bench:sdk-size`. Prints the JSON report; exits 1 over budget.
const report = await measureSdkSize();
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (!report.within_target) process.exitCode = 1;
