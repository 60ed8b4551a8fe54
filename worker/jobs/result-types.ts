import type { z } from 'zod';
import type { generatedImageSchema } from '../../shared/index.ts';

/** One image as a pool returns it. */
export type GeneratedImage = z.infer<typeof generatedImageSchema>;
