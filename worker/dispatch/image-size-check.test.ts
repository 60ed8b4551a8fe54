import { describe, expect, it } from 'vitest';
import { pngSizeOfBase64 as pngSize } from '../../backends/index.ts';
import { encodePng } from '../../backends/kserve/png-encoder.ts';
import { withSizeWarnings } from './image-size-check.ts';

async function png(width: number, height: number): Promise<string> {
  const bytes = await encodePng(new Uint8Array(width * height * 3), width, height, 3);
  return btoa(String.fromCharCode(...bytes));
}

const answered = (images: string[], warnings: string[] = []) => ({
  response: { created: 1, data: images.map((b64_json) => ({ b64_json })) },
  load: null,
  warnings,
});

describe('image size check', () => {
  it('reads a PNG’s size from its header, and nothing from what is not a PNG', async () => {
    expect(pngSize(await png(64, 32))).toBe('64x32');
    expect(pngSize(btoa('GIF89a, not a png at all, long enough'))).toBeNull();
    expect(pngSize('%%%% not base64 %%%% not base64 %%%%')).toBeNull();
    expect(pngSize(undefined)).toBeNull();
  });

  it('a provider’s image of another size than asked is named in a warning', async () => {
    const result = withSizeWarnings(answered([await png(64, 64), await png(32, 32)]), '64x64', 'fal-sdxl');
    expect(result.warnings).toEqual(['size: fal-sdxl returned 32x32 for 64x64 (1 of 2 images)']);
    // The asked size, no asked size, or an adapter that already said what it did: no warning.
    const right = answered([await png(64, 64)]);
    expect(withSizeWarnings(right, '64x64', 'p').warnings).toEqual([]);
    expect(withSizeWarnings(answered([await png(32, 32)]), undefined, 'p').warnings).toEqual([]);
    const mapped = answered([await png(1024, 1024)], ['size: 64x64 served as 1024x1024']);
    expect(withSizeWarnings(mapped, '64x64', 'p').warnings).toEqual(['size: 64x64 served as 1024x1024']);
  });
});
