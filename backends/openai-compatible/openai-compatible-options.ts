import type { z } from 'zod';
import { adapterOptionsSchema, maxImageBytesOption, msOption } from '../provider-kit/index.ts';

/**
 * Options of the OpenAI-compatible adapter: the common ones (`fetch`, `now`,
 * `requestTimeoutMs`: see `adapterOptionsSchema`), `probeTimeoutMs` bounding one readiness
 * probe, and `maxImageBytes`, the largest image downloaded for an answer by `url`.
 */
export const openAiCompatibleOptionsSchema = adapterOptionsSchema.extend({
  probeTimeoutMs: msOption(),
  maxImageBytes: maxImageBytesOption(),
});

/** Options as a caller writes them. */
export type OpenAiCompatibleOptions = z.input<typeof openAiCompatibleOptionsSchema>;
/** Options with defaults applied. */
export type OpenAiCompatibleSettings = z.infer<typeof openAiCompatibleOptionsSchema>;
