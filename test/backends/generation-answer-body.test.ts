import { describe, expect, it } from 'vitest';
import { asGenerationResponse } from '../../backends/gpu-node/generation-answer-body.ts';
import { generationResponseSchema } from '../../shared/index.ts';

const details = {
  job_id: 'job-1',
  pool_id: 'pool-a',
  model: 'spillway-tiny',
  size: '64x64',
  steps: 4,
  execution_provider: 'cpu',
  queue_ms: 1,
  compute_ms: 20,
  warnings: ['quality is ignored'],
};
const answer = {
  created: 1_700_000_000,
  data: [
    { b64_json: 'iVBORw0KGgo=', seed: 7 },
    { b64_json: 'iVBORw0KGgp=', seed: 8, revised_prompt: 'a fox' },
  ],
  spillway: details,
};

describe('gpu-node answer body', () => {
  it('answer body: a complete answer comes back as the shared schema would parse it', () => {
    expect(asGenerationResponse(answer, 2)).toEqual(generationResponseSchema.parse(answer));
  });

  it('answer body: fields the edge does not know are dropped, never forwarded', () => {
    const parsed = asGenerationResponse(
      { ...answer, debug: 'x', data: answer.data.map((image) => ({ ...image, internal: true })) },
      2,
    );
    expect(parsed).not.toHaveProperty('debug');
    expect(parsed?.data[0]).toEqual({ b64_json: 'iVBORw0KGgo=', seed: 7 });
  });

  it('answer body: an answer without spillway details is still complete', () => {
    const { spillway: _details, ...plain } = answer;
    expect(asGenerationResponse(plain, 2)).toEqual({ created: answer.created, data: answer.data });
  });

  const broken: Array<[string, unknown, number]> = [
    ['not an object', 'ok', 1],
    ['an array', [answer], 2],
    ['no created', { ...answer, created: undefined }, 2],
    ['a fractional created', { ...answer, created: 1.5 }, 2],
    ['fewer images than asked', answer, 3],
    ['more images than asked', answer, 1],
    ['an image without b64_json', { ...answer, data: [{ seed: 1 }, answer.data[1]] }, 2],
    ['an empty b64_json', { ...answer, data: [{ b64_json: '' }, answer.data[1]] }, 2],
    ['a url instead of an image', { ...answer, data: [{ url: 'https://x.test/a.png' }, answer.data[1]] }, 2],
    ['a string seed', { ...answer, data: [{ b64_json: 'a', seed: '1' }, answer.data[1]] }, 2],
    [
      'a numeric revised_prompt',
      { ...answer, data: [{ b64_json: 'a', revised_prompt: 1 }, answer.data[1]] },
      2,
    ],
    ['malformed details', { ...answer, spillway: { ...details, steps: 'four' } }, 2],
  ];
  for (const [name, body, images] of broken) {
    it(`answer body: ${name} is not a complete answer`, () => {
      expect(asGenerationResponse(body, images)).toBeNull();
    });
  }
});
