import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import * as sdk from '../../sdk/index.ts';
import { generationResponseFields, jobResourceFields } from '../../sdk/parse.ts';
import {
  type EdgeGenerationResponse,
  type ErrorEnvelope,
  edgeGenerationResponseSchema,
  errorEnvelopeSchema,
  type GenerationRequestInput,
  type JobResource,
  jobResourceSchema,
  jobStatuses,
  type jobSubmitRequestSchema,
  terminalJobStatuses,
} from '../../shared/index.ts';
import { fieldKind, samplesOf } from './schema-samples.ts';

// The SDK's hand-written types must equal the zod-inferred ones: `npm run check` fails otherwise.
expectTypeOf<sdk.JobResource>().toEqualTypeOf<JobResource>();
expectTypeOf<sdk.GenerationResponse>().toEqualTypeOf<EdgeGenerationResponse>();
expectTypeOf<sdk.ErrorEnvelope>().toEqualTypeOf<ErrorEnvelope>();
// The SDK answers JSON: OpenAI's image streaming (`stream`, `partial_images`) is for OpenAI clients.
expectTypeOf<sdk.GenerationRequest>().toEqualTypeOf<
  Omit<GenerationRequestInput, 'stream' | 'partial_images'>
>();
expectTypeOf<sdk.JobSubmitRequest>().toEqualTypeOf<z.input<typeof jobSubmitRequestSchema>>();
expectTypeOf<sdk.JobStatus>().toEqualTypeOf<(typeof jobStatuses)[number]>();

function fieldKinds(schema: z.ZodObject): Record<string, string> {
  return Object.fromEntries(Object.entries(schema.shape).map(([name, field]) => [name, fieldKind(field)]));
}

describe('sdk types and parsers match the shared zod schemas', () => {
  it('the job field table lists exactly the schema’s fields, kinds and nullability', () => {
    expect(jobResourceFields).toEqual(fieldKinds(jobResourceSchema));
    expect(sdk.terminalJobStatuses).toEqual([...terminalJobStatuses]);
  });

  it('every schema-valid job parses in the SDK unchanged; dropping any field is refused by both', () => {
    fc.assert(
      fc.property(samplesOf(jobResourceSchema), (sample) => {
        const valid = jobResourceSchema.parse(sample);
        expect(sdk.parseJobResource(valid)).toEqual(valid);
        expect(sdk.isTerminal(valid)).toBe((terminalJobStatuses as readonly string[]).includes(valid.status));
        for (const name of Object.keys(valid)) {
          const { [name as keyof typeof valid]: _dropped, ...rest } = valid;
          expect(jobResourceSchema.safeParse(rest).success).toBe(false);
          expect(() => sdk.parseJobResource(rest)).toThrow(sdk.SpillwayError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every schema-valid generation response and error envelope parses in the SDK', () => {
    expect(
      Object.keys(generationResponseFields).every((name) => name in edgeGenerationResponseSchema.shape),
    ).toBe(true);
    fc.assert(
      fc.property(
        samplesOf(edgeGenerationResponseSchema),
        samplesOf(errorEnvelopeSchema),
        (response, envelope) => {
          expect(sdk.parseGenerationResponse(edgeGenerationResponseSchema.parse(response))).toEqual(response);
          expect(sdk.parseErrorEnvelope(errorEnvelopeSchema.parse(envelope))).toEqual(envelope);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a body of another shape is refused with invalid_response', () => {
    const job = fc.sample(samplesOf(jobResourceSchema), 1)[0] as JobResource;
    for (const bad of [
      null,
      [],
      'job',
      { ...job, object: 'other' },
      { ...job, status: 'paused' },
      { ...job, attempts: '1' },
    ]) {
      expect(() => sdk.parseJobResource(bad)).toThrow(
        expect.objectContaining({ code: 'invalid_response', status: 0 }),
      );
    }
    expect(jobStatuses).toContain(job.status);
  });
});
