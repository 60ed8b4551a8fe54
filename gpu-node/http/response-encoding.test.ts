import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generationResponseSchema } from '../../shared/index.ts';
import { encodeGenerationResponse, type ResponseHead } from './response-encoding.ts';

const head = fc.record({
  created: fc.integer({ min: 0, max: 2 ** 40 }),
  spillway: fc.record({
    job_id: fc.string({ unit: 'grapheme', maxLength: 40 }),
    pool_id: fc.string({ unit: 'binary', maxLength: 20 }),
    model: fc.string({ maxLength: 20 }),
    size: fc.constantFrom('256x256', '512x512'),
    steps: fc.integer({ min: 1, max: 200 }),
    execution_provider: fc.constantFrom('tensorrt', 'cuda', 'cpu'),
    queue_ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
    compute_ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
    warnings: fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 3 }),
  }),
});
const images = fc.array(
  fc.record({ png: fc.uint8Array({ maxLength: 300 }), seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
  { maxLength: 4 },
);

describe('encodeGenerationResponse', () => {
  it('response encoding: gives the same JSON text as JSON.stringify of the response object', () => {
    fc.assert(
      fc.property(head, images, (responseHead: ResponseHead, generated) => {
        const expected = JSON.stringify({
          created: responseHead.created,
          data: generated.map((image) => ({
            b64_json: Buffer.from(image.png).toString('base64'),
            seed: image.seed,
          })),
          spillway: responseHead.spillway,
        });
        expect(encodeGenerationResponse(responseHead, generated).toString('utf8')).toBe(expected);
      }),
    );
  });

  it('response encoding: images that are views into a larger buffer encode only their own bytes', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const body = encodeGenerationResponse(
      {
        created: 1,
        spillway: {
          job_id: 'j',
          pool_id: 'p',
          model: 'm',
          size: '256x256',
          steps: 1,
          execution_provider: 'cpu',
          queue_ms: 0,
          compute_ms: 1,
          warnings: [],
        },
      },
      [{ png: backing.subarray(2, 5), seed: 7 }],
    );
    const parsed = generationResponseSchema.parse(JSON.parse(body.toString('utf8')));
    expect(Buffer.from(parsed.data[0]?.b64_json ?? '', 'base64')).toEqual(Buffer.from([1, 2, 3]));
  });
});
