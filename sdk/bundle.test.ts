import { describe, expect, it } from 'vitest';
import { measureSdkSize, sdkSizeTargetBytes } from '../bench/sdk/sdk-size.ts';

describe('sdk bundle', () => {
  it('bundles alone (only sdk/ files, no Node built-ins) within 8 kB min+gzip', async () => {
    const report = await measureSdkSize();
    expect(report.inputs.length).toBeGreaterThan(5);
    expect(
      report.inputs.filter((path) => !path.startsWith('sdk/') || path.startsWith('sdk/testing/')),
    ).toEqual([]);
    expect(report.inputs.filter((path) => path.endsWith('.test.ts'))).toEqual([]);
    expect(report.gzip_bytes).toBeLessThanOrEqual(sdkSizeTargetBytes);
  });

  it('the size check itself fails for an entry that pulls in code from outside sdk/', async () => {
    const report = await measureSdkSize('sdk/testing/protocol-server.ts').catch((error: unknown) => error);
    // node:http cannot be bundled for the neutral platform: the build refuses it.
    expect(report).toBeInstanceOf(Error);
  });
});
