import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readOpenAiBody } from './openai-body.ts';
import { generationRequestSchema } from './schemas/generation-request.ts';

describe('readOpenAiBody', () => {
  it('takes null in an optional field as left out, as OpenAI and its Python SDK mean it', () => {
    const sent = { prompt: 'a fox', model: null, size: null, n: null, user: null, response_format: null };
    const { body, unknownFields } = readOpenAiBody(sent, generationRequestSchema);
    expect(body).toEqual({ prompt: 'a fox' });
    expect(unknownFields).toEqual([]);
    expect(generationRequestSchema.parse(body)).toMatchObject({ n: 1, response_format: 'b64_json' });
  });

  it('keeps a null required field, so validation names it', () => {
    const { body } = readOpenAiBody({ prompt: null }, generationRequestSchema);
    const parsed = generationRequestSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['prompt']);
  });

  it('refuses a prompt of only whitespace, as it refuses an empty one, naming the field', () => {
    for (const prompt of ['', ' ', '\t\n  ', '\u00a0']) {
      const parsed = generationRequestSchema.safeParse({ prompt });
      expect(parsed.success, JSON.stringify(prompt)).toBe(false);
      expect(parsed.error?.issues[0]?.path).toEqual(['prompt']);
    }
    expect(generationRequestSchema.parse({ prompt: ' a fox ' }).prompt).toBe(' a fox ');
  });

  it('lists the fields the schema does not know, in the order sent, and leaves non-objects alone', () => {
    const schema = z.object({ a: z.string().optional() });
    const sent = { zeta: 1, a: 'x', webhok: null, constructor: 2 };
    expect(readOpenAiBody(sent, schema)).toEqual({
      body: { zeta: 1, a: 'x', webhok: null, constructor: 2 },
      unknownFields: ['zeta', 'webhok', 'constructor'],
    });
    expect(readOpenAiBody([1], schema)).toEqual({ body: [1], unknownFields: [] });
    expect(readOpenAiBody(null, schema)).toEqual({ body: null, unknownFields: [] });
  });
});
