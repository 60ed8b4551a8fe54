import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../backends/kserve/png-encoder.ts';
import { streamCompletedImages } from './image-stream.ts';

async function png(width: number, height: number): Promise<string> {
  const bytes = await encodePng(new Uint8Array(width * height * 3), width, height, 3);
  return btoa(String.fromCharCode(...bytes));
}

describe('image streaming', () => {
  it('each completed event names its image’s own size, not only the size asked', async () => {
    const images = [{ b64_json: await png(32, 32) }, { b64_json: 'not a png' }];
    const app = new Hono().get('/', (context) =>
      streamCompletedImages(context, images, { size: '64x64', quality: 'auto', createdAt: 1 }),
    );
    const text = await (await app.request('/')).text();
    const sizes = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => (JSON.parse(line.slice(6)) as { size: string }).size);
    expect(sizes).toEqual(['32x32', '64x64']);
  });
});
